import type * as z from 'zod/mini';
import type { ProviderEventView } from '../../shared/schemas/provider-events.ts';
import type { attemptView } from '../../shared/schemas/providers.ts';
import { html } from '../lib/html.ts';
import { DateTime, Empty, ErrorNote, Loading } from '../lib/ui.ts';

/**
 * The provider rails in the console (issue 10): a payout's attempts, Send and Retry, and the provider events an
 * operator must review. They appear only when the admin API has provider payments on — the console asks
 * `GET /admin/provider-events?flagged=true` once: 200 means on (and fills the review list), 404 means off. Whether
 * Stripe or PayPal in particular has credentials stays the server's call: a send to one without them answers
 * 409 PROVIDER_NOT_CONFIGURED, shown on the row like any refusal.
 */

export type AttemptView = z.infer<typeof attemptView>;

const PROVIDER_LABEL: Record<string, string> = { stripe: 'Stripe', paypal: 'PayPal' };
export const providerLabel = (provider: string) => PROVIDER_LABEL[provider] ?? provider;

const ATTEMPT_LABEL: Record<AttemptView['status'], string> = {
  queued: 'Queued',
  sent: 'Sent',
  succeeded: 'Succeeded',
  failed: 'Failed',
};
const CATEGORY_LABEL: Record<string, string> = {
  ours: 'our side',
  recipient: "the recipient's side",
  transient: 'temporary',
};

/** Whether a payout can be sent now: pending, and paid through a provider (zelle is paid by hand). */
export const canSend = (payout: { status: string; payment_method: string }) =>
  payout.status === 'pending' && payout.payment_method !== 'zelle';

/** Whether a payout can be retried: processing, and its last attempt failed on our side. */
export function canRetry(payout: { status: string }, attempts: AttemptView[]): boolean {
  const last = attempts.at(-1);
  return payout.status === 'processing' && last?.status === 'failed' && last.error?.category === 'ours';
}

/** A payout's attempts, oldest first: number, provider, status, reference, error, times (cards: they fit a phone). */
export function Attempts({ attempts }: { attempts: AttemptView[] }) {
  if (attempts.length === 0) return html`<p class="muted small">Not sent through a provider.</p>`;
  return html`<ol class="attempt-list" aria-label="Provider attempts, oldest first">
    ${attempts.map(
      (attempt) => html`<li class="attempt">
        <div class="attempt-head">
          <strong>Attempt ${attempt.attempt}</strong>
          <span>${providerLabel(attempt.provider)}</span>
          <span class=${`badge badge-attempt-${attempt.status}`}>${ATTEMPT_LABEL[attempt.status]}</span>
        </div>
        <dl class="facts facts-compact">
          <div><dt>Reference</dt><dd class="mono small">${attempt.provider_item_id ?? attempt.provider_reference ?? '—'}</dd></div>
          ${
            attempt.error
              ? html`<div><dt>Error</dt><dd><strong>${attempt.error.code}</strong> (${CATEGORY_LABEL[attempt.error.category] ?? attempt.error.category}): ${attempt.error.message}</dd></div>`
              : null
          }
          <div><dt>Queued</dt><dd><${DateTime} iso=${attempt.created_at} long=${true} /></dd></div>
          <div><dt>Last change</dt><dd><${DateTime} iso=${attempt.updated_at} long=${true} /></dd></div>
        </dl>
      </li>`,
    )}
  </ol>`;
}

/** The provider events flagged for an operator: what arrived, for which payout, why it was not applied. */
export function ProviderEvents({
  events,
  loading,
  error,
  hasMore,
  busyId,
  onMore,
  onReload,
  onResolve,
  onOpen,
}: {
  events: ProviderEventView[];
  loading: boolean;
  error: string | undefined;
  hasMore: boolean;
  busyId: string | undefined;
  onMore: () => void;
  onReload: () => void;
  onResolve: (event: ProviderEventView) => void;
  onOpen: (payoutId: string) => void;
}) {
  return html`<section class="card" aria-labelledby="events-title">
    <div class="card-head row">
      <h2 id="events-title">Provider events needing review</h2>
      <button type="button" class="button button-small button-ghost" disabled=${loading} onClick=${onReload}>Reload<span class="visually-hidden"> provider events</span></button>
    </div>
    <p class="muted small">Webhooks and polls that changed nothing because they did not fit: an unknown payout, an
      amount that does not match, a partial reversal. Check each with the provider, fix the payout with the actions
      above if needed, then mark it reviewed (that moves no money).</p>
    ${error ? html`<${ErrorNote} message=${error} onRetry=${onReload} />` : null}
    ${loading && events.length === 0 ? html`<${Loading} label="Loading provider events…" />` : null}
    ${
      !loading && !error && events.length === 0
        ? html`<${Empty} title="Nothing to review">Every provider event so far was applied or ignored.</${Empty}>`
        : null
    }
    ${
      events.length > 0
        ? html`<ul class="event-list">
          ${events.map(
            (event) => html`<li class="event">
              <div class="event-head">
                <span class="chip">${providerLabel(event.provider)}</span>
                <span class="mono small">${event.event_type}</span>
                <span class="muted small"><${DateTime} iso=${event.received_at} long=${true} /></span>
              </div>
              <p>${event.reason ?? 'Flagged for review.'}</p>
              <div class="button-row">
                ${
                  event.payout_id
                    ? html`<button type="button" class="button button-small" onClick=${() => onOpen(event.payout_id as string)}>Open payout<span class="visually-hidden"> ${event.payout_id}</span></button>`
                    : null
                }
                <button type="button" class="button button-small button-primary" disabled=${busyId === event.event_id} onClick=${() => onResolve(event)}>Mark reviewed<span class="visually-hidden"> ${event.event_id}</span></button>
                <span class="mono small muted">${event.payout_id ?? 'no payout id'}</span>
              </div>
            </li>`,
          )}
        </ul>`
        : null
    }
    ${hasMore ? html`<button type="button" class="button button-small" disabled=${loading} onClick=${onMore}>Older events</button>` : null}
  </section>`;
}
