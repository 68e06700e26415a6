import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { assertStrongSecret, type AuthConfig } from '../config.ts';
import type { SecretLoader } from '../domain/ports.ts';
import { TtlCache } from '../domain/clock.ts';
import { BusyError, NotAuthenticatedError } from '../domain/errors.ts';

/** Who is calling: the token's subject, and whether it carries the admin role. */
export interface Principal {
  userId: string;
  isAdmin: boolean;
}

export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

/** Longer than any real token; a 50 KB header is refused before any parsing. */
const MAX_TOKEN_LENGTH = 8_192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/**
 * A warm function remembers tokens it has verified, by their exact text, for at most a minute and never past
 * their `exp`: a dashboard's many calls with one token pay for one signature check (WebCrypto's verify is
 * asynchronous and costs more than the rest of a warm request). Bounded, so it cannot grow with traffic.
 */
const VERIFIED_TTL_MS = 60_000;
const MAX_VERIFIED = 1_000;

/** An admin is a token with "role": "admin" or "admin" in its Cognito groups. */
export function isAdminClaims(payload: JWTPayload): boolean {
  const groups = payload['cognito:groups'];
  return payload.role === 'admin' || (Array.isArray(groups) && groups.includes('admin'));
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization)
    throw new NotAuthenticatedError('Sign in: the Authorization header with a Bearer token is missing.');
  const match = /^Bearer ([^\s,]+)$/i.exec(authorization.trim());
  if (!match?.[1]) throw new NotAuthenticatedError('The Authorization header must be exactly "Bearer <token>".');
  const token = match[1];
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new NotAuthenticatedError('The bearer token is not a well-formed JWT.');
  }
  return token;
}

function explain(error: unknown): NotAuthenticatedError {
  if (error instanceof NotAuthenticatedError) return error;
  if (error instanceof joseErrors.JWTExpired)
    return new NotAuthenticatedError('The token has expired; sign in again.', { cause: error });
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new NotAuthenticatedError(`The token's "${error.claim}" claim is missing or not accepted.`, {
      cause: error,
    });
  }
  return new NotAuthenticatedError('The token is not valid.', { cause: error });
}

/**
 * Builds the token verifier for a configuration. Algorithms are pinned per mode (HS256, or RS256/ES256 for a
 * JWKS), `exp` and `sub` are required, `alg: none` can never pass.
 * @example const authenticate = createAuthenticator({ mode: 'hs256', secret }); await authenticate('Bearer ey…');
 */
export function createAuthenticator(auth: AuthConfig, loadSecret?: SecretLoader): Authenticator {
  let key: Uint8Array | JWTVerifyGetKey | Promise<Uint8Array> | undefined;
  const algorithms = auth.mode === 'jwks' ? ['RS256', 'ES256'] : ['HS256'];
  const encode = (secret: string) => new TextEncoder().encode(secret);

  const resolveKey = (): Uint8Array | JWTVerifyGetKey | Promise<Uint8Array> => {
    if (key) return key;
    if (auth.mode === 'jwks') key = createRemoteJWKSet(new URL(auth.jwksUrl));
    else if (auth.mode === 'hs256') key = encode(auth.secret);
    else {
      if (!loadSecret) throw new Error('JWT_SECRET_ARN is set but no secret loader was given');
      // Read once per cold start; a failed read is retried by the next request instead of being cached.
      key = loadSecret(auth.secretArn).then((secret) => {
        assertStrongSecret(secret);
        return encode(secret);
      });
      key.catch(() => (key = undefined));
    }
    return key;
  };

  const verified = new TtlCache<Principal>(VERIFIED_TTL_MS, undefined, MAX_VERIFIED);

  return async (authorization) => {
    const token = bearerToken(authorization);
    const known = verified.get(token);
    if (known) return known;
    try {
      const resolved = await resolveKey();
      const options = {
        algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
        ...('issuer' in auth && auth.issuer ? { issuer: auth.issuer } : {}),
        ...('audience' in auth && auth.audience ? { audience: auth.audience } : {}),
      };
      const { payload } =
        typeof resolved === 'function'
          ? await jwtVerify(token, resolved, options)
          : await jwtVerify(token, resolved, options);
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
        throw new NotAuthenticatedError('The token has no usable "sub" claim.');
      }
      const principal: Principal = Object.freeze({ userId: payload.sub, isAdmin: isAdminClaims(payload) });
      // `exp` is required, so it is a number here; the cache never outlives it (jose's 5 s tolerance is not reused).
      verified.set(token, principal, Number(payload.exp) * 1000);
      return principal;
    } catch (error) {
      // The provider's key set could not be fetched: our outage, not a bad token.
      if (
        error instanceof joseErrors.JWKSTimeout ||
        (auth.mode === 'jwks' && error instanceof TypeError && /fetch/i.test(error.message))
      ) {
        throw new BusyError('The token could not be checked right now; retry in a moment.', { cause: error });
      }
      if (
        error instanceof joseErrors.JOSEError ||
        error instanceof NotAuthenticatedError ||
        error instanceof TypeError
      ) {
        throw explain(error);
      }
      throw error;
    }
  };
}
