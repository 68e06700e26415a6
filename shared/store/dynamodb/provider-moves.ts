/**
 * The one place where provider payments change a payout's status. Today it hands the move to the payout store's
 * movePayout (the status condition and the counters), with the attempt and the event record as extra items of
 * the same transaction. When the lifecycle moves to one planned move (issue 9), re-point this function only.
 */
import type { MoveOutcome } from '../../domain/ports.ts';
import type { ProviderMove } from '../../domain/provider-ports.ts';
import type { DynamoPayoutStore, TransactItem } from './payout-store.ts';

export function applyProviderMove(store: DynamoPayoutStore, move: ProviderMove, extra: readonly TransactItem[]): Promise<MoveOutcome> {
  const { payout, to, by, at, note, set } = move;
  return store.movePayout(
    {
      payout,
      to,
      change: { at, by, from: payout.status, to, ...(note !== undefined ? { note } : {}) },
      set,
    },
    extra,
  );
}
