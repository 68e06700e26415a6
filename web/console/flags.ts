import { useEffect, useState } from 'preact/hooks';
import type { PayoutView } from '../../shared/schemas/common.ts';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { html } from '../lib/html.ts';
import { FormOutcome, formatDateTime } from '../lib/ui.ts';

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

type ReviewAction = 'cooldown' | 'duplicate';

/** What each review action posts, and what the operator is told when it is done. */
const REVIEW_ACTIONS: Record<ReviewAction, { path: string; done: (result: ReviewResult) => string }> = {
  cooldown: {
    path: 'cooldown/clear',
    done: (result) =>
      `Cool-down ended for ${result.affiliate_id} at ${formatDateTime(new Date().toISOString())}: payouts to ${result.payment_email ?? 'the new destination'} can be requested now.`,
  },
  duplicate: {
    path: 'duplicate-destination/clear',
    done: (result) =>
      `Shared-destination flag cleared for ${result.affiliate_id}: their payouts no longer need the confirmation.`,
  },
};

interface ReviewResult {
  affiliate_id: string;
  payment_email?: string | null;
}

/**
 * An affiliate's review, after checking a change with them: end a payout destination cool-down
 * (POST /admin/affiliates/{id}/cooldown/clear) or clear a shared-destination flag
 * (POST /admin/affiliates/{id}/duplicate-destination/clear).
 */
export function AffiliateReviewPanel({ api, affiliateId }: { api: ApiClient; affiliateId: string }) {
  const [draft, setDraft] = useState(affiliateId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  useEffect(() => setDraft(affiliateId), [affiliateId]);
  const run = async (action: ReviewAction) => {
    const id = draft.trim();
    if (!id) return setError('Enter an affiliate id first.');
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const { path, done: told } = REVIEW_ACTIONS[action];
      setDone(told(await api.post<ReviewResult>(`/admin/affiliates/${encodeURIComponent(id)}/${path}`)));
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void run('cooldown');
  };
  return html`<section class="card" aria-labelledby="review-title">
    <div class="card-head">
      <h2 id="review-title">Affiliate review</h2>
      <p class="muted small">A changed payout destination holds an affiliate's payouts for a while; a destination shared with another affiliate needs a confirmation on every send. End either only after checking with the affiliate.</p>
    </div>
    <form class="inline-form" onSubmit=${onSubmit}>
      <div class="field field-inline">
        <label for="review-affiliate">Affiliate id</label>
        <input id="review-affiliate" type="text" value=${draft} placeholder="aff-…" onInput=${(event: Event) => setDraft((event.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="button" disabled=${busy}>End cool-down</button>
      <button type="button" class="button" disabled=${busy} onClick=${() => void run('duplicate')}>Clear shared-destination flag</button>
    </form>
    <${FormOutcome} error=${error} done=${done} />
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
