import type { BulkItem, BulkResultView, ProcessStatus } from '../../shared/schemas/admin.ts';
import type { PayoutView } from '../../shared/schemas/common.ts';
import { html } from '../lib/html.ts';
import { statusLabel } from '../lib/ui.ts';

/**
 * The moves the console offers on selected rows. Each becomes one bulk request (POST /admin/payouts/process).
 * When the provider rails exist, Send and Retry are two more entries here (with their own route).
 */
export interface BulkAction {
  label: string;
  status: ProcessStatus;
  /** Whether each row needs its own transaction id. */
  needsTransactionId?: boolean;
  tone?: 'primary' | 'danger';
}

export const ACTIONS: BulkAction[] = [
  { label: 'Mark processing', status: 'processing' },
  { label: 'Mark completed', status: 'completed', needsTransactionId: true, tone: 'primary' },
  { label: 'Mark failed', status: 'failed', tone: 'danger' },
];

/** The bulk body for an action, or the sentence saying what is missing. */
export function bulkItems(
  action: BulkAction,
  selected: string[],
  transactionIds: Record<string, string>,
  note: string,
): { items: BulkItem[] } | { message: string } {
  if (selected.length === 0) return { message: 'Select at least one payout first.' };
  const missing = action.needsTransactionId ? selected.filter((id) => !transactionIds[id]?.trim()) : [];
  if (missing.length > 0) return { message: `Enter a transaction id for: ${missing.join(', ')}.` };
  return {
    items: selected.map((payout_id) => ({
      payout_id,
      status: action.status,
      ...(action.needsTransactionId ? { transaction_id: transactionIds[payout_id]!.trim() } : {}),
      ...(note.trim() ? { notes: note.trim() } : {}),
    })),
  };
}

export function ActionBar({
  count,
  busy,
  note,
  onNote,
  onAction,
  onExport,
  exporting,
  onSend,
}: {
  count: number;
  busy: boolean;
  note: string;
  onNote: (note: string) => void;
  onAction: (action: BulkAction) => void;
  onExport: () => void;
  exporting: boolean;
  /** Provider payments on: Send the selection through its provider (POST /admin/payouts/send). */
  onSend?: (() => void) | undefined;
}) {
  return html`<div class="actionbar" role="group" aria-label="Bulk actions">
    <p class="actionbar-count" aria-live="polite">${count} selected</p>
    <div class="field field-inline">
      <label for="bulk-note">Note</label>
      <input id="bulk-note" type="text" maxlength="1000" placeholder="Why it failed, batch reference…" value=${note}
        onInput=${(event: Event) => onNote((event.target as HTMLInputElement).value)} />
    </div>
    <div class="button-row">
      ${onSend ? html`<button type="button" class="button button-primary" disabled=${busy} onClick=${onSend}>Send through provider</button>` : null}
      ${ACTIONS.map(
        (
          action,
        ) => html`<button type="button" class=${`button ${action.tone ? `button-${action.tone}` : ''}`} disabled=${busy}
          onClick=${() => onAction(action)}>${action.label}</button>`,
      )}
      <button type="button" class="button button-ghost" disabled=${exporting} onClick=${onExport}>Export CSV</button>
    </div>
  </div>`;
}

type Result = BulkResultView['results'][number];

/** One line per item sent, in order: what happened, or the server's sentence. */
export function BulkResults({ results, onDismiss }: { results: BulkResultView; onDismiss: () => void }) {
  return html`<section class="card results" aria-labelledby="results-title">
    <div class="card-head row">
      <h2 id="results-title" tabindex="-1">Results: ${results.succeeded} done, ${results.failed} failed</h2>
      <button type="button" class="button button-small button-ghost" onClick=${onDismiss}>Dismiss<span class="visually-hidden"> results</span></button>
    </div>
    <ul class="result-list">
      ${results.results.map(
        (result: Result) => html`<li class=${result.success ? 'ok' : 'bad'}>
          <span class="mono small">${result.payout_id ?? '(no id)'}</span>
          <span>${result.success ? `${statusLabel((result.payout as PayoutView).status)}${result.message ? ` — ${result.message}` : ''}` : (result.message ?? `Failed (${result.status_code})`)}</span>
        </li>`,
      )}
    </ul>
  </section>`;
}
