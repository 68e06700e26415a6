// route -> (admin move | bulk) -> move payout -> store
//
// Primary course (one move):
//   1. read the payout (strongly consistent); a missing one is a 404;
//   2. move it through the lifecycle (the same move sent again is a safe retry, answered with the payout as it is).
// Bulk: every item on its own, BULK_CONCURRENCY at a time; one item's failure undoes and stops nothing else.
import { InvalidInputError, payoutNotFound } from '../domain/errors.ts';
import type { Payout } from '../domain/payout.ts';
import type { BulkItem, ProcessBody } from '../schemas/admin.ts';
import { taxYearOf } from '../domain/tax.ts';
import { movePayout, type MoveResult } from './move-payout.ts';
import type { Services } from './services.ts';

/** How many payouts of one bulk request are moved at the same time. */
export const BULK_CONCURRENCY = 10;

export async function getAdminPayout({ store }: Services, payoutId: string): Promise<Payout> {
  const payout = await store.getPayout(payoutId);
  if (!payout) throw payoutNotFound();
  return payout;
}

export async function processPayout(
  services: Services,
  adminId: string,
  payoutId: string,
  body: ProcessBody,
): Promise<MoveResult> {
  if (body.status === 'completed' && body.transaction_id === undefined) {
    throw new InvalidInputError(
      'TRANSACTION_ID_REQUIRED',
      'A completed payout needs the transaction_id of the payment.',
    );
  }
  // A completion reads the year's receipt sequence beside the payout: one wave instead of two before the commit.
  const year = body.status === 'completed' ? taxYearOf(services.clock.now().toISOString()) : undefined;
  const [payout, last] = await Promise.all([
    getAdminPayout(services, payoutId),
    year === undefined ? undefined : services.store.lastReceiptNumber(year),
  ]);
  const receiptHint = year !== undefined && last !== undefined ? { year, last } : undefined;
  return movePayout(
    services,
    payout,
    {
      to: body.status,
      by: { kind: 'admin', id: adminId },
      ...(body.transaction_id !== undefined ? { transactionId: body.transaction_id } : {}),
      ...(body.notes !== undefined ? { note: body.notes } : {}),
      ...(body.confirm_duplicate_destination === true ? { confirmDuplicateDestination: true } : {}),
    },
    receiptHint ? { receiptHint } : {},
  );
}

/** One item of a bulk request: a valid move, or the error that made it invalid (and its payout_id, if any). */
export type BulkInput = { move: BulkItem } | { payout_id: string | null; error: unknown };

/** Each item's result, in the order sent: what the move did, or what it threw (the route maps it, like any error). */
export type BulkOutcome = { payout_id: string | null } & ({ result: MoveResult } | { error: unknown });

/**
 * Moves many payouts, each on its own. Items for the same payout run one after another, in the order sent, so
 * they cannot race each other; items the route could not parse arrive as their error and fail in place.
 */
export async function processMany(
  services: Services,
  adminId: string,
  items: readonly BulkInput[],
): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = new Array(items.length);
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = 'move' in item ? item.move.payout_id : `#invalid-${index}`;
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const queue = [...groups.values()];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const index of group) outcomes[index] = await processItem(services, adminId, items[index] as BulkInput);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, queue.length) }, worker));
  return outcomes;
}

async function processItem(services: Services, adminId: string, item: BulkInput): Promise<BulkOutcome> {
  if (!('move' in item)) return { payout_id: item.payout_id, error: item.error };
  const { payout_id, ...body } = item.move;
  try {
    return { payout_id, result: await processPayout(services, adminId, payout_id, body) };
  } catch (error) {
    return { payout_id, error };
  }
}
