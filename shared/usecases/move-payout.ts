// route -> (cancel | admin move | bulk) -> (move payout) -> store
//
// Primary course:
//   1. plan the move on the payout as read (shared/domain/payout.ts planMove: legal? already done? counters? tax year?);
//   2. already done: answer with the payout as it is, nothing written;
//   3. a completion: read the year's receipt sequence (strongly consistent) and claim the next number (one claim at a
//      time per year in this instance, so the instance's own completions never race each other);
//   4. commit the plan in one conditional transaction (status it leaves + the counters it moves + the tax year totals
//      + the receipt sequence);
//   5. someone moved it first: plan again on the payout the transaction returned, a bounded number of times;
//      another completion took the number: read the sequence again and claim the next one, after a short jitter.
import { BusyError, ConflictError, payoutNotFound } from '../domain/errors.ts';
import { planMove, type MoveIntent, type Payout } from '../domain/payout.ts';
import { unconfirmedDuplicate } from '../domain/settings.ts';
import { claimReceipt } from '../domain/tax.ts';
import type { Services } from './services.ts';

/** The payout moved, or it already was where the intent goes (a safe retry). */
export type MoveResult = { kind: 'moved' | 'unchanged'; payout: Payout };

/** How many times a move is planned again when the payout changed under it, before answering busy. */
const MAX_MOVE_ATTEMPTS = 3;
/**
 * How many times a completion claims a receipt number again when another completion took it. Each lost race means
 * someone else's completion committed, so 50 simultaneous completions need at most 49 retries in the worst order.
 */
export const MAX_SEQUENCE_ATTEMPTS = 80;

/**
 * A year's last receipt number, read by the caller in parallel with the payout (a completion then needs one wave
 * less). Only the first claim uses it; a stale one costs a `sequence-taken` and a fresh read, never a wrong number.
 */
export interface ReceiptHint {
  year: string;
  last: number;
}

/** The one way a payout's status changes: every caller hands a payout it read and an intent. */
export async function movePayout(
  { store, clock, receiptClaims }: Pick<Services, 'store' | 'clock' | 'receiptClaims'>,
  read: Payout,
  intent: MoveIntent,
  { receiptHint }: { receiptHint?: ReceiptHint } = {},
): Promise<MoveResult> {
  let payout = read;
  let hint = receiptHint;
  let moves = 0;
  let claims = 0;
  while (moves < MAX_MOVE_ATTEMPTS && claims < MAX_SEQUENCE_ATTEMPTS) {
    const plan = planMove(payout, intent, clock.now().toISOString());
    if (plan.kind === 'already-done') return { kind: 'unchanged', payout };
    const year = plan.receiptYear;
    const outcome =
      year === undefined
        ? await store.movePayout(payout, plan)
        : await receiptClaims.run(year, async () => {
            const last = hint?.year === year ? hint.last : await store.lastReceiptNumber(year);
            hint = undefined;
            return store.movePayout(payout, plan, claimReceipt(year, last));
          });
    switch (outcome.kind) {
      case 'moved':
        return { kind: 'moved', payout: outcome.payout };
      case 'status-changed':
        if (!outcome.current) throw payoutNotFound();
        payout = outcome.current;
        moves += 1;
        break;
      case 'sequence-taken':
        claims += 1;
        // Spread the losers out so they do not all read the same number again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * claims)));
        break;
      case 'counters-drifted':
        throw new ConflictError(
          'COUNTERS_OUT_OF_SYNC',
          "The affiliate's payout counters do not cover this payout, so nothing was changed; an operator must reconcile them first.",
          { data: { affiliate_id: payout.affiliate_id } },
        );
      case 'destination-unconfirmed':
        throw unconfirmedDuplicate();
      case 'attempt-open': {
        const { number, provider, status } = outcome.attempt;
        throw new ConflictError(
          'PROVIDER_ATTEMPT_OPEN',
          `Attempt ${number} of this payout is still ${status} at ${provider === 'stripe' ? 'Stripe' : 'PayPal'}: wait for the provider's answer (or for the sweeper to fetch it) before recording a result by hand.`,
          { data: { attempt: number, provider, attempt_status: status } },
        );
      }
      case 'busy':
        throw outcome.error;
      case 'extra-condition-failed':
        throw new Error('a move without extra items reported an extra item failing');
    }
  }
  throw new BusyError('The payout is changing right now; retry in a moment.');
}
