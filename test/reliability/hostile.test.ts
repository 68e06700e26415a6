import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import { DEFAULT_TABLE_NAMES } from '../../shared/store/dynamodb/tables.ts';
import { TEST_SECRET, testRuntime } from '../support/app.ts';
import { invoke, type EventOptions, type InvokeResult } from '../support/http.ts';
import { call, startServer, type RunningServer } from '../support/server.ts';
import { writeFigures } from './support/figures.ts';
import { cachedToken, createSystem, snapshot, systemOn, type System } from './support/system.ts';

/**
 * Hostile input against every route of both functions: token attacks (HS256 and JWKS modes), object- and
 * function-level access, mass assignment, type confusion, prototype keys, oversized and base64 bodies, wrong
 * content types, odd payout ids, tampered and foreign cursors, absurd limits. Each case must get its 4xx with a
 * clear message — never a 500 — and after each case the tables must hold exactly what they held before.
 */

const ISSUER = 'https://auth.reliability.test/';
const AUDIENCE = 'payouts-api';
const enc = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
/** A signed cursor's state changed by an attacker, who keeps the old signature (they do not have the key). */
const resigned = (cursor: string, change: Record<string, unknown>) => {
  const [payload = '', signature = ''] = cursor.split('.');
  return `${enc({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...change })}.${signature}`;
};

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** What the cases are built from, filled in beforeAll (tokens, ids, cursors). */
interface Context {
  payoutA: string;
  payoutB: string;
  cursorA: string;
  adminCursorPending: string;
  tokens: Record<'a' | 'b' | 'admin', string>;
  rsa: { privateKey: PrivateKey; publicPem: string; publicJwk: JWK };
  otherRsa: PrivateKey;
}

type Fn = 'payouts' | 'admin' | 'jwksPayouts' | 'jwksAdmin';

interface HostileCase {
  name: string;
  fn: Fn;
  request: (context: Context) => Promise<EventOptions & { token?: string }> | (EventOptions & { token?: string });
  status: number;
  code: string;
  /** Something else the answer must show (a header, a bulk item's status); a sentence when it does not. */
  extra?: (result: InvokeResult) => string | undefined;
}

const hs256 = (claims: Record<string, unknown>, { secret = TEST_SECRET, alg = 'HS256' } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));

/** The routes of both functions, each with a request that would succeed with the right token. */
interface RouteSpec {
  fn: 'payouts' | 'admin';
  label: string;
  build: (context: Context) => EventOptions;
}
const ROUTES: RouteSpec[] = [
  {
    fn: 'payouts',
    label: 'POST /payouts/request',
    build: () => ({ method: 'POST', path: '/payouts/request', body: { amount: 5_000 } }),
  },
  { fn: 'payouts', label: 'GET /payouts', build: () => ({ path: '/payouts' }) },
  { fn: 'payouts', label: 'GET /payouts/balance', build: () => ({ path: '/payouts/balance' }) },
  { fn: 'payouts', label: 'GET /payouts/summary', build: () => ({ path: '/payouts/summary' }) },
  { fn: 'payouts', label: 'GET /payouts/{id}', build: (c) => ({ path: `/payouts/${c.payoutA}` }) },
  {
    fn: 'payouts',
    label: 'POST /payouts/{id}/cancel',
    build: (c) => ({ method: 'POST', path: `/payouts/${c.payoutA}/cancel` }),
  },
  { fn: 'admin', label: 'GET /admin/payouts', build: () => ({ path: '/admin/payouts' }) },
  { fn: 'admin', label: 'GET /admin/payouts/{id}', build: (c) => ({ path: `/admin/payouts/${c.payoutA}` }) },
  {
    fn: 'admin',
    label: 'POST /admin/payouts/{id}/process',
    build: (c) => ({
      method: 'POST',
      path: `/admin/payouts/${c.payoutA}/process`,
      body: { status: 'completed', transaction_id: 'TX-HOSTILE' },
    }),
  },
  {
    fn: 'admin',
    label: 'POST /admin/payouts/process',
    build: (c) => ({
      method: 'POST',
      path: '/admin/payouts/process',
      body: { items: [{ payout_id: c.payoutA, status: 'failed' }] },
    }),
  },
  { fn: 'admin', label: 'GET /admin/payouts/export', build: () => ({ path: '/admin/payouts/export' }) },
  {
    fn: 'admin',
    label: 'GET /admin/affiliates/{id}/balance',
    build: () => ({ path: '/admin/affiliates/aff-h-a/balance' }),
  },
];

/** Token attacks, each on every route; the claims are an admin's on admin routes, so only the token is wrong. */
const TOKEN_ATTACKS: {
  name: string;
  authorization: (route: RouteSpec, context: Context) => Promise<string | undefined>;
}[] = [
  { name: 'no Authorization header', authorization: async () => undefined },
  {
    name: 'alg none, no signature',
    authorization: async (route) => `Bearer ${enc({ alg: 'none', typ: 'JWT' })}.${enc(claimsFor(route))}.`,
  },
  {
    name: 'alg none with a signature part',
    authorization: async (route) => `Bearer ${enc({ alg: 'none', typ: 'JWT' })}.${enc(claimsFor(route))}.${enc('x')}`,
  },
  {
    name: 'HS256 signed with another secret',
    authorization: async (route) =>
      `Bearer ${await hs256(claimsFor(route), { secret: 'another-secret-that-is-32-bytes-long!!' })}`,
  },
  {
    name: 'HS512 (algorithm not allowed)',
    authorization: async (route) => `Bearer ${await hs256(claimsFor(route), { alg: 'HS512' })}`,
  },
  {
    name: 'expired',
    authorization: async (route) => `Bearer ${await hs256({ ...claimsFor(route), exp: now() - 3_600 })}`,
  },
  {
    name: 'not valid before a future nbf',
    authorization: async (route) => `Bearer ${await hs256({ ...claimsFor(route), nbf: now() + 3_600 })}`,
  },
  {
    name: 'no exp claim',
    authorization: async (route) => `Bearer ${await hs256(withoutKey(claimsFor(route), 'exp'))}`,
  },
  {
    name: 'no sub claim',
    authorization: async (route) => `Bearer ${await hs256(withoutKey(claimsFor(route), 'sub'))}`,
  },
  {
    name: 'payload swapped for another user (signature kept)',
    authorization: async (route, context) => {
      const [header, , signature] = (route.fn === 'admin' ? context.tokens.admin : context.tokens.a).split('.');
      return `Bearer ${header}.${enc({ ...claimsFor(route), sub: 'user-h-b', role: 'admin' })}.${signature}`;
    },
  },
  {
    name: '50 KB token',
    authorization: async (route) => `Bearer ${await hs256({ ...claimsFor(route), pad: 'x'.repeat(50_000) })}`,
  },
  {
    name: 'two Authorization headers (joined with a comma)',
    authorization: async (route, context) =>
      `Bearer ${context.tokens.b},Bearer ${route.fn === 'admin' ? context.tokens.admin : context.tokens.a}`,
  },
  { name: 'Basic scheme', authorization: async () => `Basic ${Buffer.from('user-h-a:password').toString('base64')}` },
  {
    name: 'Token scheme with a valid token',
    authorization: async (route, context) => `Token ${route.fn === 'admin' ? context.tokens.admin : context.tokens.a}`,
  },
  { name: 'Bearer with no token', authorization: async () => 'Bearer ' },
];

function claimsFor(route: RouteSpec): Record<string, unknown> {
  return {
    sub: route.fn === 'admin' ? 'admin-h' : 'user-h-a',
    ...(route.fn === 'admin' ? { role: 'admin' } : {}),
    exp: now() + 3_600,
    iat: now(),
  };
}

function withoutKey(claims: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...claims };
  delete copy[key];
  return copy;
}

const tokenCases: HostileCase[] = ROUTES.flatMap((route) =>
  TOKEN_ATTACKS.map(
    (attack): HostileCase => ({
      name: `${route.label}: token attack: ${attack.name}`,
      fn: route.fn,
      request: async (context) => {
        const authorization = await attack.authorization(route, context);
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        return { ...route.build(context), headers };
      },
      status: 401,
      code: 'UNAUTHORIZED',
      extra: (result) =>
        result.headers['WWW-Authenticate'] === 'Bearer' ? undefined : 'no WWW-Authenticate: Bearer header',
    }),
  ),
);

/** JWKS mode (a provider's RS256 keys): algorithm confusion and claims pinned to the issuer and audience. */
const rs256 = (key: PrivateKey, claims: Record<string, unknown>, kid = 'reliability-key') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
const jwksClaims = (admin: boolean) => ({
  sub: admin ? 'admin-h' : 'user-h-a',
  ...(admin ? { role: 'admin' } : {}),
  iss: ISSUER,
  aud: AUDIENCE,
  exp: now() + 3_600,
});
const JWKS_ATTACKS: { name: string; token: (context: Context, admin: boolean) => Promise<string> }[] = [
  {
    name: 'HS256 signed with the public key PEM as the HMAC secret',
    token: (context, admin) =>
      new SignJWT(jwksClaims(admin))
        .setProtectedHeader({ alg: 'HS256', kid: 'reliability-key' })
        .sign(new TextEncoder().encode(context.rsa.publicPem)),
  },
  {
    name: 'HS256 signed with the public JWK as the HMAC secret',
    token: (context, admin) =>
      new SignJWT(jwksClaims(admin))
        .setProtectedHeader({ alg: 'HS256', kid: 'reliability-key' })
        .sign(new TextEncoder().encode(JSON.stringify(context.rsa.publicJwk))),
  },
  { name: 'HS256 signed with the shared test secret', token: (_context, admin) => hs256(jwksClaims(admin)) },
  {
    name: 'wrong issuer',
    token: (context, admin) => rs256(context.rsa.privateKey, { ...jwksClaims(admin), iss: 'https://evil.example/' }),
  },
  {
    name: 'wrong audience',
    token: (context, admin) => rs256(context.rsa.privateKey, { ...jwksClaims(admin), aud: 'another-api' }),
  },
  {
    name: 'no audience',
    token: (context, admin) => rs256(context.rsa.privateKey, withoutKey(jwksClaims(admin), 'aud')),
  },
  {
    name: 'signed by another RSA key with the same kid',
    token: (context, admin) => rs256(context.otherRsa, jwksClaims(admin)),
  },
  {
    name: 'alg none',
    token: async (_context, admin) =>
      `${enc({ alg: 'none', kid: 'reliability-key' })}.${enc(jwksClaims(admin))}.${enc('sig')}`,
  },
];
const jwksCases: HostileCase[] = JWKS_ATTACKS.flatMap((attack) =>
  [ROUTES[0]!, ROUTES[2]!, ROUTES[8]!, ROUTES[11]!].map(
    (route): HostileCase => ({
      name: `${route.label} (JWKS mode): token attack: ${attack.name}`,
      fn: route.fn === 'admin' ? 'jwksAdmin' : 'jwksPayouts',
      request: async (context) => ({
        ...route.build(context),
        token: await attack.token(context, route.fn === 'admin'),
      }),
      status: 401,
      code: 'UNAUTHORIZED',
    }),
  ),
);

/** Function-level access: an affiliate's token on every admin route. */
const functionLevelCases: HostileCase[] = ROUTES.filter((route) => route.fn === 'admin').map((route) => ({
  name: `${route.label}: an affiliate's token on an admin route`,
  fn: 'admin',
  request: (context) => ({ ...route.build(context), token: context.tokens.a }),
  status: 403,
  code: 'ADMIN_ONLY',
}));

const affiliate = (context: Context, options: EventOptions) => ({ ...options, token: context.tokens.a });
const admin = (context: Context, options: EventOptions) => ({ ...options, token: context.tokens.admin });
const request = (body: unknown) => (context: Context) =>
  affiliate(context, { method: 'POST', path: '/payouts/request', body });
const requestRaw =
  (
    rawBody: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
    isBase64Encoded = false,
  ) =>
  (context: Context) =>
    affiliate(context, { method: 'POST', path: '/payouts/request', rawBody, headers, isBase64Encoded });
const move = (body: unknown) => (context: Context) =>
  admin(context, { method: 'POST', path: `/admin/payouts/${context.payoutA}/process`, body });
const moveRaw =
  (rawBody: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  (context: Context) =>
    admin(context, { method: 'POST', path: `/admin/payouts/${context.payoutA}/process`, rawBody, headers });
const bulk = (body: unknown) => (context: Context) =>
  admin(context, { method: 'POST', path: '/admin/payouts/process', body });
const invalid = (
  name: string,
  fn: Fn,
  build: HostileCase['request'],
  status = 400,
  code = 'VALIDATION_ERROR',
  extra?: HostileCase['extra'],
): HostileCase => ({
  name,
  fn,
  request: build,
  status,
  code,
  ...(extra ? { extra } : {}),
});
/** The message names the field that is wrong. */
const mentions = (word: string) => (result: InvokeResult) =>
  String(result.json?.message).includes(word)
    ? undefined
    : `the message does not mention ${word}: ${result.json?.message}`;
/** A bulk refuses a bad item on its own: 200 for the batch, the item's own 400, nothing moved. */
const itemRefused = (result: InvokeResult) => {
  const item = result.json?.data?.results?.[0];
  return item &&
    item.success === false &&
    item.status_code === 400 &&
    typeof item.message === 'string' &&
    result.json.data.succeeded === 0
    ? undefined
    : `expected the item refused with 400, got ${JSON.stringify(item)}`;
};

const inputCases: HostileCase[] = [
  // Object-level access: another affiliate's payout, cursor.
  invalid(
    "GET another affiliate's payout",
    'payouts',
    (c) => affiliate(c, { path: `/payouts/${c.payoutB}` }),
    404,
    'PAYOUT_NOT_FOUND',
  ),
  invalid(
    "cancel another affiliate's payout",
    'payouts',
    (c) => affiliate(c, { method: 'POST', path: `/payouts/${c.payoutB}/cancel` }),
    404,
    'PAYOUT_NOT_FOUND',
  ),
  invalid(
    "another affiliate's pagination cursor",
    'payouts',
    (c) => ({ path: '/payouts', query: { cursor: c.cursorA }, token: c.tokens.b }),
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'a cursor re-pointed at another affiliate',
    'payouts',
    (c) => {
      return affiliate(c, { path: '/payouts', query: { cursor: resigned(c.cursorA, { affiliate_id: 'aff-h-b' }) } });
    },
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'a cursor with an extra field',
    'payouts',
    (c) => {
      return affiliate(c, { path: '/payouts', query: { cursor: resigned(c.cursorA, { status: 'completed' }) } });
    },
    400,
    'INVALID_CURSOR',
  ),
  // The defect found from outside: a position moved within the caller's own history was answered 200.
  invalid(
    "a cursor moved within the caller's own data",
    'payouts',
    (c) =>
      affiliate(c, {
        path: '/payouts',
        query: { cursor: resigned(c.cursorA, { requested_at: '2000-01-01T00:00:00.000Z' }) },
      }),
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'a cursor stripped of its signature',
    'payouts',
    (c) => affiliate(c, { path: '/payouts', query: { cursor: c.cursorA.split('.')[0] as string } }),
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'a cursor that is a JSON array',
    'payouts',
    (c) => affiliate(c, { path: '/payouts', query: { cursor: enc([1, 2]) } }),
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'a cursor that is not base64url',
    'payouts',
    (c) => affiliate(c, { path: '/payouts', query: { cursor: 'not base64!' } }),
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'a 2 KB cursor',
    'payouts',
    (c) => affiliate(c, { path: '/payouts', query: { cursor: 'A'.repeat(2_048) } }),
    400,
    'VALIDATION_ERROR',
  ),
  invalid(
    'an admin cursor minted for other filters',
    'admin',
    (c) => admin(c, { path: '/admin/payouts', query: { status: 'failed', limit: '1', cursor: c.adminCursorPending } }),
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'an admin cursor with a forged filter fingerprint',
    'admin',
    (c) => {
      return admin(c, {
        path: '/admin/payouts',
        query: {
          status: 'pending',
          limit: '1',
          cursor: resigned(c.adminCursorPending, { filters: '0123456789abcdef' }),
        },
      });
    },
    400,
    'INVALID_CURSOR',
  ),
  invalid(
    'an admin export cursor that is garbage',
    'admin',
    (c) => admin(c, { path: '/admin/payouts/export', query: { cursor: enc({ v: 9 }) } }),
    400,
    'INVALID_CURSOR',
  ),
  // Absurd limits and query parameters.
  ...['0', '-1', '101', '1e9', 'abc', '1.5', '', '10,20', '99999999999999999999'].map((limit) =>
    invalid(
      `GET /payouts?limit=${JSON.stringify(limit)}`,
      'payouts',
      (c) => affiliate(c, { path: '/payouts', query: { limit } }),
      400,
      'VALIDATION_ERROR',
      mentions('limit'),
    ),
  ),
  ...['0', '101', '1e3', '-5'].map((limit) =>
    invalid(
      `GET /admin/payouts?limit=${limit}`,
      'admin',
      (c) => admin(c, { path: '/admin/payouts', query: { limit } }),
      400,
      'VALIDATION_ERROR',
      mentions('limit'),
    ),
  ),
  invalid('GET /admin/payouts/export?limit=1001', 'admin', (c) =>
    admin(c, { path: '/admin/payouts/export', query: { limit: '1001' } }),
  ),
  invalid('GET /payouts with an unknown query parameter', 'payouts', (c) =>
    affiliate(c, { path: '/payouts', query: { affiliate_id: 'aff-h-b' } }),
  ),
  invalid('GET /admin/payouts?status=everything', 'admin', (c) =>
    admin(c, { path: '/admin/payouts', query: { status: 'everything' } }),
  ),
  invalid('GET /admin/payouts?from=2024-02-30', 'admin', (c) =>
    admin(c, { path: '/admin/payouts', query: { from: '2024-02-30' } }),
  ),
  invalid('GET /admin/payouts with from after to', 'admin', (c) =>
    admin(c, { path: '/admin/payouts', query: { from: '2024-05-01', to: '2024-04-01' } }),
  ),
  invalid('GET /admin/payouts?affiliate_id with a space', 'admin', (c) =>
    admin(c, { path: '/admin/payouts', query: { affiliate_id: 'aff h' } }),
  ),
  // Mass assignment.
  ...['status', 'affiliate_id', 'total_paid', 'total_pending', 'payout_id', 'currency', 'history', 'requested_at'].map(
    (field) =>
      invalid(
        `POST /payouts/request with "${field}" in the body`,
        'payouts',
        request({ amount: 5_000, [field]: field === 'history' ? [] : field === 'total_paid' ? 0 : 'aff-h-b' }),
        400,
        'VALIDATION_ERROR',
        mentions(field),
      ),
  ),
  invalid('POST /admin/payouts/{id}/process with "amount"', 'admin', move({ status: 'processing', amount: 1 })),
  invalid(
    'POST /admin/payouts/{id}/process with "affiliate_id"',
    'admin',
    move({ status: 'processing', affiliate_id: 'aff-h-b' }),
  ),
  invalid(
    'POST /admin/payouts/{id}/process with "processed_by"',
    'admin',
    move({ status: 'processing', processed_by: 'someone-else' }),
  ),
  invalid(
    'POST /admin/payouts/process with "affiliate_id" beside the items',
    'admin',
    bulk({ items: [{ payout_id: 'x', status: 'failed' }], affiliate_id: 'aff-h-b' }),
  ),
  invalid(
    'POST /admin/payouts/process with "amount" in an item',
    'admin',
    (c) => bulk({ items: [{ payout_id: c.payoutA, status: 'failed', amount: 1 }] })(c),
    200,
    '',
    itemRefused,
  ),
  invalid('POST /payouts/{id}/cancel with a body', 'payouts', (c) =>
    affiliate(c, { method: 'POST', path: `/payouts/${c.payoutA}/cancel`, body: { status: 'pending' } }),
  ),
  // Type confusion.
  ...[
    ['a string', '5000'],
    ['a fraction', 50.5],
    ['negative', -5_000],
    ['zero', 0],
    ['null', null],
    ['true', true],
    ['an array', [5_000]],
    ['an operator object', { $gt: 0 }],
    ['1e21', 1e21],
    // biome-ignore lint/correctness/noPrecisionLoss: the point: a number JSON carries that no integer type holds.
    ['an unsafe integer', 9_007_199_254_740_993],
  ].map(([label, amount]) =>
    invalid(
      `POST /payouts/request with amount ${label}`,
      'payouts',
      request({ amount }),
      400,
      'VALIDATION_ERROR',
      mentions('amount'),
    ),
  ),
  invalid('POST /payouts/request without amount', 'payouts', request({ payment_method: 'paypal' })),
  ...[1, 'venmo', ['paypal'], null].map((method) =>
    invalid(
      `POST /payouts/request with payment_method ${JSON.stringify(method)}`,
      'payouts',
      request({ amount: 5_000, payment_method: method }),
      400,
      'VALIDATION_ERROR',
      mentions('payment_method'),
    ),
  ),
  ...[5, 'not-an-email', `${'a'.repeat(250)}@example.com`, {}].map((email) =>
    invalid(
      `POST /payouts/request with payment_email ${JSON.stringify(email).slice(0, 20)}`,
      'payouts',
      request({ amount: 5_000, payment_email: email }),
      400,
      'VALIDATION_ERROR',
      mentions('payment_email'),
    ),
  ),
  ...[1, 'COMPLETED', null, ['completed'], 'pending', {}].map((status) =>
    invalid(
      `POST /admin/payouts/{id}/process with status ${JSON.stringify(status)}`,
      'admin',
      move({ status }),
      400,
      'VALIDATION_ERROR',
      mentions('status'),
    ),
  ),
  ...[123, '', 'x'.repeat(129), 'a\u0000b', { id: 1 }].map((tx) =>
    invalid(
      `POST /admin/payouts/{id}/process with transaction_id ${JSON.stringify(tx).slice(0, 20)}`,
      'admin',
      move({ status: 'completed', transaction_id: tx }),
      400,
      'VALIDATION_ERROR',
      mentions('transaction_id'),
    ),
  ),
  ...[[], 'x'.repeat(1_001), 5].map((notes) =>
    invalid(
      `POST /admin/payouts/{id}/process with notes ${JSON.stringify(notes).slice(0, 20)}`,
      'admin',
      move({ status: 'failed', notes }),
      400,
      'VALIDATION_ERROR',
      mentions('notes'),
    ),
  ),
  ...[
    ['a string', 'x'],
    ['an object', {}],
    ['empty', []],
    ['null', null],
    ['101 items', Array.from({ length: 101 }, (_, i) => ({ payout_id: `p-${i}`, status: 'failed' }))],
  ].map(([label, items]) => invalid(`POST /admin/payouts/process with items ${label}`, 'admin', bulk({ items }))),
  invalid('POST /admin/payouts/process with both items and payouts', 'admin', bulk({ items: [], payouts: [] })),
  invalid(
    'POST /admin/payouts/process with an item whose payout_id is a number',
    'admin',
    bulk({ items: [{ payout_id: 5, status: 'failed' }] }),
    200,
    '',
    itemRefused,
  ),
  invalid(
    'POST /admin/payouts/process with an item whose status is "pending"',
    'admin',
    (c) => bulk({ items: [{ payout_id: c.payoutA, status: 'pending' }] })(c),
    200,
    '',
    itemRefused,
  ),
  // Prototype keys.
  invalid(
    'POST /payouts/request with "__proto__"',
    'payouts',
    requestRaw('{"amount":5000,"__proto__":{"status":"completed","affiliate_id":"aff-h-b"}}'),
  ),
  invalid(
    'POST /payouts/request with "constructor"',
    'payouts',
    requestRaw('{"amount":5000,"constructor":{"prototype":{"isAdmin":true}}}'),
  ),
  invalid('POST /payouts/request with "__proto__" only', 'payouts', requestRaw('{"__proto__":{"amount":5000}}')),
  invalid(
    'POST /admin/payouts/{id}/process with "__proto__"',
    'admin',
    moveRaw('{"status":"processing","__proto__":{"transaction_id":"x"}}'),
  ),
  invalid('POST /admin/payouts/process with "__proto__" items', 'admin', (c) =>
    admin(c, {
      method: 'POST',
      path: '/admin/payouts/process',
      rawBody: '{"__proto__":{"items":[]}}',
      headers: { 'content-type': 'application/json' },
    }),
  ),
  invalid(
    'POST /admin/payouts/process with "constructor" in an item',
    'admin',
    (c) =>
      admin(c, {
        method: 'POST',
        path: '/admin/payouts/process',
        rawBody: `{"items":[{"payout_id":"${c.payoutA}","status":"failed","constructor":{"prototype":{}}}]}`,
        headers: { 'content-type': 'application/json' },
      }),
    200,
    '',
    itemRefused,
  ),
  // Oversized bodies and headers.
  invalid(
    'POST /payouts/request with a 17 KB body',
    'payouts',
    request({ amount: 5_000, pad: 'x'.repeat(17_000) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  invalid(
    'POST /payouts/{id}/cancel with a 17 KB body',
    'payouts',
    (c) => affiliate(c, { method: 'POST', path: `/payouts/${c.payoutA}/cancel`, body: { pad: 'x'.repeat(17_000) } }),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  invalid(
    'POST /admin/payouts/{id}/process with a 17 KB body',
    'admin',
    move({ status: 'failed', notes: 'x'.repeat(17_000) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  invalid(
    'POST /admin/payouts/process with a 300 KB body',
    'admin',
    bulk({ items: [{ payout_id: 'x', status: 'failed', notes: 'x'.repeat(300_000) }] }),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  invalid(
    'POST /payouts/request with a 300-character Idempotency-Key',
    'payouts',
    (c) => ({ ...request({ amount: 5_000 })(c), headers: { 'idempotency-key': 'k'.repeat(300) } }),
    400,
    'INVALID_IDEMPOTENCY_KEY',
  ),
  invalid(
    'POST /payouts/request with a non-ASCII Idempotency-Key',
    'payouts',
    (c) => ({ ...request({ amount: 5_000 })(c), headers: { 'idempotency-key': 'clé-ünïcode' } }),
    400,
    'INVALID_IDEMPOTENCY_KEY',
  ),
  invalid(
    'POST /payouts/request with an empty Idempotency-Key',
    'payouts',
    (c) => ({ ...request({ amount: 5_000 })(c), headers: { 'idempotency-key': '' } }),
    400,
    'INVALID_IDEMPOTENCY_KEY',
  ),
  // Base64 bodies.
  invalid(
    'POST /payouts/request, base64 body with mass assignment',
    'payouts',
    requestRaw(
      Buffer.from('{"amount":5000,"status":"completed"}').toString('base64'),
      { 'content-type': 'application/json' },
      true,
    ),
  ),
  invalid(
    'POST /payouts/request, base64 body that is not JSON',
    'payouts',
    requestRaw(Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64'), { 'content-type': 'application/json' }, true),
    400,
    'INVALID_JSON',
  ),
  invalid(
    'POST /payouts/request, base64 body decoding past the size limit',
    'payouts',
    requestRaw(
      Buffer.from(JSON.stringify({ amount: 5_000, pad: 'x'.repeat(17_000) })).toString('base64'),
      { 'content-type': 'application/json' },
      true,
    ),
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  invalid(
    'POST /payouts/request, plain JSON flagged as base64',
    'payouts',
    requestRaw('{"amount":5000}', { 'content-type': 'application/json' }, true),
    400,
    'INVALID_JSON',
  ),
  invalid('POST /admin/payouts/{id}/process, base64 body with mass assignment', 'admin', (c) =>
    admin(c, {
      method: 'POST',
      path: `/admin/payouts/${c.payoutA}/process`,
      rawBody: Buffer.from('{"status":"failed","amount":1}').toString('base64'),
      headers: { 'content-type': 'application/json' },
      isBase64Encoded: true,
    }),
  ),
  // Wrong content types and shapes.
  ...[
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/jsonp',
    'multipart/form-data; boundary=x',
    'application/json-patch+json',
  ].map((type) =>
    invalid(
      `POST /payouts/request as ${type}`,
      'payouts',
      requestRaw('{"amount":5000}', { 'content-type': type }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ),
  ),
  invalid(
    'POST /payouts/request with no Content-Type',
    'payouts',
    requestRaw('{"amount":5000}', {}),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ),
  invalid(
    'POST /admin/payouts/{id}/process as text/plain',
    'admin',
    moveRaw('{"status":"failed"}', { 'content-type': 'text/plain' }),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ),
  invalid(
    'POST /admin/payouts/process as form data',
    'admin',
    (c) =>
      admin(c, {
        method: 'POST',
        path: '/admin/payouts/process',
        rawBody: 'items=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ),
  invalid('POST /payouts/request with malformed JSON', 'payouts', requestRaw('{"amount":5000'), 400, 'INVALID_JSON'),
  invalid('POST /payouts/request with a JSON array', 'payouts', requestRaw('[{"amount":5000}]'), 400, 'INVALID_BODY'),
  invalid('POST /payouts/request with a JSON string', 'payouts', requestRaw('"amount"'), 400, 'INVALID_BODY'),
  invalid(
    'POST /payouts/request with an empty body',
    'payouts',
    requestRaw(''),
    400,
    'VALIDATION_ERROR',
    mentions('amount'),
  ),
  // Odd payout ids and paths.
  ...[
    ['path traversal, encoded', '..%2F..%2Fetc%2Fpasswd'],
    ['unicode', 'p%C3%A4yout-%C3%BC'],
    ['an emoji', '%F0%9F%92%B8'],
    ['a NUL byte', 'abc%00def'],
    ['10 KB', 'a'.repeat(10_240)],
    ['a quote and SQL', "'%20OR%201%3D1%20--"],
    ['a well-formed id that does not exist', '00000000-0000-4000-8000-000000000000'],
  ].flatMap(([label, id]) => [
    invalid(
      `GET /payouts/{id} with ${label}`,
      'payouts',
      (c) => affiliate(c, { path: `/payouts/${id}` }),
      404,
      'PAYOUT_NOT_FOUND',
    ),
    invalid(
      `POST /payouts/{id}/cancel with ${label}`,
      'payouts',
      (c) => affiliate(c, { method: 'POST', path: `/payouts/${id}/cancel` }),
      404,
      'PAYOUT_NOT_FOUND',
    ),
    invalid(
      `GET /admin/payouts/{id} with ${label}`,
      'admin',
      (c) => admin(c, { path: `/admin/payouts/${id}` }),
      404,
      'PAYOUT_NOT_FOUND',
    ),
    invalid(
      `POST /admin/payouts/{id}/process with ${label}`,
      'admin',
      (c) => admin(c, { method: 'POST', path: `/admin/payouts/${id}/process`, body: { status: 'failed' } }),
      404,
      'PAYOUT_NOT_FOUND',
    ),
  ]),
  invalid(
    'GET /admin/affiliates/{id}/balance with a 300-character id',
    'admin',
    (c) => admin(c, { path: `/admin/affiliates/${'a'.repeat(300)}/balance` }),
    404,
    'AFFILIATE_NOT_FOUND',
  ),
  invalid(
    'GET /admin/affiliates/{id}/balance with a space',
    'admin',
    (c) => admin(c, { path: '/admin/affiliates/aff%20h/balance' }),
    404,
    'AFFILIATE_NOT_FOUND',
  ),
  invalid(
    'an unnormalized path climbing into the admin routes',
    'payouts',
    (c) => affiliate(c, { path: '/payouts/../admin/payouts' }),
    404,
    'ROUTE_NOT_FOUND',
  ),
  invalid(
    'malformed percent-encoding',
    'payouts',
    (c) => affiliate(c, { path: '/payouts/%E0%A4%A' }),
    404,
    'ROUTE_NOT_FOUND',
  ),
  invalid(
    'an admin route sent to the affiliate function',
    'payouts',
    (c) => admin(c, { path: '/admin/payouts' }),
    404,
    'ROUTE_NOT_FOUND',
  ),
  invalid(
    'PUT /payouts/request',
    'payouts',
    (c) => affiliate(c, { method: 'PUT', path: '/payouts/request', body: { amount: 5_000 } }),
    405,
    'METHOD_NOT_ALLOWED',
  ),
  invalid(
    'DELETE /admin/payouts/{id}',
    'admin',
    (c) => admin(c, { method: 'DELETE', path: `/admin/payouts/${c.payoutA}` }),
    405,
    'METHOD_NOT_ALLOWED',
  ),
  // Who is calling: an admin on the affiliate side, look-alike admin claims.
  invalid(
    'POST /payouts/request with an admin token (no affiliate behind it)',
    'payouts',
    (c) => ({ ...request({ amount: 5_000 })(c), token: c.tokens.admin }),
    403,
    'NOT_AN_AFFILIATE',
  ),
  invalid(
    'an admin route with role "Admin"',
    'admin',
    async () => ({ path: '/admin/payouts', token: await hs256({ sub: 'admin-h', role: 'Admin', exp: now() + 600 }) }),
    403,
    'ADMIN_ONLY',
  ),
  invalid(
    'an admin route with groups ["admins"]',
    'admin',
    async () => ({
      path: '/admin/payouts',
      token: await hs256({ sub: 'admin-h', 'cognito:groups': ['admins'], exp: now() + 600 }),
    }),
    403,
    'ADMIN_ONLY',
  ),
  invalid(
    'an admin route with groups "admin" as a string',
    'admin',
    async () => ({
      path: '/admin/payouts',
      token: await hs256({ sub: 'admin-h', 'cognito:groups': 'admin', exp: now() + 600 }),
    }),
    403,
    'ADMIN_ONLY',
  ),
];

const CASES: HostileCase[] = [...tokenCases, ...jwksCases, ...functionLevelCases, ...inputCases];

describe(`Hostile input: ${CASES.length} cases over every route of both functions`, () => {
  let system: System;
  let jwks: System;
  let jwksServer: Server;
  let before: string;
  const context = {} as Context;
  const figures = { cases: 0, answers500: 0, writes: 0, byStatus: {} as Record<string, number> };

  /** Everything in the three tables, hashed: a case that wrote anything changes it. */
  const tablesHash = async () => {
    const snap = await snapshot(system.db.client, system.db.tables);
    const sorted = (items: Record<string, unknown>[]) =>
      items.map((item) => JSON.stringify(item, Object.keys(item).sort())).sort();
    return createHash('sha256')
      .update(JSON.stringify([sorted(snap.affiliates), sorted(snap.payouts), sorted(snap.idempotency)]))
      .digest('hex');
  };

  beforeAll(async () => {
    system = await createSystem();
    await system.db.seed([
      {
        affiliate_id: 'aff-h-a',
        user_id: 'user-h-a',
        status: 'active',
        total_earned: 100_000,
        payment_method: 'paypal',
        payment_email: 'a@example.com',
      },
      {
        affiliate_id: 'aff-h-b',
        user_id: 'user-h-b',
        status: 'active',
        total_earned: 100_000,
        payment_method: 'zelle',
        payment_email: 'b@example.com',
      },
    ]);
    context.tokens = {
      a: await cachedToken('user-h-a'),
      b: await cachedToken('user-h-b'),
      admin: await cachedToken('admin-h', true),
    };
    const make = async (token: string, amount: number, key?: string) => {
      const result = await invoke(system.payouts, {
        method: 'POST',
        path: '/payouts/request',
        token,
        body: { amount },
        ...(key ? { headers: { 'idempotency-key': key } } : {}),
      });
      if (result.status !== 201) throw new Error(`seeding: ${result.status} ${result.body}`);
      return result.json.data.payout.payout_id as string;
    };
    context.payoutA = await make(context.tokens.a, 5_000, 'hostile-seed');
    await make(context.tokens.a, 6_000);
    context.payoutB = await make(context.tokens.b, 7_000);
    const page = await invoke(system.payouts, { path: '/payouts', query: { limit: '1' }, token: context.tokens.a });
    context.cursorA = page.json.data.next_cursor;
    const adminPage = await invoke(system.admin, {
      path: '/admin/payouts',
      query: { status: 'pending', limit: '1' },
      token: context.tokens.admin,
    });
    context.adminCursorPending = adminPage.json.data.next_cursor;
    expect(context.cursorA, 'an affiliate cursor to tamper with').toEqual(expect.any(String));
    expect(context.adminCursorPending, 'an admin cursor to tamper with').toEqual(expect.any(String));

    // A provider's JWKS on 127.0.0.1, and a runtime verifying against it (pinned issuer and audience).
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'reliability-key', alg: 'RS256', use: 'sig' };
    context.rsa = { privateKey, publicPem: await exportSPKI(publicKey), publicJwk };
    context.otherRsa = (await generateKeyPair('RS256')).privateKey;
    jwksServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as { port: number };
    jwks = systemOn(
      system.db,
      testRuntime(system.db, {
        JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
        CURSOR_SECRET: TEST_SECRET,
      }),
    );
    before = await tablesHash();
  });

  const started = performance.now();
  afterAll(async () => {
    writeFigures('hostile', { ...figures, durationMs: Math.round(performance.now() - started) });
    jwksServer?.close();
    await system?.db.drop();
  });

  it('the JWKS runtime accepts a proper RS256 token (so its 401s below are about the token, not the setup)', async () => {
    const token = await rs256(context.rsa.privateKey, jwksClaims(false));
    const result = await invoke(jwks.payouts, { path: '/payouts/balance', token });
    expect(result.status, result.body).toBe(200);
    const adminResult = await invoke(jwks.admin, {
      path: '/admin/affiliates/aff-h-a/balance',
      token: await rs256(context.rsa.privateKey, jwksClaims(true)),
    });
    expect(adminResult.status, adminResult.body).toBe(200);
  });

  it('every route answers its success to the right token (so each 4xx below is about the attack)', async () => {
    for (const route of ROUTES.filter((spec) => spec.build(context).method !== 'POST')) {
      const result = await invoke(route.fn === 'admin' ? system.admin : system.payouts, {
        ...route.build(context),
        token: route.fn === 'admin' ? context.tokens.admin : context.tokens.a,
      });
      expect(result.status, `${route.label}: ${result.body.slice(0, 200)}`).toBe(200);
    }
  });

  it.each(CASES.map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
    const handler = { payouts: system.payouts, admin: system.admin, jwksPayouts: jwks.payouts, jwksAdmin: jwks.admin }[
      hostile.fn
    ];
    const result = await invoke(handler, await hostile.request(context));
    figures.cases += 1;
    figures.byStatus[result.status] = (figures.byStatus[result.status] ?? 0) + 1;
    if (result.status >= 500) figures.answers500 += 1;
    const after = await tablesHash();
    if (after !== before) {
      figures.writes += 1;
      before = after;
    }
    expect(after, 'the tables changed: the case wrote something').toBe(before);
    expect(result.status, result.body.slice(0, 300)).toBe(hostile.status);
    expect(result.json?.success, result.body.slice(0, 300)).toBe(hostile.status < 400);
    if (hostile.status >= 400) {
      expect(result.json.code).toBe(hostile.code);
      // A sentence a person can act on: no stack, no "[object Object]", no zod's bare "Invalid input".
      expect(result.json.message).toMatch(/^\S.{9,}/);
      expect(result.json.message).not.toMatch(/\bat \S+:\d+|\[object |undefined|^Invalid input$/);
    }
    const extra = hostile.extra?.(result);
    expect(extra, result.body.slice(0, 300)).toBeUndefined();
  });

  it(`tried at least 40 cases and wrote nothing`, async () => {
    expect(figures.cases).toBe(CASES.length);
    expect(figures.cases).toBeGreaterThanOrEqual(40);
    expect(figures.answers500).toBe(0);
    expect(figures.writes).toBe(0);
    // Count the items too, as the issue asks: 2 affiliates, 3 payouts, 1 idempotency record.
    const snap = await snapshot(system.db.client, system.db.tables);
    expect([snap.affiliates.length, snap.payouts.length, snap.idempotency.length]).toEqual([2, 3, 1]);
  });
});

describe('Hostile input through the real HTTP server: two Authorization headers', () => {
  let server: RunningServer;
  const users = [
    {
      affiliate_id: 'aff-srv-a',
      user_id: 'user-srv-a',
      status: 'active',
      total_earned: 100_000,
      payment_method: 'paypal' as const,
      payment_email: 'a@example.com',
    },
    {
      affiliate_id: 'aff-srv-b',
      user_id: 'user-srv-b',
      status: 'active',
      total_earned: 100_000,
      payment_method: 'paypal' as const,
      payment_email: 'b@example.com',
    },
  ];
  /** The server's own DynamoDB Local, from its banner: to count the items before and after. */
  const countItems = async () => {
    const endpoint = /DynamoDB Local on (http:\/\/\S+)/.exec(server.output())?.[1];
    if (!endpoint) throw new Error(`no DynamoDB endpoint in the banner:\n${server.output()}`);
    const client = createDocumentClient({ region: 'us-east-1', endpoint });
    try {
      const counts = await Promise.all(
        Object.values(DEFAULT_TABLE_NAMES).map(
          async (TableName) => (await client.send(new ScanCommand({ TableName, Select: 'COUNT' }))).Count,
        ),
      );
      return counts;
    } finally {
      client.destroy();
    }
  };
  /** A raw HTTP request: fetch cannot send one header twice, a socket can. */
  const raw = (lines: string[], body = '') =>
    new Promise<string>((resolve, reject) => {
      const url = new URL(server.baseUrl);
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `${[...lines, `Host: ${url.host}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`,
        );
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });

  beforeAll(async () => {
    server = await startServer({ affiliates: users });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 401 to a request carrying two Authorization headers, and writes nothing', async () => {
    const a = await cachedToken('user-srv-a');
    const b = await cachedToken('user-srv-b');
    const control = await call(server.baseUrl, '/payouts/balance', { token: a });
    expect(control.status, control.text).toBe(200);
    const before = await countItems();
    const reading = await raw([
      'GET /payouts/balance HTTP/1.1',
      `Authorization: Bearer ${a}`,
      `Authorization: Bearer ${b}`,
    ]);
    expect(reading).toMatch(/^HTTP\/1\.1 401 /);
    expect(reading).toMatch(/"code":"UNAUTHORIZED"/);
    const writing = await raw(
      [
        'POST /payouts/request HTTP/1.1',
        `Authorization: Bearer ${b}`,
        `Authorization: Bearer ${a}`,
        'Content-Type: application/json',
      ],
      '{"amount":5000}',
    );
    expect(writing).toMatch(/^HTTP\/1\.1 401 /);
    const adminToken = await cachedToken('admin-srv', true);
    const admin = await raw([
      'GET /admin/payouts HTTP/1.1',
      `Authorization: Bearer ${a}`,
      `Authorization: Bearer ${adminToken}`,
    ]);
    expect(admin).toMatch(/^HTTP\/1\.1 401 /);
    expect(await countItems()).toEqual(before);
  });
});
