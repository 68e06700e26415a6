/**
 * The error tree every layer throws. Each error carries its HTTP status and a machine code; the one place that
 * turns errors into responses is shared/http/respond.ts. Messages of 4xx errors are written for the client.
 */
export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  readonly code: string;
  /** Extra response headers this error needs (Retry-After, WWW-Authenticate, Allow). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: string, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

export class BadRequestError extends AppError {
  readonly statusCode = 400;
}

export class UnauthorizedError extends AppError {
  readonly statusCode = 401;
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAUTHORIZED', message, { ...options, headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  readonly statusCode = 403;
}

export class NotFoundError extends AppError {
  readonly statusCode = 404;
}

export class MethodNotAllowedError extends AppError {
  readonly statusCode = 405;
  constructor(method: string, allowed: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(' or ')}.`, {
      headers: { Allow: allowed.join(', ') },
    });
  }
}

export class ConflictError extends AppError {
  readonly statusCode = 409;
}

export class PayloadTooLargeError extends AppError {
  readonly statusCode = 413;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly statusCode = 415;
}

export class UnprocessableError extends AppError {
  readonly statusCode = 422;
}

/** A transient failure (throttling, a conflicting transaction, a lost connection): the client should retry. */
export class ServiceUnavailableError extends AppError {
  readonly statusCode = 503;
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('SERVICE_UNAVAILABLE', message, {
      ...options,
      headers: { 'Retry-After': String(options?.retryAfterSeconds ?? 1) },
    });
  }
}
