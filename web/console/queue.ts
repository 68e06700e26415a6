import type { PayoutView } from '../../shared/schemas/common.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';
import { DateTime, Empty, PAYMENT_METHOD_LABEL, StatusBadge } from '../lib/ui.ts';
import { PayoutFlags } from './flags.ts';

/** A payout an admin can still move forward (and so may need a transaction id). */
const open = (payout: PayoutView) => payout.status === 'pending' || payout.status === 'processing';

export interface QueueProps {
  payouts: PayoutView[];
  selected: Set<string>;
  transactionIds: Record<string, string>;
  outcome: Record<string, { ok: boolean; text: string }>;
  onToggle: (payoutId: string, on: boolean) => void;
  onToggleAll: (on: boolean) => void;
  onTransactionId: (payoutId: string, value: string) => void;
  onOpen: (payoutId: string) => void;
  onAffiliate: (affiliateId: string) => void;
}

const Row = ({ payout, props }: { payout: PayoutView; props: QueueProps }) => {
  const id = payout.payout_id;
  const outcome = props.outcome[id];
  return html`<tr class=${props.selected.has(id) ? 'selected' : ''}>
    <td class="check"><input type="checkbox" aria-label=${id} checked=${props.selected.has(id)}
      onChange=${(event: Event) => props.onToggle(id, (event.target as HTMLInputElement).checked)} /></td>
    <td data-label="Payout"><button type="button" class="link mono small" onClick=${() => props.onOpen(id)}
      aria-label=${`Details of ${id}`}>${id.length > 13 ? `${id.slice(0, 8)}…` : id}</button></td>
    <td data-label="Affiliate"><button type="button" class="link" onClick=${() => props.onAffiliate(payout.affiliate_id ?? '')}
      aria-label=${`Reconcile ${payout.affiliate_id}`}>${payout.affiliate_id}</button></td>
    <td data-label="Amount" class="num"><strong>${formatCents(payout.amount)}</strong></td>
    <td data-label="Paid to">${PAYMENT_METHOD_LABEL[payout.payment_method]}<span class="muted small block">${payout.payment_email}</span></td>
    <td data-label="Status"><${StatusBadge} status=${payout.status} /><${PayoutFlags} payout=${payout} />
      ${outcome ? html`<span class=${`outcome ${outcome.ok ? 'ok' : 'bad'}`}>${outcome.text}</span>` : null}</td>
    <td data-label="Requested"><${DateTime} iso=${payout.requested_at} /></td>
    <td data-label="Transaction id">${
      open(payout)
        ? html`<input type="text" class="input-small" aria-label=${`Transaction id for ${id}`} placeholder="Transaction id"
          value=${props.transactionIds[id] ?? ''} onInput=${(event: Event) => props.onTransactionId(id, (event.target as HTMLInputElement).value)} />`
        : html`<span class="mono small">${payout.transaction_id ?? '—'}</span>`
    }</td>
  </tr>`;
};

/** The queue: one page of payouts, newest first, each selectable by a checkbox labelled with its id. */
export function Queue(props: QueueProps) {
  const { payouts, selected } = props;
  const all = payouts.length > 0 && payouts.every((payout) => selected.has(payout.payout_id));
  return html`<div class="table-wrap table-cards-wrap">
    <table class="table table-cards queue">
      <caption class="visually-hidden">Payouts</caption>
      <thead><tr>
        <th scope="col" class="check"><input type="checkbox" aria-label="Select all payouts on this page" checked=${all}
          onChange=${(event: Event) => props.onToggleAll((event.target as HTMLInputElement).checked)} /></th>
        <th scope="col">Payout</th><th scope="col">Affiliate</th><th scope="col" class="num">Amount</th><th scope="col">Paid to</th>
        <th scope="col">Status</th><th scope="col">Requested</th><th scope="col">Transaction id</th>
      </tr></thead>
      <tbody>
        ${payouts.map((payout) => html`<${Row} key=${payout.payout_id} payout=${payout} props=${props} />`)}
        ${
          payouts.length === 0
            ? html`<tr class="empty-row"><td colspan="8"><${Empty} title="No payouts match">Change or clear the filters to see more.<//></td></tr>`
            : null
        }
      </tbody>
    </table>
  </div>`;
}
