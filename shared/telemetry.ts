/**
 * Business metrics as a port: use cases and routes count what happened; the adapter (shared/observability.ts)
 * turns the counts into CloudWatch Embedded Metric Format lines, one per invocation. Nothing here imports AWS or a
 * metrics library, so the domain and the use cases stay free of both, and the adapter can change alone.
 */

/** Every business metric, and what one unit of it is. The CDK alarm (lib/constructs/operational-alarms.ts) reads these names. */
export const BUSINESS_METRICS = {
  /** A payout request committed (201), and its amount. */
  PayoutsRequested: 'payouts',
  PayoutsRequestedCents: 'cents',
  /** Any status change applied (an affiliate's cancel, every admin move), and the amounts moved. */
  PayoutsMoved: 'payouts',
  PayoutsMovedCents: 'cents',
  /** Moves to `completed`: the money left. */
  PayoutsCompleted: 'payouts',
  PayoutsCompletedCents: 'cents',
  /** Moves to `failed`: the provider could not pay, the money returned to the affiliate. */
  PayoutsFailed: 'payouts',
  PayoutsFailedCents: 'cents',
  /** A request or bulk item refused by a money rule (see GUARD_REFUSAL_CODES). */
  GuardRefusals: 'answers',
  /** A payout request answered from its Idempotency-Key record instead of being made again. */
  IdempotentReplays: 'answers',
} as const;

export type BusinessMetric = keyof typeof BUSINESS_METRICS;

/** The `service` dimension of each function's metrics (and `service` on its log lines). */
export const SERVICES = { payouts: 'payouts', adminPayouts: 'admin-payouts' } as const;

/** The namespace the stack gives the functions (METRICS_NAMESPACE is its stack name); this when unset. */
export const DEFAULT_METRICS_NAMESPACE = 'AffiliatePayouts';

/**
 * The error codes that mean "a guard said no": the balance and tier rules of a payout request, the lifecycle, and
 * the counters check of a move. Validation errors, 401/403/404 and 5xx are not guard refusals.
 */
export const GUARD_REFUSAL_CODES: ReadonlySet<string> = new Set([
  'INSUFFICIENT_BALANCE',
  'BELOW_MINIMUM',
  'AFFILIATE_INACTIVE',
  'PAYOUT_NOT_CANCELLABLE',
  'INVALID_TRANSITION',
  'COUNTERS_OUT_OF_SYNC',
]);

/**
 * What use cases and routes call. Counts add up within an invocation and are written once when it ends.
 * @example telemetry.count('PayoutsRequested'); telemetry.count('PayoutsRequestedCents', payout.amount);
 */
export interface Telemetry {
  count(metric: BusinessMetric, value?: number): void;
}

/** Counts nothing: the default where no adapter is wired (unit tests of use cases, scripts). */
export const noTelemetry: Telemetry = { count: () => undefined };

/** A payout that changed status, as counted: every move, plus the completed/failed split with its amount. */
export function countMove(telemetry: Telemetry, to: string, amountCents: number): void {
  telemetry.count('PayoutsMoved');
  telemetry.count('PayoutsMovedCents', amountCents);
  if (to === 'completed') {
    telemetry.count('PayoutsCompleted');
    telemetry.count('PayoutsCompletedCents', amountCents);
  } else if (to === 'failed') {
    telemetry.count('PayoutsFailed');
    telemetry.count('PayoutsFailedCents', amountCents);
  }
}

/** Counts a refused answer when its code is a guard's. */
export function countRefusal(telemetry: Telemetry, code: string | undefined): void {
  if (code !== undefined && GUARD_REFUSAL_CODES.has(code)) telemetry.count('GuardRefusals');
}
