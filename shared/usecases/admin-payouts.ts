import type { AdminPayoutStore, PayoutRow } from '../domain/admin-ports.ts';
import { availableOf, sumPayouts } from '../domain/balance.ts';
import { AppError, BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../domain/errors.ts';
import { canTransition, type Payout } from '../domain/payout.ts';
import { describeError, type Logger } from '../logger.ts';
import type { AdminPayoutView, BulkItem, BulkResultView, ProcessBody, ProcessStatus, ReconciliationView } from '../schemas/admin.ts';
import { PAYOUT_ID_PATTERN, type PayoutView } from '../schemas/common.ts';
import { listPayouts, type ListFilters } from './admin-listing.ts';
import type { Clock, UseCaseResult } from './affiliate-payouts.ts';
import { toPayoutView } from './views.ts';

/** How many payouts of one bulk request are moved at the same time. */
export const BULK_CONCURRENCY = 10;
/** How many transactions one move tries before answering 503 (the payout kept changing under it). */
const MAX_MOVE_ATTEMPTS = 2;

const MOVED_MESSAGE: Record<ProcessStatus, string> = {
  processing: 'Payout marked processing',
  completed: 'Payout completed',
  failed: 'Payout marked failed',
  returned: 'Payout marked returned',
  cancelled: 'Payout cancelled',
};

/** A single payout as admins see it: with processed_by, updated_at and the full status history. */
export function toAdminPayoutView(payout: Payout): AdminPayoutView {
  return {
    ...toPayoutView(payout, { withHistory: true }),
    history: payout.history ?? [],
    processed_by: payout.processed_by ?? null,
    updated_at: payout.updated_at ?? null,
  };
}

export interface ExportPage {
  rows: PayoutRow[];
  nextCursor: string | null;
}

/** One item of a bulk request: a valid move, or the error that made it invalid (and its payout_id, if any). */
export type BulkInput = { move: BulkItem } | { payout_id: string | null; error: AppError };

type MoveDecision = { kind: 'retry' } | { kind: 'move' };

/**
 * What operators do with payouts: list and export them across affiliates, move them through the lifecycle
 * (one at a time or in bulk), and check an affiliate's counters against its payouts. No AWS here: the store port
 * does the I/O, and the guard that matters under concurrency (the status a move leaves) is the store's
 * transaction condition, not the read in this class.
 */
export class AdminPayouts {
  constructor(
    private readonly store: AdminPayoutStore,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async list(filters: ListFilters, limit: number, cursor?: string): Promise<{ payouts: PayoutView[]; count: number; next_cursor: string | null }> {
    const page = await listPayouts(this.store, filters, limit, cursor);
    const payouts = page.rows.map((row) => toPayoutView(row));
    return { payouts, count: payouts.length, next_cursor: page.nextCursor };
  }

  /** One page of the CSV export: the rows, with processed_by read from the table when the index lacks it. */
  async exportPage(filters: ListFilters, limit: number, cursor?: string): Promise<ExportPage> {
    const page = await listPayouts(this.store, filters, limit, cursor);
    if (page.source !== 'affiliate' || page.rows.length === 0) return { rows: page.rows, nextCursor: page.nextCursor };
    const stored = await this.store.getPayoutRows(page.rows.map((row) => row.payout_id));
    // The table is fresher than the index; a payout missing from it (deleted meanwhile) keeps the index's row.
    const rows = page.rows.map((row) => ({ ...row, ...stored.get(row.payout_id) }));
    return { rows, nextCursor: page.nextCursor };
  }

  async get(payoutId: string): Promise<{ payout: AdminPayoutView }> {
    return { payout: toAdminPayoutView(await this.payout(payoutId)) };
  }

  /**
   * Moves one payout: a consistent read, the lifecycle check, then one transaction (the payout's status
   * conditioned on the status it leaves, plus the affiliate's counters). The same move sent again (same status,
   * same transaction_id) answers 200 with the payout as it is, and is not applied twice.
   */
  async process(adminId: string, payoutId: string, body: ProcessBody): Promise<UseCaseResult<{ payout: AdminPayoutView }>> {
    if (body.status === 'completed' && body.transaction_id === undefined) {
      throw new BadRequestError('TRANSACTION_ID_REQUIRED', 'A completed payout needs the transaction_id of the payment.');
    }
    let payout = await this.payout(payoutId);
    for (let attempt = 1; ; attempt += 1) {
      const decision = decide(payout, body);
      if (decision.kind === 'retry') {
        return { statusCode: 200, message: `Payout already ${body.status}`, data: { payout: toAdminPayoutView(payout) } };
      }
      if (attempt > MAX_MOVE_ATTEMPTS) {
        throw new ServiceUnavailableError('The payout is changing right now; retry in a moment.');
      }
      const at = this.clock.now().toISOString();
      const outcome = await this.store.movePayout({
        payout,
        to: body.status,
        change: { at, by: adminId, from: payout.status, to: body.status, ...(body.notes !== undefined ? { note: body.notes } : {}) },
        set: {
          processed_at: at,
          processed_by: adminId,
          ...(body.transaction_id !== undefined ? { transaction_id: body.transaction_id } : {}),
          ...(body.notes !== undefined ? { notes: body.notes } : {}),
        },
      });
      if (outcome.kind === 'moved') {
        return { statusCode: 200, message: MOVED_MESSAGE[body.status], data: { payout: toAdminPayoutView(outcome.payout) } };
      }
      // Someone else moved it first: decide again against what it is now (a retry of theirs, a 409, or still legal).
      if (!outcome.current) throw payoutNotFound();
      payout = outcome.current;
    }
  }

  /**
   * Moves many payouts, BULK_CONCURRENCY at a time, each on its own: one item's failure undoes nothing else.
   * Items for the same payout run one after another, in the order sent, so they cannot race each other.
   * Items the route could not parse arrive as their error and become a failed result in place.
   */
  async processMany(adminId: string, items: readonly BulkInput[], logger?: Logger): Promise<BulkResultView> {
    const results: BulkResultView['results'] = new Array(items.length);
    const groups = new Map<string, number[]>();
    items.forEach((item, index) => {
      const key = 'move' in item ? item.move.payout_id : `#invalid-${index}`;
      groups.set(key, [...(groups.get(key) ?? []), index]);
    });
    const queue = [...groups.values()];
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const index of group) results[index] = await this.processItem(adminId, items[index] as BulkInput, logger);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, queue.length) }, worker));
    const succeeded = results.filter((result) => result.success).length;
    return { results, succeeded, failed: results.length - succeeded };
  }

  private async processItem(adminId: string, item: BulkInput, logger?: Logger): Promise<BulkResultView['results'][number]> {
    const payoutId = 'move' in item ? item.move.payout_id : item.payout_id;
    try {
      if (!('move' in item)) throw item.error;
      const { payout_id, ...body } = item.move;
      const result = await this.process(adminId, payout_id, body);
      return { payout_id, success: true, status_code: result.statusCode, message: result.message, payout: result.data.payout };
    } catch (error) {
      if (error instanceof AppError) {
        return { payout_id: payoutId, success: false, status_code: error.statusCode, code: error.code, message: error.message };
      }
      logger?.error('bulk item failed', { payout_id: payoutId, ...describeError(error) });
      return {
        payout_id: payoutId,
        success: false,
        status_code: 500,
        code: 'INTERNAL_ERROR',
        message: 'This payout could not be processed because of an error on our side; retry it.',
      };
    }
  }

  /**
   * An affiliate's counters (the transactional figures) beside a fresh recomputation from its payouts, and the
   * drift between them (counters − recomputed). Zero drift everywhere means the counters can be trusted.
   */
  async reconcile(affiliateId: string): Promise<ReconciliationView> {
    if (!/^[\x21-\x7E]{1,256}$/.test(affiliateId)) throw affiliateNotFound();
    const [affiliate, payouts] = await Promise.all([this.store.getAffiliate(affiliateId), this.store.allAffiliatePayouts(affiliateId)]);
    if (!affiliate) throw affiliateNotFound();
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

  /** A payout by id (consistent read); a malformed id is a 404 like a missing one. */
  private async payout(payoutId: string): Promise<Payout> {
    if (!PAYOUT_ID_PATTERN.test(payoutId)) throw payoutNotFound();
    const payout = await this.store.getPayout(payoutId);
    if (!payout) throw payoutNotFound();
    return payout;
  }
}

/**
 * The lifecycle rule for one requested move: the payout already where it was asked to go (with the same
 * transaction_id, when one is sent) is a safe retry; a move TRANSITIONS allows is made; anything else is a 409.
 */
export function decide(payout: Payout, body: ProcessBody): MoveDecision {
  const from = payout.status;
  const to = body.status;
  if (from === to) {
    if (body.transaction_id === undefined || body.transaction_id === payout.transaction_id) return { kind: 'retry' };
    throw new ConflictError(
      'INVALID_TRANSITION',
      `Cannot move a payout from ${from} to ${to}: it is already ${from} with another transaction_id.`,
    );
  }
  if (!canTransition(from, to)) throw new ConflictError('INVALID_TRANSITION', `Cannot move a payout from ${from} to ${to}.`);
  return { kind: 'move' };
}

function payoutNotFound(): NotFoundError {
  return new NotFoundError('PAYOUT_NOT_FOUND', 'No payout with this id was found.');
}

function affiliateNotFound(): NotFoundError {
  return new NotFoundError('AFFILIATE_NOT_FOUND', 'No affiliate with this id was found.');
}
