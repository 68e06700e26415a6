// route -> (balance | summary | list | get) -> store
//
// The affiliate's reporting path, as the design card draws it: earned from the affiliate record, paid and pending
// summed from the affiliate-payouts index. Reads only; the counters the guard relies on are never reported from here.
import * as z from 'zod/mini';
import { balanceOf, minimumPayoutFor, passesTaxGate, sumPayouts, type Balance } from '../domain/balance.ts';
import { emptyTotals, taxYearOf } from '../domain/tax.ts';
import { blockersOf } from '../domain/blockers.ts';
import { nextDueDate } from '../domain/schedule.ts';
import { scheduleOf } from '../domain/settings.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { PAYOUT_ID_PATTERN, type PayoutView } from '../schemas/common.ts';
import type { PayoutListView, SummaryView } from '../schemas/payouts.ts';
import { ownPayout } from './cancel-payout.ts';
import type { Services } from './services.ts';
import { todayOf, toPayoutView } from './views.ts';

export async function balance(services: Services, userId: string): Promise<{ balance: Balance }> {
  const { balance } = await balanceAndPayouts(services, userId);
  return { balance };
}

export async function summary(services: Services, userId: string): Promise<SummaryView> {
  const year = taxYearOf(services.clock.now().toISOString());
  const affiliateId = await services.callers.affiliateIdOf(userId);
  const [{ affiliate, balance, payouts }, totals] = await Promise.all([
    balanceAndPayouts(services, userId),
    services.store.getTaxYear(year, affiliateId),
  ]);
  const last = payouts[0];
  const minimum = minimumPayoutFor(affiliate.tier, services.rules.tierMinimums, services.rules.defaultMinimumPayout);
  // A blocker when even the smallest payout allowed would be refused for want of a tax form.
  const gate = {
    totals: totals ?? emptyTotals(year, affiliate.affiliate_id),
    threshold: services.rules.taxFormThreshold,
  };
  const now = services.clock.now();
  const blockers = blockersOf(affiliate, balance, minimum, now, {
    taxFormNeeded: !passesTaxGate(affiliate, Math.max(1, minimum), gate),
    threshold: services.rules.taxFormThreshold,
  });
  const schedule = scheduleOf(affiliate);
  return {
    affiliate_id: affiliate.affiliate_id,
    tier: affiliate.tier ?? null,
    // The balance both flat (as the seed's summary lists its figures) and grouped (as GET /payouts/balance).
    ...balance,
    balance,
    minimum_payout: minimum,
    payout_count: payouts.length,
    last_payout: last ? toPayoutView(last, { today: todayOf(now) }) : null,
    tax_form_on_file: affiliate.tax_form !== undefined,
    blockers,
    next_payout:
      schedule === 'manual' ? null : { scheduled_for: nextDueDate(schedule, now), estimated_amount: balance.available },
  };
}

async function balanceAndPayouts({ store, callers }: Services, userId: string) {
  const affiliateId = await callers.affiliateIdOf(userId);
  const [read, payouts] = await Promise.all([store.getAffiliate(affiliateId), store.allAffiliatePayouts(affiliateId)]);
  const affiliate = callers.requireOwn(userId, read);
  const { paid, pending } = sumPayouts(payouts);
  return { affiliate, payouts, balance: balanceOf(affiliate.total_earned, paid, pending) };
}

/** Where the affiliate's history list stopped; the affiliate is the caller, so the cursor never carries it. */
const historyCursor = z.strictObject({
  affiliate_id: z.string().check(z.minLength(1), z.maxLength(256)),
  requested_at: z.string().check(z.minLength(1), z.maxLength(64)),
  payout_id: z.string().check(z.regex(PAYOUT_ID_PATTERN)),
});

export async function listPayouts(
  { store, callers, cursors, clock }: Services,
  userId: string,
  limit: number,
  cursor?: string,
): Promise<PayoutListView> {
  const affiliateId = await callers.affiliateIdOf(userId);
  const after = cursor === undefined ? undefined : await cursors.decode(cursor, historyCursor);
  // A signed cursor minted for another affiliate (a shared link) still pages only the caller's own history: refuse it.
  if (after && after.affiliate_id !== affiliateId)
    throw new InvalidInputError('INVALID_CURSOR', 'The cursor is not valid; start again without it.');
  const [read, page] = await Promise.all([
    store.getAffiliate(affiliateId),
    store.queryByAffiliate(
      affiliateId,
      {},
      limit,
      after && { requested_at: after.requested_at, payout_id: after.payout_id },
    ),
  ]);
  const affiliate = callers.requireOwn(userId, read);
  return {
    payouts: page.items.map((item) => toPayoutView(item, { today: todayOf(clock.now()) })),
    total: affiliate.payout_count,
    next_cursor: page.next ? await cursors.encode({ affiliate_id: affiliateId, ...page.next }) : null,
  };
}

export async function getPayout(services: Services, userId: string, payoutId: string): Promise<{ payout: PayoutView }> {
  const payout = await ownPayout(services, userId, payoutId);
  return { payout: toPayoutView(payout, { withHistory: true, today: todayOf(services.clock.now()) }) };
}
