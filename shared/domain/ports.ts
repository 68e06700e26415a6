import type { Affiliate } from './affiliate.ts';
import type { BusyError } from './errors.ts';
import type { ReservationGuard } from './balance.ts';
import type { MovePlan, Payout, PayoutStatus } from './payout.ts';
import type { ReceiptClaim, TaxForm, TaxYearTotals } from './tax.ts';

/**
 * An answer given to a request made with an Idempotency-Key, kept so that a retry gets the same answer: what
 * happened (`outcome`) and the data answered. The route renders a replay with the same code as the first answer.
 */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  outcome: 'created';
  data: unknown;
  payoutId: string;
  /** Epoch seconds after which the key may be used again. */
  expiresAt: number;
}

export type ReserveOutcome =
  | { kind: 'created' }
  /** The affiliate changed since it was read (or is gone): the current record, to decide again. */
  | { kind: 'affiliate-changed'; affiliate: Affiliate | undefined }
  /** Another request with the same Idempotency-Key committed first. */
  | { kind: 'idempotency-replay'; record: IdempotencyRecord }
  /** Another request with the same key is committing at this very moment. */
  | { kind: 'idempotency-in-flight' }
  /** The affiliate's paid total for the year rose since it was read (the tax form gate): read it again. */
  | { kind: 'tax-year-changed' }
  /** A payout with this id exists already (a scheduled payout's id is its affiliate and period): nothing written. */
  | { kind: 'payout-exists' }
  /** Throttled or in conflict with another transaction: nothing was written, the same request may succeed later. */
  | { kind: 'busy'; error: BusyError };

export type MoveOutcome =
  | { kind: 'moved'; payout: Payout }
  /** The payout is no longer in the status the move leaves: its current state, to plan again. */
  | { kind: 'status-changed'; current: Payout | undefined }
  /** The affiliate's counters hold less than this move takes out: they drifted, nothing was written. */
  | { kind: 'counters-drifted' }
  /** The affiliate is flagged for a destination shared with another and the admin did not confirm: nothing written. */
  | { kind: 'destination-unconfirmed' }
  /** One of the extra items committed with the move (provider payments: an attempt, an event) failed its condition: nothing was written. */
  | { kind: 'extra-condition-failed'; index: number }
  /** Another completion took the receipt number this one claimed: read the sequence again. */
  | { kind: 'sequence-taken' }
  /** A move by hand of a payout whose provider attempt is still open (queued or sent): nothing was written. */
  | { kind: 'attempt-open'; attempt: { number: number; provider: string; status: string } }
  | { kind: 'busy'; error: BusyError };

/** Pending payouts sendable on `today` (scheduled_for absent or reached) when `due`, future-dated ones when not. */
export interface DueFilter {
  due: boolean;
  today: string;
}

/** A requested_at window, both ends inclusive, as normalized ISO-8601 UTC timestamps. */
export interface RequestedRange {
  from?: string;
  to?: string;
}

/** Where an index query stopped: the sort key and table key of the last item read (the partition is the query's). */
export interface IndexPosition {
  requested_at: string;
  payout_id: string;
}

/** A payout as listings read it from an index: no status history. */
export type PayoutRow = Omit<Payout, 'history' | 'updated_at' | 'processed_by' | 'currency'> &
  Partial<Pick<Payout, 'currency' | 'processed_by' | 'updated_at'>>;

export interface IndexPage<T> {
  items: T[];
  /** Where the next page starts; absent when the query reached its end. */
  next?: IndexPosition;
}

/**
 * The port every use case depends on; shared/store/dynamodb implements it. Reads used as guards are strongly
 * consistent; every listing is an index Query, never a Scan; every write is one conditional transaction.
 */
export interface PayoutStore extends SettingsStore {
  findAffiliateIdByUser(userId: string): Promise<string | undefined>;
  getAffiliate(affiliateId: string): Promise<Affiliate | undefined>;
  getPayout(payoutId: string): Promise<Payout | undefined>;
  getIdempotencyRecord(key: string): Promise<IdempotencyRecord | undefined>;
  /** One transaction: puts the payout and the idempotency record, adds to the counters while the guard holds. */
  reservePayout(payout: Payout, guard: ReservationGuard, idempotency?: IdempotencyRecord): Promise<ReserveOutcome>;
  /**
   * One transaction: the payout's status (conditioned on the one it leaves), the counters the plan moves, the
   * affiliate's tax year totals, and, for a completion, the receipt number claimed from the year's sequence.
   */
  movePayout(payout: Payout, plan: Extract<MovePlan, { kind: 'move' }>, receipt?: ReceiptClaim): Promise<MoveOutcome>;
  /** The last receipt number given out in a year (strongly consistent), 0 when none. */
  lastReceiptNumber(year: string): Promise<number>;
  /** An affiliate's totals for a year (strongly consistent), or undefined when nothing was paid or returned that year. */
  getTaxYear(year: string, affiliateId: string): Promise<TaxYearTotals | undefined>;
  /** Every affiliate's totals for a year: one Query of the year's partition. */
  taxYearTotals(year: string): Promise<TaxYearTotals[]>;
  /** Records the affiliate's tax form; undefined when there is no such affiliate. */
  recordTaxForm(affiliateId: string, form: TaxForm): Promise<Affiliate | undefined>;
  /** The tax forms on file for these affiliates (only those that have one), by id. */
  getTaxForms(affiliateIds: readonly string[]): Promise<Map<string, TaxForm>>;
  /** Payouts in one status, newest first (status-requested-index); `due` keeps pending ones sendable (or not) today. */
  queryByStatus(
    status: PayoutStatus,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    due?: DueFilter,
  ): Promise<IndexPage<PayoutRow>>;
  /** One affiliate's payouts, newest first (affiliate-payouts-index), optionally only those in one status. */
  queryByAffiliate(
    affiliateId: string,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    status?: PayoutStatus,
    due?: DueFilter,
  ): Promise<IndexPage<PayoutRow>>;
  /** Every payout of an affiliate from the index, newest first (amount and status are what the balance needs). */
  allAffiliatePayouts(affiliateId: string): Promise<PayoutRow[]>;
  /** The rows of these payouts from the table itself (what the affiliate index does not project), by id. */
  getPayoutRows(payoutIds: readonly string[]): Promise<Map<string, PayoutRow>>;
}

/** A destination claim as read: who set it first, and who else set it since. */
export interface DestinationClaim {
  key: string;
  owner: string;
  claimants: string[];
}

/** One settings change, decided by shared/usecases/payout-settings.ts on the affiliate as read. */
export interface SettingsWrite {
  affiliateId: string;
  /** settings_version as read (0 when never set): the change commits only if nobody changed them since. */
  version: number;
  /** Fields to set on the affiliate (destination, schedule, auto_minimum, cooldown and what came before). */
  set: Record<string, unknown>;
  /** Whether the affiliate is now scheduled (it then appears in the scheduler's sparse index). */
  scheduled: boolean;
  /** Claims to take: `owner` as read (undefined: unclaimed), so a claim taken since makes the write fail. */
  claims: { key: string; owner?: string }[];
  /** Affiliates to flag DUPLICATE_PAYOUT_DESTINATION, besides this one when `flagSelf`. */
  flagOthers: string[];
  flagSelf: boolean;
}

/** The affiliate data a scheduler run decides on, as the sparse schedule index holds it (a hint, never a guard). */
export interface ScheduleHint {
  affiliate_id: string;
  user_id?: string;
  status: string;
  tier?: string;
  schedule: string;
  auto_minimum?: number;
  cooldown_until?: string;
  total_earned: number;
  total_paid: number;
  total_pending: number;
}

/** Settings and scheduling (issue 13): the other half of the port, implemented by the same adapter. */
export interface SettingsStore {
  getAffiliate(affiliateId: string): Promise<Affiliate | undefined>;
  /** The claims of these keys (strongly consistent). */
  getClaims(keys: readonly string[]): Promise<Map<string, DestinationClaim>>;
  /** One transaction: the affiliate's settings, the claims and the flags; 'changed' when a condition failed. */
  writeSettings(write: SettingsWrite): Promise<'written' | 'changed'>;
  /** Ends a cool-down now; undefined when there is no such affiliate. */
  clearCooldown(affiliateId: string, by: string, at: string): Promise<Affiliate | undefined>;
  /** Removes the shared-destination flag after an admin's review; undefined when there is no such affiliate. */
  clearDuplicateFlag(affiliateId: string, by: string, at: string): Promise<Affiliate | undefined>;
  /** One page of the sparse schedule index, in affiliate id order. */
  scheduledAffiliates(limit: number, after?: string): Promise<{ items: ScheduleHint[]; next?: string }>;
}

/** Reads a secret's value by its ARN (Secrets Manager in AWS); injected so tests and the local server need no AWS. */
export type SecretLoader = (secretArn: string) => Promise<string>;
