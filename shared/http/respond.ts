import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpErrorOf } from './errors.ts';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** The success envelope: `{ success: true, message, data }`. A replayed answer is built here too, with its header. */
export function ok(
  statusCode: number,
  message: string,
  data: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, ...headers },
    body: JSON.stringify({ success: true, message, data }),
  };
}

/** The error envelope: `{ success: false, message, code }`, with the status and headers of shared/http/errors.ts. */
export function errorResponse(error: unknown, requestId: string): HttpResponse {
  const { status, headers, code, message } = httpErrorOf(error, requestId);
  return {
    statusCode: status,
    headers: { ...BASE_HEADERS, ...headers },
    body: JSON.stringify({ success: false, message, code }),
  };
}

/**
 * A body that is not the JSON envelope (the CSV export, a download), with its own content type; errors still answer JSON.
 * @example fileResponse(200, 'a,b\r\n', 'text/csv; charset=utf-8', { 'Content-Disposition': 'attachment; filename="x.csv"' })
 */
export function fileResponse(
  statusCode: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS, 'Content-Type': contentType, ...headers }, body };
}

/**
 * A binary download (a PDF receipt): the body base64-encoded with `isBase64Encoded`, as a Function URL expects.
 * @example binaryResponse(pdfBytes, 'application/pdf', { 'Content-Disposition': 'attachment; filename="r.pdf"' })
 */
export function binaryResponse(
  bytes: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode: 200,
    headers: { ...BASE_HEADERS, 'Content-Type': contentType, ...headers },
    body: Buffer.from(bytes).toString('base64'),
    isBase64Encoded: true,
  };
}

/** A PDF download named `filename` (a receipt). */
export function pdfResponse({ filename, pdf }: { filename: string; pdf: Uint8Array }): HttpResponse {
  return binaryResponse(pdf, 'application/pdf', { 'Content-Disposition': `attachment; filename="${filename}"` });
}
