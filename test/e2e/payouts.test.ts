import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceView, errorEnvelope } from '../../shared/schemas/common.ts';
import { payoutListView, summaryView } from '../../shared/schemas/payouts.ts';
import { affiliate, tokenFor } from '../support/app.ts';
import { call, startServer, type RunningServer } from '../support/server.ts';

const DASHBOARD = 'https://dashboard.example';

describe('The server `npm start` runs, over HTTP', () => {
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer({
      affiliates: [
        affiliate('e2e', { tier: 'tier2', total_earned: 40_000 }),
        affiliate('race', { total_earned: 12_345 }),
      ],
      env: { CORS_ALLOWED_ORIGINS: DASHBOARD },
    });
    token = await tokenFor('user-e2e');
  });
  afterAll(() => server.stop());

  it('prints a ready bearer token for a seeded affiliate and one for an admin, with curl lines', async () => {
    const printed = /export AFFILIATE_TOKEN=(\S+)/.exec(server.output())?.[1];
    expect(printed).toBeDefined();
    expect(server.output()).toMatch(/export ADMIN_TOKEN=\S+/);
    expect(server.output()).toContain(`curl -s ${server.baseUrl.replace('127.0.0.1', 'localhost')}/payouts/balance`);
    const res = await call(server.baseUrl, '/payouts/balance', { token: printed! });
    expect(res.status).toBe(200);
    expect(res.json.data.balance.total_earned).toBe(40_000);
  });

  it('runs the affiliate flow: request, balance, history, detail, cancel', async () => {
    const created = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token,
      body: { amount: 15_000 },
      headers: { 'idempotency-key': 'e2e-1' },
    });
    expect(created.status).toBe(201);
    const id = created.json.data.payout.payout_id;
    expect((await call(server.baseUrl, '/payouts/balance', { token })).json.data.balance).toEqual({
      total_earned: 40_000,
      total_paid: 0,
      pending: 15_000,
      available: 25_000,
    });
    const history = await call(server.baseUrl, '/payouts?limit=5', { token });
    // The zod response schemas are the contract: every answer must parse with them.
    expect(payoutListView.safeParse(history.json.data).success).toBe(true);
    expect(history.json.data).toMatchObject({
      total: 1,
      next_cursor: null,
      payouts: [{ payout_id: id, status: 'pending' }],
    });
    expect((await call(server.baseUrl, `/payouts/${id}`, { token })).json.data.payout.history).toHaveLength(1);
    const summary = await call(server.baseUrl, '/payouts/summary', { token });
    expect(summaryView.safeParse(summary.json.data).success).toBe(true);
    expect(
      balanceView.safeParse((await call(server.baseUrl, '/payouts/balance', { token })).json.data.balance).success,
    ).toBe(true);
    expect(summary.json.data).toMatchObject({
      minimum_payout: 10_000,
      payout_count: 1,
      last_payout: { payout_id: id },
    });
    const cancelled = await call(server.baseUrl, `/payouts/${id}/cancel`, { method: 'POST', token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.data.payout.status).toBe('cancelled');
    expect((await call(server.baseUrl, '/payouts/balance', { token })).json.data.balance.available).toBe(40_000);
  });

  it('lets exactly one of 50 simultaneous full-balance requests through', async () => {
    const raceToken = await tokenFor('user-race');
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(server.baseUrl, '/payouts/request', { method: 'POST', token: raceToken, body: { amount: 12_345 } }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 400)).toHaveLength(49);
    expect((await call(server.baseUrl, '/payouts/balance', { token: raceToken })).json.data.balance).toMatchObject({
      pending: 12_345,
      available: 0,
    });
  });

  it('answers a CORS preflight with exactly one Access-Control-Allow-Origin for an allowed origin', async () => {
    const res = await fetch(`${server.baseUrl}/payouts/request`, {
      method: 'OPTIONS',
      headers: {
        origin: DASHBOARD,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    const raw = [...res.headers.entries()].filter(([name]) => name === 'access-control-allow-origin');
    expect(raw).toEqual([['access-control-allow-origin', DASHBOARD]]);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('gives a disallowed origin no Access-Control-Allow-Origin, on preflights and answers alike', async () => {
    const preflight = await fetch(`${server.baseUrl}/payouts/request`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(`${server.baseUrl}/payouts/balance`, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds CORS headers to error answers too', async () => {
    const res = await fetch(`${server.baseUrl}/payouts/balance`, { headers: { origin: DASHBOARD } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each([
    ['no token', undefined, 401],
    ['a garbage token', 'garbage', 401],
  ])('answers %s with %i', async (_name, bearer, status) => {
    const res = await call(server.baseUrl, '/payouts', bearer ? { token: bearer } : {});
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
    expect(errorEnvelope.safeParse(res.json).success).toBe(true);
  });

  it('answers 404, 405 and 415 with the error envelope', async () => {
    expect((await call(server.baseUrl, '/nowhere', { token })).status).toBe(404);
    const wrongMethod = await call(server.baseUrl, '/payouts/balance', { method: 'DELETE', token });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, OPTIONS');
    const wrongType = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token,
      body: 'amount=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('Starting the server', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
      env: { ...process.env, PORT: '0', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('refuses a JWT_SECRET shorter than 32 bytes', () => {
    const result = run({ JWT_SECRET: 'too-short' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/JWT_SECRET must be at least 32 bytes/);
  });

  it('refuses a SEED_FILE that is not a list of affiliates, saying where', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'seed-')), 'bad.json');
    writeFileSync(file, JSON.stringify([{ affiliate_id: 'a', user_id: 'u', status: 'active', total_earned: 10.5 }]));
    const result = run({ SEED_FILE: file });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/SEED_FILE .* not valid at 0\.total_earned/);
  });
});
