import {
  AppError,
  BusyError,
  ConflictError,
  InvalidInputError,
  NotAuthenticatedError,
  NotFoundError,
  NotPermittedError,
  UnprocessableError,
} from '../domain/errors.ts';

/** The request's method is not one the path takes. */
export class MethodNotAllowedError extends AppError {
  constructor(method: string, allowed: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(' or ')}.`, { data: { allowed } });
  }
}

export class PayloadTooLargeError extends AppError {}

export class UnsupportedMediaTypeError extends AppError {}

type ErrorClass = abstract new (...args: never[]) => AppError;

/**
 * Where an error becomes a status: one table, read by every place that answers (a route, a bulk item). Headers
 * come from the error's data: a retry delay becomes Retry-After, the allowed methods Allow.
 */
const STATUS_BY_ERROR: ReadonlyArray<readonly [ErrorClass, number]> = [
  [InvalidInputError, 400],
  [NotAuthenticatedError, 401],
  [NotPermittedError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [UnprocessableError, 422],
  [BusyError, 503],
];

export interface HttpError {
  status: number;
  headers: Record<string, string>;
  code: string;
  /** Safe to show the client: the error's sentence for a 4xx or 503, a generic one for a bug. */
  message: string;
}

/** How an error is answered. Anything that is not an AppError is a bug: a 500 whose detail stays in the logs. */
export function httpErrorOf(error: unknown, requestId: string): HttpError {
  const status = error instanceof AppError ? STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1] : undefined;
  if (!(error instanceof AppError) || status === undefined) {
    return {
      status: 500,
      headers: {},
      code: 'INTERNAL_ERROR',
      message: `Something went wrong on our side; nothing was charged twice. Quote request id ${requestId} if it persists.`,
    };
  }
  const headers: Record<string, string> = {};
  if (error instanceof NotAuthenticatedError) headers['WWW-Authenticate'] = 'Bearer';
  if (typeof error.data.retryAfterSeconds === 'number') headers['Retry-After'] = String(error.data.retryAfterSeconds);
  if (Array.isArray(error.data.allowed)) headers.Allow = error.data.allowed.join(', ');
  return { status, headers, code: error.code, message: error.message };
}
