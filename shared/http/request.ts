import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { InvalidInputError } from '../domain/errors.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.ts';

/** Payout bodies are a few hundred bytes; anything near this is not a client of ours. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Header names lower-cased (Function URLs already do; the local server and tests may not). */
export function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** The first zod issue as a sentence, for a 400 a person can act on. */
export function describeIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  const field = issue.path.map(String).join('.');
  const message = issue.message;
  return field && !message.startsWith(field) ? `${field}: ${message}` : message;
}

export function parseWith<T>(schema: z.ZodMiniType<T>, input: unknown, code = 'VALIDATION_ERROR'): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(code, describeIssue(result.error));
  return result.data;
}

/**
 * Reads a JSON object body: 415 unless the content type is JSON, 413 past the size limit, 400 for malformed JSON
 * or anything but an object. An absent body reads as `{}`; `maxBytes` raises the limit
 * for a route whose bodies are legitimately larger (the admin bulk move).
 */
export function readJsonObject(
  event: APIGatewayProxyEventV2,
  headers: Record<string, string>,
  { maxBytes = MAX_BODY_BYTES } = {},
): Record<string, unknown> {
  const raw = event.body ?? '';
  // No body at all is an empty object: the schema then names what is missing (400), whatever the content type.
  if (raw.length === 0) return {};
  const contentType = headers['content-type'];
  if (!contentType || !/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body as JSON with "Content-Type: application/json".',
    );
  }
  const json = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(json, 'utf8') > maxBytes) {
    throw new PayloadTooLargeError('PAYLOAD_TOO_LARGE', `The body must be at most ${maxBytes} bytes.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new InvalidInputError('INVALID_JSON', 'The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError('INVALID_BODY', 'The body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** Query parameters; a parameter sent twice arrives comma-joined and fails its own validation. */
export function queryOf(event: APIGatewayProxyEventV2): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  return query;
}
