import { useEffect, useRef } from 'preact/hooks';
import type { AdminPayoutView } from '../../shared/schemas/admin.ts';
import type { ApiClient } from '../lib/api.ts';
import { hasReceipt, ReceiptButton } from '../lib/download.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';
import { DateTime, ErrorNote, Loading, PAYMENT_METHOD_LABEL, StatusBadge, Timeline } from '../lib/ui.ts';
import { PayoutFlags } from './flags.ts';
import { Attempts, type AttemptView, canRetry, canSend } from './providers.ts';

/** The provider rails of a payout's details (absent when provider payments are off). */
export interface DetailRails {
  attempts: AttemptView[];
  busy: boolean;
  error: string | undefined;
  onSend: () => void;
  onRetry: () => void;
}

/** A payout as admins see it: who processed it, when it last changed, and every status change. */
export function AdminDetail({
  api,
  payout,
  loading,
  error,
  onClose,
  rails,
}: {
  api: ApiClient;
  payout: AdminPayoutView | undefined;
  loading: boolean;
  error: string | undefined;
  onClose: () => void;
  rails?: DetailRails | undefined;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [payout?.payout_id]);
  return html`<section class="card detail" aria-labelledby="admin-detail-title">
    <div class="card-head row">
      <h2 id="admin-detail-title" tabindex="-1" ref=${heading}>Payout details</h2>
      <button type="button" class="button button-small button-ghost" onClick=${onClose}>Close<span class="visually-hidden"> payout details</span></button>
    </div>
    ${error ? html`<${ErrorNote} message=${error} />` : null}
    ${loading && !payout ? html`<${Loading} label="Loading the payout…" />` : null}
    ${
      payout
        ? html`<div class="detail-body">
          <div class="detail-amount"><span class="detail-figure">${formatCents(payout.amount)}</span><${StatusBadge} status=${payout.status} /><${PayoutFlags} payout=${payout} /></div>
          ${
            payout.flags?.includes('DUPLICATE_PAYOUT_DESTINATION') &&
            (payout.status === 'pending' || payout.status === 'processing')
              ? html`<p class="note note-warning">This payout's destination is also set on another affiliate. Check it with both, then send or complete it with the confirmation (<code>confirm_duplicate_destination</code>).</p>`
              : null
          }
          ${payout.status_reason ? html`<p class="muted small">${payout.status_reason}</p>` : null}
          <dl class="facts">
            <div><dt>Payout</dt><dd class="mono small">${payout.payout_id}</dd></div>
            <div><dt>Affiliate</dt><dd>${payout.affiliate_id}</dd></div>
            <div><dt>Paid to</dt><dd>${PAYMENT_METHOD_LABEL[payout.payment_method]} · ${payout.payment_email}</dd></div>
            <div><dt>Requested</dt><dd><${DateTime} iso=${payout.requested_at} long=${true} /></dd></div>
            ${payout.scheduled_for ? html`<div><dt>Scheduled for</dt><dd>${payout.scheduled_for}</dd></div>` : null}
            <div><dt>Processed</dt><dd>${payout.processed_at ? html`<${DateTime} iso=${payout.processed_at} long=${true} /> by ${payout.processed_by ?? '—'}` : '—'}</dd></div>
            <div><dt>Transaction</dt><dd class="mono">${payout.transaction_id ?? '—'}</dd></div>
            ${payout.receipt_number ? html`<div><dt>Receipt</dt><dd class="mono">${payout.receipt_number}</dd></div>` : null}
            ${payout.notes ? html`<div><dt>Notes</dt><dd>${payout.notes}</dd></div>` : null}
            ${payout.status_reason ? html`<div><dt>Reason</dt><dd>${payout.status_reason}</dd></div>` : null}
          </dl>
          ${
            rails
              ? html`<h3 class="subhead">Provider attempts</h3>
                <${Attempts} attempts=${rails.attempts} />
                ${rails.error ? html`<${ErrorNote} message=${rails.error} />` : null}
                ${
                  canSend(payout)
                    ? html`<button type="button" class="button button-primary" disabled=${rails.busy} onClick=${rails.onSend}>Send through ${PAYMENT_METHOD_LABEL[payout.payment_method]}</button>`
                    : null
                }
                ${
                  canRetry(payout, rails.attempts)
                    ? html`<p class="muted small">The last attempt failed on our side (see its error). Fix the cause, then queue a new attempt.</p>
                      <button type="button" class="button button-primary" disabled=${rails.busy} onClick=${rails.onRetry}>Retry with a new attempt</button>`
                    : null
                }`
              : null
          }
          ${
            hasReceipt(payout.status)
              ? html`<${ReceiptButton} api=${api} payoutId=${payout.payout_id} path=${`/admin/payouts/${encodeURIComponent(payout.payout_id)}/receipt.pdf`} />`
              : null
          }
          <h3 class="subhead">History</h3>
          <${Timeline} history=${payout.history} />
        </div>`
        : null
    }
  </section>`;
}
