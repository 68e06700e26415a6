/**
 * Table and index names, key attributes and index projections: the one place both the code and the CDK stack
 * read them from, so the deployed tables and the queries cannot disagree.
 */

/** Default physical table names (the seed's names); the deployed stack passes its own through the environment. */
export const DEFAULT_TABLE_NAMES = {
  affiliates: 'commercive_affiliates',
  payouts: 'commercive_payouts',
  idempotency: 'commercive_payout_idempotency',
  taxYears: 'commercive_payout_tax_years',
} as const;

export const AFFILIATES = {
  partitionKey: 'affiliate_id',
  /** GSI: user_id -> affiliate (who is this token's affiliate?). */
  userIndex: { name: 'user-affiliate-index', partitionKey: 'user_id' },
  /**
   * Sparse GSI: only affiliates with an automatic schedule carry `schedule_pk` (= `scheduledPartition`), so the
   * scheduler reads exactly them, in affiliate id order, never a Scan. It projects what a run decides on.
   */
  scheduleIndex: {
    name: 'schedule-index',
    partitionKey: 'schedule_pk',
    sortKey: 'affiliate_id',
    scheduledPartition: 'schedule',
    projectedAttributes: [
      'user_id',
      'status',
      'tier',
      'schedule',
      'auto_minimum',
      'cooldown_until',
      'total_earned',
      'total_paid',
      'total_pending',
    ],
  },
  /** Destination claims (`dest#email#…`, `dest#stripe#…`) share the table: their key never names an affiliate. */
  claimPrefix: 'dest#',
} as const;

export const PAYOUTS = {
  partitionKey: 'payout_id',
  /**
   * GSI: an affiliate's payouts, newest first. It projects what the balance and the history list read, and not
   * the status history (which grows with every move), so one query page holds as many payouts as possible.
   */
  affiliateIndex: {
    name: 'affiliate-payouts-index',
    partitionKey: 'affiliate_id',
    sortKey: 'requested_at',
    projectedAttributes: [
      'amount',
      'status',
      'payment_method',
      'payment_email',
      'transaction_id',
      'notes',
      'processed_at',
      // Issue 13: what the history list's status_reason needs.
      'status_reason',
      'scheduled_for',
      'flags',
    ],
  },
  /** GSI: the admin queue, all payouts in one status, newest first. */
  statusIndex: { name: 'status-requested-index', partitionKey: 'status', sortKey: 'requested_at' },
} as const;

export const IDEMPOTENCY = {
  partitionKey: 'idempotency_key',
  /** Epoch seconds; DynamoDB TTL deletes the record after it. */
  ttlAttribute: 'expires_at',
} as const;

/**
 * The tax year: one item per affiliate and calendar year with the year-to-date totals the completing and returning
 * transactions add to, and one item per year (`receiptsKey`) holding the last receipt number given out that year.
 */
export const TAX_YEARS = {
  partitionKey: 'tax_year',
  sortKey: 'affiliate_id',
  /** The sort key of the year's receipt sequence; no affiliate id starts with '#'. */
  receiptsKey: '#receipts',
} as const;

export interface TableNames {
  affiliates: string;
  payouts: string;
  idempotency: string;
  taxYears: string;
}
