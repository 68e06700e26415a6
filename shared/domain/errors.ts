/**
 * The errors every layer throws. Each carries a machine code, a sentence written for the client, and data for
 * whoever answers (a retry delay, the allowed methods). None knows about HTTP: shared/http/errors.ts maps each
 * class to a status and headers, in one table.
 */
export abstract class AppError extends Error {
  readonly code: string;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.data = options?.data ?? {};
  }
}

/** The input breaks a rule the caller can fix (a shape, a minimum, the balance). */
export class InvalidInputError extends AppError {}

/** No valid credentials came with the request. */
export class NotAuthenticatedError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAUTHORIZED', message, options);
  }
}

/** The caller is known but may not do this. */
export class NotPermittedError extends AppError {}

export class NotFoundError extends AppError {}

/** The resource is not in a state that allows this (an illegal move, a key in flight, drifted counters). */
export class ConflictError extends AppError {}

/** Well-formed but refused as a whole (an Idempotency-Key reused with another body). */
export class UnprocessableError extends AppError {}

/** A transient failure (throttling, a conflicting transaction, a lost connection): the same request may succeed later. */
export class BusyError extends AppError {
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('SERVICE_UNAVAILABLE', message, {
      cause: options?.cause,
      data: { retryAfterSeconds: options?.retryAfterSeconds ?? 1 },
    });
  }
}

export function payoutNotFound(): NotFoundError {
  return new NotFoundError('PAYOUT_NOT_FOUND', 'No payout with this id was found.');
}
