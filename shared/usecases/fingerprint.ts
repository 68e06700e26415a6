import { createHash } from 'node:crypto';

/**
 * A stable digest of a value under a scope: the same request body (key order aside) or the same filters give the
 * same fingerprint. Request bodies bind an Idempotency-Key; listing filters bind a cursor.
 * @example fingerprintOf('POST /payouts/request', { amount: 5000 })
 */
export function fingerprintOf(scope: string, value: unknown): string {
  return createHash('sha256')
    .update(`${scope}\n${JSON.stringify(canonical(value))}`)
    .digest('hex');
}

/** Objects as sorted [key, value] pairs, recursively, so key order never changes the digest. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]);
  }
  return value ?? null;
}
