// route -> (cancel | admin move | bulk) -> (move payout) -> store
//
// Primary course:
//   1. plan the move on the payout as read (shared/domain/payout.ts planMove: legal? already done? counters?);
//   2. already done: answer with the payout as it is, nothing written;
//   3. commit the plan in one conditional transaction (status it leaves + the counters it moves);
//   4. someone moved it first: plan again on the payout the transaction returned, a bounded number of times.
import { BusyError, ConflictError, payoutNotFound } from '../domain/errors.ts';
import { planMove, type MoveIntent, type Payout } from '../domain/payout.ts';
import type { Services } from './services.ts';

/** The payout moved, or it already was where the intent goes (a safe retry). */
export type MoveResult = { kind: 'moved' | 'unchanged'; payout: Payout };

/** How many times a move is planned again when the payout changed under it, before answering busy. */
const MAX_MOVE_ATTEMPTS = 3;

/** The one way a payout's status changes: every caller hands a payout it read and an intent. */
export async function movePayout({ store, clock }: Pick<Services, 'store' | 'clock'>, read: Payout, intent: MoveIntent): Promise<MoveResult> {
  let payout = read;
  for (let attempt = 1; attempt <= MAX_MOVE_ATTEMPTS; attempt += 1) {
    const plan = planMove(payout, intent, clock.now().toISOString());
    if (plan.kind === 'already-done') return { kind: 'unchanged', payout };
    const outcome = await store.movePayout(payout, plan);
    switch (outcome.kind) {
      case 'moved':
        return { kind: 'moved', payout: outcome.payout };
      case 'status-changed':
        if (!outcome.current) throw payoutNotFound();
        payout = outcome.current;
        break;
      case 'counters-drifted':
        throw new ConflictError(
          'COUNTERS_OUT_OF_SYNC',
          "The affiliate's payout counters do not cover this payout, so nothing was changed; an operator must reconcile them first.",
          { data: { affiliate_id: payout.affiliate_id } },
        );
      case 'busy':
        throw outcome.error;
      case 'extra-condition-failed':
        throw new Error('a move without extra items reported an extra item failing');
    }
  }
  throw new BusyError('The payout is changing right now; retry in a moment.');
}
