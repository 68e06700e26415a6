import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { BusyError } from '../../domain/errors.ts';

type Item = Record<string, unknown>;

/** SDK errors that mean "try again": throttling, an in-progress or conflicting transaction, a lost connection. */
const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'TransactionConflictException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);
// The network codes the SDK itself retries (its timeout and network lists): when its retries run out, still transient.
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const meta = (error as { $retryable?: unknown }).$retryable;
  return (
    RETRYABLE_NAMES.has(error.name) || (typeof code === 'string' && RETRYABLE_CODES.has(code)) || meta !== undefined
  );
}

const throttledName = (name: string) => /Throughput|Throttl|LimitExceeded/.test(name);

/** The domain's "busy" for a transient store failure (the client may retry); anything else stays a bug. */
export function busyError(cause: unknown): BusyError {
  const throttled = cause instanceof Error && (throttledName(cause.name) || cause.name === 'TransactionThrottled');
  return new BusyError(
    throttled
      ? 'The payouts store is busy right now; retry in a moment.'
      : 'The payouts store did not answer in time; retry the request (with the same Idempotency-Key).',
    { cause, retryAfterSeconds: 1 },
  );
}

export function translateStoreError(error: unknown): unknown {
  return isRetryable(error) ? busyError(error) : error;
}

/** One reason per item of a cancelled transaction, with the failed item's old image unmarshalled. */
export interface Reason {
  code: string;
  item?: Item;
}

export function cancellationReasons(error: unknown): Reason[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason: CancellationReason) => ({
    code: reason.Code ?? 'None',
    ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
  }));
}

/**
 * Whether a cancelled transaction failed for a transient reason: real DynamoDB cancels a throttled transaction
 * with ThrottlingError / ProvisionedThroughputExceeded reasons, and a conflicting one with TransactionConflict.
 * The answer is the cause to report as busy, or undefined.
 */
export function transientCancellation(error: unknown, reasons: Reason[]): Error | undefined {
  if (reasons.some((reason) => reason.code === 'ThrottlingError' || reason.code === 'ProvisionedThroughputExceeded')) {
    return Object.assign(new Error('Transaction throttled', { cause: error }), { name: 'TransactionThrottled' });
  }
  if (reasons.some((reason) => reason.code === 'TransactionConflict')) {
    return Object.assign(new Error('Transaction conflict', { cause: error }), { name: 'TransactionConflictException' });
  }
  return undefined;
}

/** A transaction cancelled for a reason the adapter does not turn into an outcome: a bug, never a 4xx. */
export class UnexpectedCancellation extends Error {
  override readonly name = 'UnexpectedCancellation';
}
