import * as z from 'zod/mini';
import { BadRequestError } from '../domain/errors.ts';

/**
 * Opaque pagination cursors: the index key after the last item, base64url-encoded JSON. A cursor is checked
 * against its schema and its owner, so a tampered or someone else's cursor is a 400, never a foreign page.
 */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T>(
  cursor: string,
  schema: z.ZodMiniType<T>,
  { maxLength = 1024, message = 'The cursor is not valid; start again without it.' } = {},
): T {
  const invalid = () => new BadRequestError('INVALID_CURSOR', message);
  if (cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw invalid();
  return result.data;
}

/** The key of the affiliate-payouts index: table key plus index keys. */
export const affiliateIndexKey = z.strictObject({
  payout_id: z.string().check(z.minLength(1), z.maxLength(128)),
  affiliate_id: z.string().check(z.minLength(1), z.maxLength(256)),
  requested_at: z.string().check(z.minLength(1), z.maxLength(64)),
});
