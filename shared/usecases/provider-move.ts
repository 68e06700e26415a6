// (send | retry | provider sync) -> (provider move) -> attempt store -> payout store movePayout
//
// The provider variant of move-payout.ts: the same lifecycle (planMove decides legality, already-done, the counters,
// the tax year and the receipt year), committed with the provider's extra items (the attempt it opens or finishes,
// the event that caused it) in the same transaction. The fields the move sets are the provider code's
// (transaction_id, processed_at, processed_by, status_reason), as before issue 9.
//
// Primary course:
//   1. plan the move on the payout as read;
//   2. already done: hand back `status-changed` with the payout as read, so the caller decides again;
//   3. a completion: claim the next receipt number of the year (one claim at a time per year in this instance);
//   4. commit plan + receipt + attempt/event items in one transaction;
//   5. another completion took the number: claim the next one, after a short jitter.
import { BusyError } from '../domain/errors.ts';
import { planMove, type Actor } from '../domain/payout.ts';
import type { AttemptStore, ProviderMove, ProviderMoveOutcome } from '../domain/provider-ports.ts';
import { claimReceipt } from '../domain/tax.ts';
import { MAX_SEQUENCE_ATTEMPTS } from './move-payout.ts';
import { KeyedSerial } from './serial.ts';

/** Per function instance, like Services.receiptClaims: the sender's batch completes many payouts of one year. */
const receiptClaims = new KeyedSerial();

/**
 * Plans the move with planMove and hands the plan (and, for a completion, a receipt claim) to the attempt store.
 * @example await applyProviderMove(store, { payout, to: 'completed', by: 'provider:stripe', at, set: {} }, 'provider')
 */
export async function applyProviderMove(
  store: Pick<AttemptStore, 'applyMove' | 'lastReceiptNumber'>,
  move: ProviderMove,
  actor: Actor['kind'],
): Promise<ProviderMoveOutcome> {
  const { payout, to, by, at, note, set } = move;
  const planned = planMove(
    payout,
    {
      to,
      by: { kind: actor, id: by },
      ...(note !== undefined ? { note } : {}),
      ...(move.confirmDuplicateDestination === true ? { confirmDuplicateDestination: true } : {}),
    },
    at,
  );
  if (planned.kind === 'already-done') return { kind: 'status-changed', current: payout };
  const plan = { ...planned, set };
  const year = plan.receiptYear;
  for (let claims = 1; claims <= MAX_SEQUENCE_ATTEMPTS; claims += 1) {
    const outcome =
      year === undefined
        ? await store.applyMove(move, plan)
        : await receiptClaims.run(year, async () =>
            store.applyMove(move, plan, claimReceipt(year, await store.lastReceiptNumber(year))),
          );
    if (outcome !== 'sequence-taken') return outcome;
    // Spread the losers out so they do not all read the same number again.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * claims)));
  }
  throw new BusyError('The payout is changing right now; retry in a moment.');
}
