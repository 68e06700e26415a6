import type { Affiliate } from './affiliate.ts';
import type { Cents } from './money.ts';
import type { Payout, PayoutStatus, StatusChange } from './payout.ts';

/** A stored answer to a request made with an Idempotency-Key, replayed verbatim to a retry. */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  statusCode: number;
  body: unknown;
  payoutId: string;
  /** Epoch seconds after which the key may be used again. */
  expiresAt: number;
}

/**
 * What must still hold when the reservation commits: earned not below, paid not above what was read, and pending
 * not above earned − paid − amount as read. Together they keep paid + pending + amount ≤ earned.
 */
export interface ReservationGuard {
  earnedAtLeast: Cents;
  paidAtMost: Cents;
  pendingAtMost: Cents;
}

export type ReserveOutcome =
  | { kind: 'created' }
  /** The affiliate changed since it was read (or is gone): the current record, to decide again. */
  | { kind: 'affiliate-changed'; affiliate: Affiliate | undefined }
  /** Another request with the same Idempotency-Key committed first. */
  | { kind: 'idempotency-replay'; record: IdempotencyRecord }
  /** Another request with the same key is committing at this very moment. */
  | { kind: 'idempotency-in-flight' };

export interface MoveRequest {
  payout: Payout;
  to: PayoutStatus;
  change: StatusChange;
  /** Fields set alongside the status (transaction_id, notes, processed_at, processed_by). */
  set: Partial<Pick<Payout, 'transaction_id' | 'notes' | 'processed_at' | 'processed_by' | 'status_reason'>>;
}

export type MoveOutcome =
  | { kind: 'moved'; payout: Payout }
  /** The payout is no longer in the status the move leaves: its current state, to explain the conflict. */
  | { kind: 'status-changed'; current: Payout | undefined };

/** The slice of a payout that the affiliate-payouts index holds (all but the status history). */
export type PayoutListItem = Omit<Payout, 'history' | 'updated_at' | 'processed_by' | 'currency'>;

export interface Page<T> {
  items: T[];
  /** The index key after the last item, when there may be more. */
  lastKey?: Record<string, string>;
}

/** The port the use cases depend on; shared/store/dynamodb implements it. */
export interface PayoutStore {
  findAffiliateIdByUser(userId: string): Promise<string | undefined>;
  getAffiliate(affiliateId: string): Promise<Affiliate | undefined>;
  getPayout(payoutId: string): Promise<Payout | undefined>;
  getIdempotencyRecord(key: string): Promise<IdempotencyRecord | undefined>;
  /** One transaction: puts the payout and the idempotency record, adds to the counters while the guard holds. */
  reservePayout(payout: Payout, guard: ReservationGuard, idempotency?: IdempotencyRecord): Promise<ReserveOutcome>;
  /** One transaction: the payout's status (conditioned on the one it leaves) and the counters it moves. */
  movePayout(move: MoveRequest): Promise<MoveOutcome>;
  listAffiliatePayouts(affiliateId: string, limit: number, startKey?: Record<string, string>): Promise<Page<PayoutListItem>>;
  /** Every payout of an affiliate from the index, newest first (amount and status are what the balance needs). */
  allAffiliatePayouts(affiliateId: string): Promise<PayoutListItem[]>;
}
