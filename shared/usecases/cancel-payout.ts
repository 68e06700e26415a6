// route -> (cancel payout) -> move payout -> store
//
// Primary course:
//   1. read the caller's affiliate and the payout together; another affiliate's payout is a 404 like a missing one;
//   2. move it to cancelled (the lifecycle decides: only a pending payout; a second cancel is a safe retry).
import { payoutNotFound } from '../domain/errors.ts';
import type { Payout } from '../domain/payout.ts';
import { movePayout, type MoveResult } from './move-payout.ts';
import type { Services } from './services.ts';

export async function cancelPayout(services: Services, userId: string, payoutId: string): Promise<MoveResult> {
  const payout = await ownPayout(services, userId, payoutId);
  return movePayout(services, payout, { to: 'cancelled', by: { kind: 'affiliate', id: userId } });
}

/** The payout if it belongs to the caller; another affiliate's payout is a 404, exactly like a missing one. */
export async function ownPayout({ store, callers }: Services, userId: string, payoutId: string): Promise<Payout> {
  // The affiliate record (not only the cached mapping) proves ownership; both reads go out together.
  const [affiliate, payout] = await Promise.all([callers.affiliateOf(userId), store.getPayout(payoutId)]);
  if (!payout || payout.affiliate_id !== affiliate.affiliate_id) throw payoutNotFound();
  return payout;
}
