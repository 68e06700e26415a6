import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type * as z from 'zod/mini';
import { InvalidInputError } from '../domain/errors.ts';

/** A source of the configured secret that cursors are signed with (the JWT secret, or the cursor secret). */
export type SecretSource = () => Promise<string>;

const MAC_BYTES = 16;
const INVALID = 'The cursor is not valid; start again without it.';

/**
 * Opaque pagination cursors: the listing's state as base64url JSON, then an HMAC over it with a key derived from
 * the configured secret. A cursor we did not mint — tampered, forged, or cut — is refused before it is parsed, so
 * no caller can steer a query with a position of their own making.
 * @example const cursor = await cursors.encode({ requested_at, payout_id }); await cursors.decode(cursor, schema);
 */
export class CursorCodec {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly secret: SecretSource) {}

  async encode(state: unknown): Promise<string> {
    const payload = Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
    return `${payload}.${this.mac(await this.keyOnce(), payload).toString('base64url')}`;
  }

  /** The state a cursor carries; a 400 INVALID_CURSOR (with `message`) for anything we did not mint or that fails `schema`. */
  async decode<T>(cursor: string, schema: z.ZodMiniType<T>, { maxLength = 1024, message = INVALID } = {}): Promise<T> {
    const invalid = () => new InvalidInputError('INVALID_CURSOR', message);
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(cursor);
    if (cursor.length > maxLength || !match) throw invalid();
    const [, payload = '', signature = ''] = match;
    const expected = this.mac(await this.keyOnce(), payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    const result = schema.safeParse(parsed);
    if (!result.success) throw invalid();
    return result.data;
  }

  private mac(key: Buffer, payload: string): Buffer {
    return createHmac('sha256', key).update(payload).digest().subarray(0, MAC_BYTES);
  }

  /** HKDF from the secret, once per container: a cursor key never equals the token key it came from. */
  private keyOnce(): Promise<Buffer> {
    this.key ??= this.secret().then((secret) =>
      Buffer.from(hkdfSync('sha256', secret, '', 'affiliate-payouts cursor v1', 32)),
    );
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }
}
