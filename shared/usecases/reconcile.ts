// route -> (reconcile) -> store
//
// An affiliate's counters (the transactional figures the guard relies on) beside a fresh recomputation from its
// payouts, and the drift between them (counters − recomputed). Zero drift everywhere means the counters can be trusted.
import { availableOf, sumPayouts } from '../domain/balance.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { ReconciliationView } from '../schemas/admin.ts';
import type { Services } from './services.ts';

export async function reconcile({ store }: Services, affiliateId: string): Promise<ReconciliationView> {
  const [affiliate, payouts] = await Promise.all([
    store.getAffiliate(affiliateId),
    store.allAffiliatePayouts(affiliateId),
  ]);
  if (!affiliate) throw new NotFoundError('AFFILIATE_NOT_FOUND', 'No affiliate with this id was found.');
  const { paid, pending } = sumPayouts(payouts);
  const counters = {
    total_earned: affiliate.total_earned,
    total_paid: affiliate.total_paid,
    pending: affiliate.total_pending,
    available: availableOf(affiliate.total_earned, affiliate.total_paid, affiliate.total_pending),
    payout_count: affiliate.payout_count,
  };
  const recomputed = {
    total_paid: paid,
    pending,
    available: availableOf(affiliate.total_earned, paid, pending),
    payout_count: payouts.length,
  };
  const drift = {
    total_paid: counters.total_paid - recomputed.total_paid,
    pending: counters.pending - recomputed.pending,
    payout_count: counters.payout_count - recomputed.payout_count,
  };
  const in_sync = drift.total_paid === 0 && drift.pending === 0 && drift.payout_count === 0;
  return { affiliate_id: affiliate.affiliate_id, counters, recomputed, drift, in_sync };
}
