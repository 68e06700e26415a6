import type { PayoutView } from '../../shared/schemas/common.ts';
import type { PayoutListView } from '../../shared/schemas/payouts.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';
import { DateTime, Empty, ErrorNote, formatDate, Loading, PAYMENT_METHOD_LABEL, StatusBadge } from '../lib/ui.ts';

const METHOD = PAYMENT_METHOD_LABEL;

export interface HistoryProps {
  page: PayoutListView | undefined;
  loading: boolean;
  error: string | undefined;
  /** 1-based page number. */
  pageNumber: number;
  selectedId: string | undefined;
  onOpen: (payoutId: string) => void;
  onNewer: () => void;
  onOlder: () => void;
  onRetry: () => void;
}

const Row = ({ payout, selected, onOpen }: { payout: PayoutView; selected: boolean; onOpen: (id: string) => void }) =>
  html`<tr class=${selected ? 'selected' : ''}>
    <td data-label="Requested"><${DateTime} iso=${payout.requested_at} /></td>
    <td data-label="Amount" class="num"><strong>${formatCents(payout.amount)}</strong></td>
    <td data-label="Method">${METHOD[payout.payment_method] ?? payout.payment_method}<span class="muted small block">${payout.payment_email}</span></td>
    <td data-label="Status"><${StatusBadge} status=${payout.status} />${
      payout.scheduled_for && payout.status === 'pending'
        ? html`<span class="muted small block">for ${payout.scheduled_for}</span>`
        : null
    }</td>
    <td class="actions">
      <button type="button" class="button button-small" aria-expanded=${selected ? 'true' : 'false'} onClick=${() => onOpen(payout.payout_id)}>
        View<span class="visually-hidden"> payout of ${formatCents(payout.amount)} from ${formatDate(payout.requested_at)}</span>
      </button>
    </td>
  </tr>`;

/** The affiliate's payouts, newest first, a page at a time with the API's cursor. */
export function History(props: HistoryProps) {
  const { page, loading, error } = props;
  const rows = page?.payouts ?? [];
  return html`<section class="card" aria-labelledby="history-title">
    <div class="card-head row">
      <h2 id="history-title">Payout history</h2>
      ${page ? html`<p class="muted small">${page.total} in total</p>` : null}
    </div>
    ${error ? html`<${ErrorNote} message=${error} onRetry=${props.onRetry} />` : null}
    ${loading && !page ? html`<${Loading} label="Loading your payouts…" />` : null}
    ${
      page
        ? html`<div class="table-wrap table-cards-wrap" aria-busy=${loading ? 'true' : 'false'}>
          <table class="table table-cards history">
            <caption class="visually-hidden">Payout history</caption>
            <thead><tr><th scope="col">Requested</th><th scope="col" class="num">Amount</th><th scope="col">Method</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              ${rows.map((payout) => html`<${Row} key=${payout.payout_id} payout=${payout} selected=${payout.payout_id === props.selectedId} onOpen=${props.onOpen} />`)}
              ${
                rows.length === 0
                  ? html`<tr class="empty-row"><td colspan="5"><${Empty} title="No payouts yet">When you request a payout it shows up here, with its status.<//></td></tr>`
                  : null
              }
            </tbody>
          </table>
        </div>`
        : null
    }
    ${
      page && (props.pageNumber > 1 || page.next_cursor)
        ? html`<nav class="pager" aria-label="Payout history pages">
          <button type="button" class="button button-small" disabled=${props.pageNumber === 1 || loading} onClick=${props.onNewer}>Newer</button>
          <span class="muted small">Page ${props.pageNumber}</span>
          <button type="button" class="button button-small" disabled=${!page.next_cursor || loading} onClick=${props.onOlder}>Older</button>
        </nav>`
        : null
    }
  </section>`;
}
