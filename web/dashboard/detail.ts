import { useEffect, useRef, useState } from 'preact/hooks';
import type { PayoutView } from '../../shared/schemas/common.ts';
import type { ApiClient } from '../lib/api.ts';
import { hasReceipt, ReceiptButton } from '../lib/download.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';
import { DateTime, ErrorNote, Loading, PAYMENT_METHOD_LABEL, StatusBadge, Timeline } from '../lib/ui.ts';

export interface DetailProps {
  api: ApiClient;
  /** Whether this deployment e-mails affiliates (config.json). */
  emails: boolean;
  payout: PayoutView | undefined;
  loading: boolean;
  error: string | undefined;
  cancelling: boolean;
  cancelError: string | undefined;
  onCancel: (payout: PayoutView) => void;
  onClose: () => void;
}

/** Asks before cancelling: an inline alert dialog, focus on the safe choice, Escape keeps the payout. */
function ConfirmCancel({
  payout,
  busy,
  onConfirm,
  onKeep,
}: {
  payout: PayoutView;
  busy: boolean;
  onConfirm: () => void;
  onKeep: () => void;
}) {
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  return html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-text"
      onKeyDown=${(event: KeyboardEvent) => event.key === 'Escape' && onKeep()}>
    <p id="confirm-title" class="confirm-title">Cancel this payout?</p>
    <p id="confirm-text" class="muted small">${formatCents(payout.amount)} goes back to your available balance. This cannot be undone.</p>
    <div class="button-row">
      <button type="button" class="button button-danger" disabled=${busy} onClick=${onConfirm}>Cancel payout</button>
      <button type="button" class="button" ref=${keep} onClick=${onKeep}>Keep payout</button>
    </div>
  </div>`;
}

/**
 * Where an e-mail helps the affiliate find what to do (issue 12): a failed or returned payout says we wrote to them,
 * when, and at which address (the payout's payment e-mail, where the notifier sends it).
 */
function emailedNote(payout: PayoutView) {
  if (payout.status !== 'failed' && payout.status !== 'returned') return null;
  const change = [...(payout.history ?? [])].reverse().find((entry) => entry.to === payout.status);
  return html`<p class="note note-info" id="emailed-note">
    We e-mailed you at <strong>${payout.payment_email}</strong>${change ? html` on <${DateTime} iso=${change.at} long=${true} />` : null}
    ${payout.status === 'failed' ? ' with the reason and what to do next: check your payout method, then request again.' : ' with what to do next.'}
  </p>`;
}

/** One payout: its figures, its status timeline, and Cancel payout while it is pending. */
export function Detail(props: DetailProps) {
  const { payout } = props;
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  // Focus follows the payout: on opening it, and after a cancel removes the button that had focus.
  useEffect(() => heading.current?.focus(), [payout?.payout_id, payout?.status]);
  useEffect(() => setConfirming(false), [payout?.payout_id, payout?.status]);

  const keep = () => {
    setConfirming(false);
    requestAnimationFrame(() => trigger.current?.focus());
  };

  return html`<section class="card detail" aria-labelledby="detail-title">
    <div class="card-head row">
      <h2 id="detail-title" tabindex="-1" ref=${heading}>Payout details</h2>
      <button type="button" class="button button-small button-ghost" onClick=${props.onClose}>Close<span class="visually-hidden"> payout details</span></button>
    </div>
    ${props.error ? html`<${ErrorNote} message=${props.error} />` : null}
    ${props.loading && !payout ? html`<${Loading} label="Loading the payout…" />` : null}
    ${
      payout
        ? html`<div class="detail-body">
          <div class="detail-amount">
            <span class="detail-figure">${formatCents(payout.amount)}</span>
            <${StatusBadge} status=${payout.status} />
          </div>
          ${payout.status_reason ? html`<p class="note note-info status-reason">${payout.status_reason}</p>` : null}
          <dl class="facts">
            <div><dt>Requested</dt><dd><${DateTime} iso=${payout.requested_at} long=${true} /></dd></div>
            ${payout.scheduled_for ? html`<div><dt>Scheduled for</dt><dd>${payout.scheduled_for}</dd></div>` : null}
            <div><dt>Paid to</dt><dd>${PAYMENT_METHOD_LABEL[payout.payment_method]} · ${payout.payment_email}</dd></div>
            ${payout.processed_at ? html`<div><dt>Processed</dt><dd><${DateTime} iso=${payout.processed_at} long=${true} /></dd></div>` : null}
            ${
              payout.status_reason && (payout.status === 'processing' || payout.status === 'failed')
                ? html`<div><dt>Why</dt><dd>${payout.status_reason}</dd></div>`
                : null
            }
            ${payout.transaction_id ? html`<div><dt>Transaction</dt><dd class="mono">${payout.transaction_id}</dd></div>` : null}
            ${payout.receipt_number ? html`<div><dt>Receipt</dt><dd class="mono">${payout.receipt_number}</dd></div>` : null}
            <div><dt>Reference</dt><dd class="mono small">${payout.payout_id}</dd></div>
          </dl>
          ${
            hasReceipt(payout.status)
              ? html`<${ReceiptButton} api=${props.api} payoutId=${payout.payout_id} path=${`/payouts/${encodeURIComponent(payout.payout_id)}/receipt.pdf`} />`
              : null
          }
          ${props.emails ? emailedNote(payout) : null}
          <h3 class="subhead">Status timeline</h3>
          <${Timeline} history=${payout.history ?? []} />
          ${
            payout.status === 'pending'
              ? confirming
                ? html`<${ConfirmCancel} payout=${payout} busy=${props.cancelling} onConfirm=${() => props.onCancel(payout)} onKeep=${keep} />`
                : html`<button type="button" class="button button-danger-outline" ref=${trigger} onClick=${() => setConfirming(true)}>Cancel payout</button>`
              : null
          }
          ${props.cancelError ? html`<${ErrorNote} message=${props.cancelError} />` : null}
        </div>`
        : null
    }
  </section>`;
}
