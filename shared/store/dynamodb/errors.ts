import { ServiceUnavailableError } from '../../domain/errors.ts';

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
// The network codes the SDK itself retries (its timeout and network lists): when its retries run out, still a 503.
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const meta = (error as { $retryable?: unknown }).$retryable;
  return RETRYABLE_NAMES.has(error.name) || (typeof code === 'string' && RETRYABLE_CODES.has(code)) || meta !== undefined;
}

/** Turns a transient store failure into a 503 the client can retry; anything else stays a bug (500). */
export function translateStoreError(error: unknown): unknown {
  if (!isRetryable(error)) return error;
  const throttled = error instanceof Error && /Throughput|Throttl|LimitExceeded/.test(error.name);
  return new ServiceUnavailableError(
    throttled
      ? 'The payouts store is busy right now; retry in a moment.'
      : 'The payouts store did not answer in time; retry the request (with the same Idempotency-Key).',
    { cause: error, retryAfterSeconds: 1 },
  );
}
