import type { Attempt, AttemptError } from './attempt.ts';
import type { MovePlan, Payout, PayoutStatus } from './payout.ts';
import type { MoveOutcome } from './ports.ts';
import type { ReceiptClaim } from './tax.ts';

/** A provider event as stored: for replays (same key = no second effect) and for operators (flagged). */
export interface ProviderEventRecord {
  /** `<provider>:<event id>`, or `poll:<payout>:<attempt>:<at>` for a sweeper observation that was flagged. */
  event_key: string;
  provider: string;
  event_type: string;
  payout_id?: string;
  received_at: string;
  outcome: 'applied' | 'none' | 'stay' | 'flagged' | 'ignored';
  reason?: string;
  /** Set while the event waits for an operator (the sparse flagged index); removed when one resolves it. */
  flagged?: 'yes';
  resolved_at?: string;
  resolved_by?: string;
  resolution_note?: string;
}

/** What marking a flagged event reviewed found. */
export type ResolveOutcome =
  | { kind: 'resolved'; event: ProviderEventRecord }
  | { kind: 'not-found' }
  | { kind: 'not-flagged'; event: ProviderEventRecord };

/** Where a page of flagged events stopped: the index's sort key and the table's key of the last one. */
export interface FlaggedPosition {
  received_at: string;
  event_key: string;
}

/** A payout move caused by a provider, with what it does to the attempt, and the event that caused it (if any). */
export interface ProviderMove {
  payout: Payout;
  to: PayoutStatus;
  by: string;
  at: string;
  note?: string;
  set: Partial<Pick<Payout, 'transaction_id' | 'processed_at' | 'processed_by' | 'status_reason'>>;
  /** The attempt this move finishes (status condition: still open), or a new queued attempt to put. */
  attempt?:
    | { finish: Attempt; status: 'succeeded' | 'failed'; reference?: string; error?: AttemptError }
    | { create: Attempt };
  event?: ProviderEventRecord;
  /** Issue 13: the admin confirmed sending to a destination shared with another affiliate. */
  confirmDuplicateDestination?: boolean;
}

export type ProviderMoveOutcome =
  /**
   * A busy store is thrown (BusyError), as before issue 9; a lost receipt number is claimed again by
   * applyProviderMove; an extra item's failure is one of the two below.
   */
  | Exclude<
      MoveOutcome,
      { kind: 'busy' } | { kind: 'extra-condition-failed' } | { kind: 'sequence-taken' } | { kind: 'attempt-open' }
    >
  /** The attempt was no longer open, or the new attempt existed already: nothing written. */
  | { kind: 'attempt-changed' }
  /** This event was recorded before: a replay, nothing written. */
  | { kind: 'event-replayed' };

/** The port of sending and syncing payouts with providers; DynamoAttemptStore implements it. */
export interface AttemptStore {
  getPayout(payoutId: string): Promise<Payout | undefined>;
  getAttempt(payoutId: string, attempt: number): Promise<Attempt | undefined>;
  listAttempts(payoutId: string): Promise<Attempt[]>;
  /**
   * Every payout status change of this feature: the planned move (shared/usecases/provider-move.ts), the attempt
   * and the event record in one transaction.
   */
  applyMove(
    move: ProviderMove,
    plan: Extract<MovePlan, { kind: 'move' }>,
    receipt?: ReceiptClaim,
  ): Promise<ProviderMoveOutcome | 'sequence-taken'>;
  /** The last receipt number given out in a year (strongly consistent), 0 when none. */
  lastReceiptNumber(year: string): Promise<number>;
  /** A new attempt for a processing payout whose previous one failed on our side (previous must still be that). */
  queueRetry(payout: Payout, previous: Attempt, next: Attempt): Promise<'queued' | 'conflict'>;
  /**
   * queued -> sent with the provider's references (or failed-on-our-side -> sent, when a concurrent delivery of the
   * same attempt met an error of ours but this one was accepted); false when neither holds.
   */
  markSent(attempt: Attempt, reference: string, itemId: string | undefined, at: string): Promise<boolean>;
  /** open -> failed (the payout does not move: an error on our side); false when it was not open any more. */
  markFailed(attempt: Attempt, error: AttemptError, at: string, from?: 'open' | 'queued'): Promise<boolean>;
  /** Sets a processing payout's status_reason (no status change), with the event record if any. */
  setReason(
    payout: Payout,
    reason: string,
    at: string,
    event?: ProviderEventRecord,
  ): Promise<'set' | 'changed' | 'event-replayed'>;
  /** Records an event that moves nothing; 'replay' when it was recorded before. */
  recordEvent(event: ProviderEventRecord, flag?: boolean): Promise<'recorded' | 'replay'>;
  getEvent(eventKey: string): Promise<ProviderEventRecord | undefined>;
  /** Events flagged for an operator and not yet resolved, newest first (the sparse flagged index, never a scan). */
  flaggedEvents(
    limit: number,
    after?: FlaggedPosition,
  ): Promise<{ items: ProviderEventRecord[]; next?: FlaggedPosition }>;
  /**
   * Marks a flagged event reviewed (it leaves the flagged index); conditioned on it still being flagged.
   * 'not-found' when there is no such event, 'not-flagged' when it was never flagged or is resolved already.
   */
  resolveEvent(eventKey: string, by: string, at: string, note?: string): Promise<ResolveOutcome>;
  /** Open attempts in one status, last changed before `before`, oldest first (a GSI read: a hint, not a guard). */
  openAttempts(status: 'queued' | 'sent', before: string, limit: number): Promise<Attempt[]>;
  /** Touches a queued attempt so its stream record reaches the sender again; false when no longer queued. */
  redrive(attempt: Attempt, at: string): Promise<boolean>;
  /** Records that a sent attempt was polled (so the next sweep waits again). */
  touchPolled(attempt: Attempt, at: string): Promise<void>;
}
