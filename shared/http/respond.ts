import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError } from '../domain/errors.ts';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** The success envelope: `{ success: true, message, data }`. */
export function ok(statusCode: number, message: string, data: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify({ success: true, message, data }) };
}

/** A body stored earlier (an idempotent replay), sent again as it was. */
export function replay(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS, 'Idempotent-Replayed': 'true' }, body: JSON.stringify(body) };
}

/**
 * The one place errors become responses. AppErrors carry their status, code and client-facing sentence; anything
 * else is a bug and answers a bare 500 whose detail stays in the logs.
 */
export function errorResponse(error: unknown, requestId: string): HttpResponse {
  if (error instanceof AppError) {
    return {
      statusCode: error.statusCode,
      headers: { ...BASE_HEADERS, ...error.headers },
      body: JSON.stringify({ success: false, message: error.message, code: error.code }),
    };
  }
  return {
    statusCode: 500,
    headers: BASE_HEADERS,
    body: JSON.stringify({
      success: false,
      message: `Something went wrong on our side; nothing was charged twice. Quote request id ${requestId} if it persists.`,
      code: 'INTERNAL_ERROR',
    }),
  };
}

/**
 * A body that is not the JSON envelope (the CSV export), with its own content type; errors still answer JSON.
 * @example text(200, 'a,b\r\n', 'text/csv; charset=utf-8', { 'Content-Disposition': 'attachment; filename="x.csv"' })
 */
export function text(statusCode: number, body: string, contentType: string, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS, 'Content-Type': contentType, ...headers }, body };
}
