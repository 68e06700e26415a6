import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../shared/http/auth.ts';
import { NotAuthenticatedError } from '../../shared/domain/errors.ts';
import { httpErrorOf } from '../../shared/http/errors.ts';

const SECRET = 'unit-test-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

const sign = (claims: JWTPayload, alg = 'HS256', secret: Uint8Array = key) =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(secret);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Function: createAuthenticator (HS256)', () => {
  const authenticate = createAuthenticator({ mode: 'hs256', secret: SECRET });

  it('accepts a valid token and returns its subject', async () => {
    const token = await sign({ sub: 'user-1', exp: now() + 60 });
    await expect(authenticate(`Bearer ${token}`)).resolves.toEqual({ userId: 'user-1', isAdmin: false });
  });

  it.each([
    [{ role: 'admin' }, true],
    [{ 'cognito:groups': ['staff', 'admin'] }, true],
    [{ role: 'affiliate' }, false],
    [{ 'cognito:groups': 'admin' }, false],
  ])('reads the admin role from %o', async (claims, isAdmin) => {
    const token = await sign({ sub: 'u', exp: now() + 60, ...claims });
    await expect(authenticate(`Bearer ${token}`)).resolves.toMatchObject({ isAdmin });
  });

  const cases: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no header', async () => undefined, /missing/],
    ['a Basic scheme', async () => 'Basic dXNlcjpwYXNz', /Bearer/],
    ['two tokens', async () => `Bearer ${await sign({ sub: 'u', exp: now() + 60 })}, Bearer x.y.z`, /Bearer/],
    ['not a JWT', async () => 'Bearer not-a-jwt', /well-formed/],
    ['a 50 KB token', async () => `Bearer ${'a'.repeat(50_000)}.b.c`, /well-formed/],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await sign({ sub: 'u', exp: now() + 60 })).split('.');
        return `Bearer ${header}.${b64({ sub: 'admin', role: 'admin', exp: now() + 60 })}.${signature}`;
      },
      /not valid/,
    ],
    ['an expired token', async () => `Bearer ${await sign({ sub: 'u', exp: now() - 60 })}`, /expired/],
    [
      'a token not valid yet',
      async () => `Bearer ${await sign({ sub: 'u', exp: now() + 600, nbf: now() + 300 })}`,
      /nbf/,
    ],
    ['no exp', async () => `Bearer ${await sign({ sub: 'u' })}`, /exp/],
    ['no sub', async () => `Bearer ${await sign({ exp: now() + 60 })}`, /sub/],
    ['an empty sub', async () => `Bearer ${await sign({ sub: '', exp: now() + 60 })}`, /sub/],
    ['HS512 instead of HS256', async () => `Bearer ${await sign({ sub: 'u', exp: now() + 60 }, 'HS512')}`, /not valid/],
    [
      'alg none',
      async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', exp: now() + 60 })}.`,
      /well-formed|not valid/,
    ],
    [
      'alg none with a signature',
      async () => `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'u', exp: now() + 60 })}.c2ln`,
      /not valid/,
    ],
    [
      'another secret',
      async () =>
        `Bearer ${await sign({ sub: 'u', exp: now() + 60 }, 'HS256', new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'))}`,
      /not valid/,
    ],
  ];

  it.each(cases)('refuses %s with 401 and WWW-Authenticate: Bearer', async (_name, header, message) => {
    const error = await authenticate(await header()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotAuthenticatedError);
    expect(httpErrorOf(error, 'r-1')).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
    expect((error as Error).message).toMatch(message);
  });

  it('checks issuer and audience when they are configured', async () => {
    const strict = createAuthenticator({
      mode: 'hs256',
      secret: SECRET,
      issuer: 'https://auth.example',
      audience: 'dashboard',
    });
    const good = await sign({ sub: 'u', exp: now() + 60, iss: 'https://auth.example', aud: 'dashboard' });
    const wrongIssuer = await sign({ sub: 'u', exp: now() + 60, iss: 'https://evil.example', aud: 'dashboard' });
    await expect(strict(`Bearer ${good}`)).resolves.toMatchObject({ userId: 'u' });
    await expect(strict(`Bearer ${wrongIssuer}`)).rejects.toThrow(/iss/);
  });
});

describe('Function: createAuthenticator (verified-token cache)', () => {
  afterEach(() => vi.useRealTimers());

  it('never serves a remembered token past its exp', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-21T12:00:00Z') });
    const authenticate = createAuthenticator({ mode: 'hs256', secret: SECRET });
    const token = `Bearer ${await sign({ sub: 'u', exp: now() + 10 })}`;
    await expect(authenticate(token)).resolves.toMatchObject({ userId: 'u' });
    vi.setSystemTime(new Date('2026-11-21T12:00:09Z'));
    await expect(authenticate(token)).resolves.toMatchObject({ userId: 'u' });
    vi.setSystemTime(new Date('2026-11-21T12:00:16Z'));
    await expect(authenticate(token)).rejects.toThrow(/expired/);
  });

  it('checks the signature of every distinct token, even one byte apart', async () => {
    const authenticate = createAuthenticator({ mode: 'hs256', secret: SECRET });
    const token = await sign({ sub: 'u', exp: now() + 60 });
    await authenticate(`Bearer ${token}`);
    // Flip the lowest bit of the signature's last byte: it lives in the token's last character (a character that
    // only changed base64url's unused padding bits would decode to the same, valid signature).
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    const flipped = `${header}.${payload}.${bytes.toString('base64url')}`;
    expect(flipped).toHaveLength(token.length);
    expect([...flipped].flatMap((char, index) => (char === token[index] ? [] : [index]))).toEqual([token.length - 1]);
    expect(Buffer.from(flipped.split('.')[2]!, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(false);
    await expect(authenticate(`Bearer ${flipped}`)).rejects.toThrow(NotAuthenticatedError);
  });
});

describe('Function: createAuthenticator (secret from Secrets Manager)', () => {
  it('reads the secret once per cold start, and again only after a failed read', async () => {
    const loader = vi.fn().mockRejectedValueOnce(new Error('network')).mockResolvedValue(SECRET);
    const authenticate = createAuthenticator({ mode: 'hs256-secret-arn', secretArn: 'arn:secret' }, loader);
    const token = `Bearer ${await sign({ sub: 'u', exp: now() + 60 })}`;
    await expect(authenticate(token)).rejects.toThrow();
    await authenticate(token);
    await authenticate(token);
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('refuses a stored secret shorter than 32 bytes', async () => {
    const authenticate = createAuthenticator(
      { mode: 'hs256-secret-arn', secretArn: 'arn:secret' },
      async () => 'short',
    );
    await expect(authenticate(`Bearer ${await sign({ sub: 'u', exp: now() + 60 })}`)).rejects.toThrow(/32 bytes/);
  });
});

describe('Function: createAuthenticator (JWKS)', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let publicPem: string;
  const issuer = 'https://auth.example';
  const audience = 'dashboard';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const rs256 = (claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);

  it('accepts an RS256 token from the provider and reads cognito:groups', async () => {
    const authenticate = createAuthenticator({ mode: 'jwks', jwksUrl, issuer, audience });
    const token = await rs256({ sub: 'u', exp: now() + 60, iss: issuer, aud: audience, 'cognito:groups': ['admin'] });
    await expect(authenticate(`Bearer ${token}`)).resolves.toEqual({ userId: 'u', isAdmin: true });
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.example', aud: audience }],
    ['a wrong audience', { iss: issuer, aud: 'someone-else' }],
  ])('refuses %s', async (_name, claims) => {
    const authenticate = createAuthenticator({ mode: 'jwks', jwksUrl, issuer, audience });
    await expect(authenticate(`Bearer ${await rs256({ sub: 'u', exp: now() + 60, ...claims })}`)).rejects.toThrow(
      NotAuthenticatedError,
    );
  });

  it('refuses algorithm confusion: an HS256 token keyed with the public key', async () => {
    const authenticate = createAuthenticator({ mode: 'jwks', jwksUrl, issuer, audience });
    const forged = await new SignJWT({ sub: 'u', exp: now() + 60, iss: issuer, aud: audience, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(publicPem));
    await expect(authenticate(`Bearer ${forged}`)).rejects.toThrow(NotAuthenticatedError);
  });
});
