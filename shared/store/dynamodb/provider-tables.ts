/**
 * The tables of provider payments (issue 10), beside the payout tables: attempts (streamed to the payout-sender)
 * and provider events (webhook replays, things flagged for an operator). Shared by the code, bin/local and the stack.
 */
export const DEFAULT_PROVIDER_TABLE_NAMES = {
  attempts: 'commercive_payout_attempts',
  events: 'commercive_provider_events',
} as const;

export interface ProviderTableNames {
  attempts: string;
  events: string;
}

export const ATTEMPTS = {
  partitionKey: 'payout_id',
  /** Number: 1, 2, … */
  sortKey: 'attempt',
  /**
   * Sparse GSI of attempts without a final answer: `open_status` (queued | sent) exists only while the attempt is
   * open, so the sweeper reads just those, oldest first. A GSI read is never a guard: every move it leads to is
   * conditioned on the base item.
   */
  openIndex: { name: 'open-attempts-index', partitionKey: 'open_status', sortKey: 'updated_at' },
} as const;

export const PROVIDER_EVENTS = {
  /** `<provider>:<event id>`. */
  partitionKey: 'event_key',
  /** Sparse GSI: events flagged for an operator, newest first. */
  flaggedIndex: { name: 'flagged-events-index', partitionKey: 'flagged', sortKey: 'received_at' },
} as const;
