import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { affiliate, TEST_SECRET } from '../support/app.ts';
import { adminApp, type AdminApp } from '../support/admin.ts';
import { invoke } from '../support/http.ts';

// What Lambda sets: cold_start is reported only for on-demand initialization (not provisioned concurrency).
const ENV = {
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};

/** Every line the functions write to stdout (as in Lambda, where stdout goes to CloudWatch Logs). */
function captureStdout() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  return {
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => !('_aws' in entry)),
    metrics: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => '_aws' in entry),
    raw: () => lines,
    restore: () => spy.mockRestore(),
  };
}

type Capture = ReturnType<typeof captureStdout>;

/** The metric values of one EMF line, by name. */
const valuesOf = (emf: Record<string, unknown>) => {
  const aws = emf._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
  return Object.fromEntries(aws.CloudWatchMetrics[0]!.Metrics.map(({ Name }) => [Name, emf[Name]]));
};

describe('Observability: logs with the Lambda context, and EMF business metrics', () => {
  const saved: Record<string, string | undefined> = {};
  const ann = affiliate('obs-ann', { total_earned: 100_000, payment_email: 'secret-person@example.com' });
  let app: AdminApp;
  let out: Capture;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(ENV)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    app = await adminApp([ann], {
      env: { LOG_LEVEL: 'debug', METRICS_ENABLED: 'true', METRICS_NAMESPACE: 'PayoutsTest' },
    });
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await app.db.drop();
  });
  beforeEach(() => {
    out = captureStdout();
  });
  afterEach(() => out.restore());

  it('logs JSON lines with the Lambda context, request id and cold start, and never a token, secret or e-mail', async () => {
    // Act
    const token = await app.affiliateToken(ann.user_id);
    const first = await invoke(app.payouts, {
      method: 'POST',
      path: '/payouts/request',
      token,
      body: { amount: 1_000, payment_email: 'other-person@example.com' },
    });
    await invoke(app.payouts, { path: '/payouts/balance', token: 'garbage.token.value' });
    await app.process(first.json.data.payout.payout_id, { status: 'completed', transaction_id: 'TX-OBS-1' });
    out.restore();

    // Assess
    const logs = out.logs();
    const requests = logs.filter((entry) => entry.message === 'request');
    expect(requests).toHaveLength(3);
    for (const entry of logs) {
      expect(entry).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        service: 'test',
        function_name: 'test',
        function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
        function_memory_size: 512,
        function_request_id: expect.any(String),
        cold_start: expect.any(Boolean),
        xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      });
    }
    // Our request id is Lambda's; the cold start is reported once (both functions share one runtime here).
    for (const entry of requests) expect(entry.request_id).toBe(entry.function_request_id);
    expect(requests.map((entry) => entry.cold_start)).toEqual([true, false, false]);
    expect(requests.map((entry) => entry.status)).toEqual([201, 401, 200]);
    for (const line of out.raw()) {
      expect(line).not.toContain(token);
      expect(line).not.toContain('garbage.token.value');
      expect(line).not.toContain(TEST_SECRET);
      expect(line).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    }
  });

  it('writes one EMF line per invocation that counted something: requests, amounts, replays and guard refusals', async () => {
    // Act
    const token = await app.affiliateToken(ann.user_id);
    const body = { amount: 2_500 };
    const headers = { 'idempotency-key': 'obs-key-1' };
    await invoke(app.payouts, { method: 'POST', path: '/payouts/request', token, body, headers });
    await invoke(app.payouts, { method: 'POST', path: '/payouts/request', token, body, headers });
    const refused = await invoke(app.payouts, {
      method: 'POST',
      path: '/payouts/request',
      token,
      body: { amount: 10_000_000 },
    });
    await invoke(app.payouts, { path: '/payouts/balance', token });
    out.restore();

    // Assess
    expect(refused.json.code).toBe('INSUFFICIENT_BALANCE');
    const lines = out.metrics();
    expect(lines.map(valuesOf)).toEqual([
      { PayoutsRequested: 1, PayoutsRequestedCents: 2_500 },
      { IdempotentReplays: 1 },
      { GuardRefusals: 1 },
    ]);
    const aws = lines[0]!._aws as {
      CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
    };
    expect(aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'PayoutsTest',
      Dimensions: [['service']],
      Metrics: [
        { Name: 'PayoutsRequested', Unit: 'Count' },
        { Name: 'PayoutsRequestedCents', Unit: 'None' },
      ],
    });
    expect(lines[0]!.service).toBe('test');
  });

  it('counts moves, completions and failures with their amounts, once per bulk request, and not a safe retry', async () => {
    // Prepare
    const [a, b, c, d] = [
      await app.request(ann.user_id, 1_000),
      await app.request(ann.user_id, 2_000),
      await app.request(ann.user_id, 3_000),
      await app.request(ann.user_id, 4_000),
    ];
    await app.process(c!, { status: 'failed' });
    out.restore();
    out = captureStdout();

    // Act
    await app.process(a!, { status: 'completed', transaction_id: 'TX-OBS-2' });
    await app.process(a!, { status: 'completed', transaction_id: 'TX-OBS-2' }); // a safe retry: nothing moved
    await invoke(app.admin, {
      method: 'POST',
      path: '/admin/payouts/process',
      token: app.adminToken,
      body: {
        items: [
          { payout_id: b, status: 'failed', notes: 'account closed' },
          { payout_id: c, status: 'completed', transaction_id: 'TX-OBS-3' }, // failed is final: a guard refusal
          { payout_id: d, status: 'processing' },
        ],
      },
    });
    await invoke(app.payouts, {
      method: 'POST',
      path: `/payouts/${d}/cancel`,
      token: await app.affiliateToken(ann.user_id),
    });
    out.restore();

    // Assess
    expect(out.metrics().map(valuesOf)).toEqual([
      { PayoutsMoved: 1, PayoutsMovedCents: 1_000, PayoutsCompleted: 1, PayoutsCompletedCents: 1_000 },
      { PayoutsMoved: 2, PayoutsMovedCents: 6_000, PayoutsFailed: 1, PayoutsFailedCents: 2_000, GuardRefusals: 1 },
      { GuardRefusals: 1 }, // d is processing now: an affiliate can no longer cancel it
    ]);
  });
});

describe('Observability: debug sampling', () => {
  it.each([
    [1, 1],
    [0, 0],
  ])(
    'with LOG_SAMPLE_RATE=%d, a function at LOG_LEVEL=error writes %d info line(s) per request',
    async (rate, expected) => {
      // Prepare
      const out = captureStdout();
      const app = await adminApp([], { env: { LOG_LEVEL: 'error', LOG_SAMPLE_RATE: String(rate) } });
      // A sampled invocation says so on its lines.
      const sampled = rate > 0 ? { sampling_rate: rate } : {};

      // Act
      await invoke(app.payouts, { path: '/payouts/balance' });
      out.restore();
      await app.db.drop();

      // Assess
      const requests = out.logs().filter((entry) => entry.message === 'request');
      expect(requests).toHaveLength(expected);
      for (const entry of requests) expect(entry).toMatchObject({ level: 'info', status: 401, ...sampled });
    },
  );
});
