import { useEffect, useState } from 'preact/hooks';
import type { ReconciliationView } from '../../shared/schemas/admin.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';
import { ErrorNote, Loading } from '../lib/ui.ts';

type Figure = 'total_paid' | 'pending' | 'payout_count';
const FIGURES: Array<{ key: Figure; label: string; money: boolean }> = [
  { key: 'total_paid', label: 'Paid', money: true },
  { key: 'pending', label: 'Pending', money: true },
  { key: 'payout_count', label: 'Payouts', money: false },
];

const show = (value: number, money: boolean) => (money ? formatCents(value) : String(value));
const signed = (value: number, money: boolean) => (value > 0 ? `+${show(value, money)}` : show(value, money));

/** An affiliate's counters beside a recomputation from its payouts; any drift is highlighted. */
export function Reconciliation({
  affiliateId,
  view,
  loading,
  error,
  onCheck,
}: {
  affiliateId: string;
  view: ReconciliationView | undefined;
  loading: boolean;
  error: string | undefined;
  onCheck: (affiliateId: string) => void;
}) {
  const [draft, setDraft] = useState(affiliateId);
  useEffect(() => setDraft(affiliateId), [affiliateId]);
  return html`<section class="card" aria-labelledby="recon-title">
    <div class="card-head">
      <h2 id="recon-title">Reconciliation</h2>
      <p class="muted small">The affiliate's counters (what the guards use) against a fresh sum of its payouts.</p>
    </div>
    <form class="inline-form" onSubmit=${(event: Event) => (event.preventDefault(), draft.trim() && onCheck(draft.trim()))}>
      <div class="field field-inline">
        <label for="recon-affiliate">Affiliate id</label>
        <input id="recon-affiliate" type="text" value=${draft} placeholder="aff-…" onInput=${(event: Event) => setDraft((event.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="button">Check balance</button>
    </form>
    ${error ? html`<${ErrorNote} message=${error} />` : null}
    ${loading ? html`<${Loading} label="Reconciling…" />` : null}
    ${
      view && !loading
        ? html`<div>
          <p class=${`note ${view.in_sync ? 'note-success' : 'note-error'}`} role="status">
            ${view.in_sync ? `${view.affiliate_id}: counters and payouts agree.` : `${view.affiliate_id}: drift detected. Check again in a second before acting: the index may be catching up.`}
          </p>
          <div class="table-wrap">
            <table class="table recon">
              <caption class="visually-hidden">Reconciliation of ${view.affiliate_id}</caption>
              <thead><tr><th scope="col">Figure</th><th scope="col" class="num">Counters</th><th scope="col" class="num">Recomputed</th><th scope="col" class="num">Drift</th></tr></thead>
              <tbody>
                ${FIGURES.map(
                  ({ key, label, money }) => html`<tr class=${view.drift[key] !== 0 ? 'drift' : ''}>
                    <th scope="row" data-label="Figure">${label}</th>
                    <td data-label="Counters" class="num">${show(view.counters[key], money)}</td>
                    <td data-label="Recomputed" class="num">${show(view.recomputed[key], money)}</td>
                    <td data-label="Drift" class="num">${view.drift[key] === 0 ? '0' : html`<strong>${signed(view.drift[key], money)}</strong>`}</td>
                  </tr>`,
                )}
                <tr><th scope="row" data-label="Figure">Available</th><td data-label="Counters" class="num">${formatCents(view.counters.available)}</td>
                  <td data-label="Recomputed" class="num">${formatCents(view.recomputed.available)}</td><td data-label="Drift" class="num">—</td></tr>
                <tr><th scope="row" data-label="Figure">Earned</th><td data-label="Counters" class="num">${formatCents(view.counters.total_earned)}</td>
                  <td data-label="Recomputed" class="num">—</td><td data-label="Drift" class="num">—</td></tr>
              </tbody>
            </table>
          </div>
        </div>`
        : null
    }
  </section>`;
}
