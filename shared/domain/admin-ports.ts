import type { PayoutStatus } from './payout.ts';
import type { PayoutListItem, PayoutStore } from './ports.ts';

/** A requested_at window, both ends inclusive, as normalized ISO-8601 UTC timestamps. */
export interface RequestedRange {
  from?: string;
  to?: string;
}

/**
 * Where an index query stopped: the sort key and table key of the last item read. The partition key (status or
 * affiliate_id) is implied by the query, so a cursor never has to carry it.
 */
export interface IndexPosition {
  requested_at: string;
  payout_id: string;
}

/** A payout as the admin listing and the CSV export read it: no status history. */
export type PayoutRow = PayoutListItem & { currency?: 'USD'; processed_by?: string; updated_at?: string };

export interface IndexPage<T> {
  items: T[];
  /** Where the next page starts; absent when the query reached its end. */
  next?: IndexPosition;
}

/**
 * The port of the admin use cases: everything the affiliate side's store does, plus the admin-only reads.
 * Every listing is an index Query, never a Scan.
 * @example const page = await store.queryByStatus('pending', {}, 50);
 */
export interface AdminPayoutStore extends PayoutStore {
  /** Payouts in one status, newest first (status-requested-index). */
  queryByStatus(status: PayoutStatus, range: RequestedRange, limit: number, after?: IndexPosition): Promise<IndexPage<PayoutRow>>;
  /** One affiliate's payouts, newest first (affiliate-payouts-index), optionally only those in one status. */
  queryByAffiliate(
    affiliateId: string,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    status?: PayoutStatus,
  ): Promise<IndexPage<PayoutRow>>;
  /** The rows of these payouts from the table itself (what the affiliate index does not project), by id. */
  getPayoutRows(payoutIds: readonly string[]): Promise<Map<string, PayoutRow>>;
}
