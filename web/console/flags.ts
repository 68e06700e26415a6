import { useEffect, useState } from 'preact/hooks';
import type { PayoutView } from '../../shared/schemas/common.ts';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { html } from '../lib/html.ts';
import { ErrorNote, formatDateTime } from '../lib/ui.ts';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * The review marks of a payout (issue 13): its destination is shared with another affiliate (sending or completing
 * it needs a confirmation), or was named by the request instead of the settings (a mark only), and a future-dated payout's date (due once the day has come).
 */
export const PayoutFlags = ({ payout }: { payout: PayoutView }) => {
  const shared = payout.flags?.includes('DUPLICATE_PAYOUT_DESTINATION') ?? false;
  const oneOff = payout.flags?.includes('DESTINATION_NOT_ON_FILE') ?? false;
  const dated = payout.scheduled_for ?? undefined;
  if (!shared && !oneOff && !dated) return null;
  return html`<span class="flags">
    ${shared ? html`<span class="flag flag-danger" title="The same destination is set on another affiliate: confirm before sending">Shared destination</span>` : null}
    ${oneOff ? html`<span class="flag flag-danger" title="The request named its own destination, not the one in the affiliate's payout settings: check it before sending">Not the settings' destination</span>` : null}
    ${
      dated && payout.status === 'pending'
        ? dated > today()
          ? html`<span class="flag flag-info" title="Cannot be sent or completed before this day">Scheduled ${dated}</span>`
          : html`<span class="flag flag-ok" title=${`Scheduled for ${dated}: sendable now`}>Due</span>`
        : null
    }
  </span>`;
};

/** Ends an affiliate's payout destination cool-down (POST /admin/affiliates/{id}/cooldown/clear). */
export function CooldownPanel({ api, affiliateId }: { api: ApiClient; affiliateId: string }) {
  const [draft, setDraft] = useState(affiliateId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  useEffect(() => setDraft(affiliateId), [affiliateId]);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const id = draft.trim();
    if (!id) return setError('Enter an affiliate id first.');
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const result = await api.post<{ affiliate_id: string; payment_email: string | null }>(
        `/admin/affiliates/${encodeURIComponent(id)}/cooldown/clear`,
      );
      setDone(
        `Cool-down ended for ${result.affiliate_id} at ${formatDateTime(new Date().toISOString())}: payouts to ${result.payment_email ?? 'the new destination'} can be requested now.`,
      );
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="cooldown-title">
    <div class="card-head">
      <h2 id="cooldown-title">Payout cool-down</h2>
      <p class="muted small">A changed payout destination holds an affiliate's payouts for a while. End it early only after checking the change with the affiliate.</p>
    </div>
    <form class="inline-form" onSubmit=${onSubmit}>
      <div class="field field-inline">
        <label for="cooldown-affiliate">Affiliate id</label>
        <input id="cooldown-affiliate" type="text" value=${draft} placeholder="aff-…" onInput=${(event: Event) => setDraft((event.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="button" disabled=${busy}>End cool-down</button>
    </form>
    <div aria-live="polite">
      ${error ? html`<${ErrorNote} message=${error} />` : null}
      ${done ? html`<p class="note note-success" role="status">${done}</p>` : null}
    </div>
  </section>`;
}

const isShared = (payout: PayoutView) => payout.flags?.includes('DUPLICATE_PAYOUT_DESTINATION') ?? false;

/** The selected payouts whose destination is shared with another affiliate. */
export const sharedAmong = (payouts: PayoutView[], selected: Set<string>) =>
  payouts.filter((payout) => selected.has(payout.payout_id) && isShared(payout)).map((payout) => payout.payout_id);

/**
 * The explicit confirmation a shared destination needs: shown when a selected payout is flagged; when ticked, the
 * bulk items of the flagged payouts carry `confirm_duplicate_destination: true` (the others never do).
 */
export const ConfirmShared = ({
  count,
  checked,
  onChange,
}: {
  count: number;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) =>
  count === 0
    ? null
    : html`<div class="note note-warning confirm-shared">
      <label><input type="checkbox" checked=${checked} onChange=${(event: Event) => onChange((event.target as HTMLInputElement).checked)} />
        ${' '}I checked the ${count === 1 ? 'payout' : `${count} payouts`} to a shared destination: send or complete ${count === 1 ? 'it' : 'them'} anyway</label>
    </div>`;

/** Adds the confirmation to the items of the confirmed shared payouts. */
export function withConfirmation<T extends { payout_id: string }>(items: T[], confirmed: ReadonlySet<string>): T[] {
  return items.map((item) => (confirmed.has(item.payout_id) ? { ...item, confirm_duplicate_destination: true } : item));
}
