// (send | retry | provider sync) -> (provider move) -> attempt store -> payout store movePayout
//
// The provider variant of move-payout.ts: the same lifecycle (planMove decides legality, already-done and the
// counters), committed with the provider's extra items (the attempt it opens or finishes, the event that caused
// it) in the same transaction. The fields the move sets are the provider code's (transaction_id, processed_at,
// processed_by, status_reason), as before issue 9.
import { planMove, type Actor } from '../domain/payout.ts';
import type { AttemptStore, ProviderMove, ProviderMoveOutcome } from '../domain/provider-ports.ts';

/**
 * Plans the move with planMove and hands the plan to the attempt store. An already-done plan (the payout is
 * already where the move goes) comes back as `status-changed` with the payout as read, so the caller decides again.
 * @example await applyProviderMove(store, { payout, to: 'completed', by: 'provider:stripe', at, set: {} }, 'provider')
 */
export async function applyProviderMove(store: Pick<AttemptStore, 'applyMove'>, move: ProviderMove, actor: Actor['kind']): Promise<ProviderMoveOutcome> {
  const { payout, to, by, at, note, set } = move;
  const plan = planMove(payout, { to, by: { kind: actor, id: by }, ...(note !== undefined ? { note } : {}) }, at);
  if (plan.kind === 'already-done') return { kind: 'status-changed', current: payout };
  return store.applyMove(move, { ...plan, set });
}
