import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayoutsHandler } from '../../lambdas/payouts/app.ts';
import { createLogger } from '../../shared/logger.ts';
import { planMove } from '../../shared/domain/payout.ts';
import { DynamoPayoutStore } from '../../shared/store/dynamodb/payout-store.ts';
import { IDEMPOTENCY } from '../../shared/store/dynamodb/tables.ts';
import { affiliate, payoutsApp, testRuntime, tokenFor } from '../support/app.ts';
import { hookCommands } from '../support/hooks.ts';
import { invoke, type InvokeResult } from '../support/http.ts';

type App = Awaited<ReturnType<typeof payoutsApp>>;

const AFFILIATES = [
  affiliate('rich', { tier: 'tier1', total_earned: 100_000 }),
  affiliate('plain', { total_earned: 20_000 }),
  affiliate('other', { total_earned: 50_000 }),
  affiliate('noemail', { total_earned: 50_000, payment_method: undefined, payment_email: undefined }),
  affiliate('inactive', { status: 'suspended', total_earned: 50_000 }),
  affiliate('paging', { total_earned: 1_000_000 }),
  affiliate('idem', { total_earned: 1_000_000 }),
  affiliate('race', { total_earned: 7_777 }),
  affiliate('grow', { total_earned: 10_000 }),
  affiliate('cancel', { total_earned: 100_000 }),
  affiliate('claw', { total_earned: 30_000 }),
  affiliate('clawback', { total_earned: 30_000 }),
  affiliate('late', { total_earned: 40_000 }),
];

let app: App;
const tokens: Record<string, string> = {};

async function counters(id: string) {
  const { Item } = await app.db.client.send(
    new GetCommand({ TableName: app.db.tables.affiliates, Key: { affiliate_id: `aff-${id}` }, ConsistentRead: true }),
  );
  return {
    earned: Item?.total_earned,
    paid: Item?.total_paid,
    pending: Item?.total_pending,
    count: Item?.payout_count,
  };
}

async function payoutsOf(id: string) {
  const { Items = [] } = await app.db.client.send(
    new ScanCommand({ TableName: app.db.tables.payouts, ConsistentRead: true }),
  );
  return Items.filter((item) => item.affiliate_id === `aff-${id}`);
}

/** Writes one affiliate field directly, as the commissions system (or a drifted counter) would. */
const setField = (who: string, field: 'total_earned' | 'total_pending', value: number) =>
  app.db.client.send(
    new UpdateCommand({
      TableName: app.db.tables.affiliates,
      Key: { affiliate_id: `aff-${who}` },
      UpdateExpression: 'SET #field = :value',
      ExpressionAttributeNames: { '#field': field },
      ExpressionAttributeValues: { ':value': value },
    }),
  );

const request = (who: string, body: unknown, headers: Record<string, string> = {}) =>
  invoke(app.handler, { method: 'POST', path: '/payouts/request', token: tokens[who]!, body, headers });
const get = (who: string, path: string, query?: Record<string, string>) =>
  invoke(app.handler, { path, token: tokens[who]!, ...(query ? { query } : {}) });

beforeAll(async () => {
  app = await payoutsApp(AFFILIATES);
  for (const { user_id } of AFFILIATES) tokens[user_id.replace('user-', '')] = await tokenFor(user_id);
  tokens.stranger = await tokenFor('user-without-affiliate');
});
afterAll(() => app.db.drop());

describe('GET /payouts/balance and /payouts/summary', () => {
  it('reports earned, paid, pending and available in cents', async () => {
    const res = await get('plain', '/payouts/balance');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      success: true,
      message: 'Success',
      data: { balance: { total_earned: 20_000, total_paid: 0, pending: 0, available: 20_000 } },
    });
  });

  it('reports the summary with the tier minimum, count and last payout', async () => {
    const res = await get('rich', '/payouts/summary');
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({
      affiliate_id: 'aff-rich',
      tier: 'tier1',
      total_earned: 100_000,
      total_paid: 0,
      pending: 0,
      available: 100_000,
      balance: { total_earned: 100_000, available: 100_000 },
      minimum_payout: 5_000,
      payout_count: 0,
      last_payout: null,
    });
  });

  it('answers 403 to a user who is not an affiliate', async () => {
    const res = await get('stranger', '/payouts/balance');
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ success: false, code: 'NOT_AN_AFFILIATE' });
  });
});

describe('POST /payouts/request', () => {
  it('creates a pending payout with the affiliate defaults and reserves the amount', async () => {
    const res = await request('rich', { amount: 6_000 });
    expect(res.status).toBe(201);
    expect(res.json.message).toBe('Payout request submitted successfully');
    expect(res.json.data.payout).toMatchObject({
      amount: 6_000,
      payment_method: 'paypal',
      payment_email: 'rich@example.com',
      status: 'pending',
    });
    expect(res.json.data.payout.payout_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(res.json.data.payout.requested_at).toISOString()).toBe(res.json.data.payout.requested_at);
    expect(await counters('rich')).toEqual({ earned: 100_000, paid: 0, pending: 6_000, count: 1 });
    const balance = await get('rich', '/payouts/balance');
    expect(balance.json.data.balance).toEqual({
      total_earned: 100_000,
      total_paid: 0,
      pending: 6_000,
      available: 94_000,
    });
    const summary = await get('rich', '/payouts/summary');
    expect(summary.json.data).toMatchObject({
      payout_count: 1,
      last_payout: { payout_id: res.json.data.payout.payout_id, amount: 6_000 },
    });
  });

  it('takes payment_method and payment_email from the body over the record', async () => {
    const res = await request('plain', { amount: 1_500, payment_method: 'zelle', payment_email: 'zelle@example.com' });
    expect(res.status).toBe(201);
    expect(res.json.data.payout).toMatchObject({ payment_method: 'zelle', payment_email: 'zelle@example.com' });
  });

  it.each([
    ['zero', { amount: 0 }],
    ['negative', { amount: -1 }],
    ['fractional', { amount: 10.5 }],
    ['a string', { amount: '1000' }],
    ['1e21', { amount: 1e21 }],
    ['null', { amount: null }],
    ['missing', {}],
    ['above the cap', { amount: 10_000_001 }],
    ['an unknown method', { amount: 2_000, payment_method: 'bitcoin' }],
    ['a bad email', { amount: 2_000, payment_email: 'not-an-email' }],
    ['an unknown field (mass assignment)', { amount: 2_000, status: 'completed' }],
    ['a counter in the body', { amount: 2_000, total_earned: 99_999_999 }],
  ])('answers 400 to an amount that is %s and writes nothing', async (_name, body) => {
    const before = await counters('other');
    const res = await request('other', body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: 'VALIDATION_ERROR' });
    expect(res.json.message.length).toBeGreaterThan(10);
    expect(await counters('other')).toEqual(before);
    expect(await payoutsOf('other')).toHaveLength(0);
  });

  it('answers 400 below the tier minimum, naming it', async () => {
    const res = await request('rich', { amount: 4_999 });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'BELOW_MINIMUM', message: expect.stringContaining('5000 cents ($50.00)') });
  });

  it('applies the default minimum of 1000 cents to an affiliate without a tier', async () => {
    expect((await request('other', { amount: 999 })).json.code).toBe('BELOW_MINIMUM');
    expect((await request('other', { amount: 1_000 })).status).toBe(201);
  });

  it('answers 400 above the available balance, naming it, and writes nothing', async () => {
    const before = await counters('plain');
    const available = before.earned - before.paid - before.pending;
    const res = await request('plain', { amount: available + 1 });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      message: expect.stringContaining(`${available} cents`),
    });
    expect(await counters('plain')).toEqual(before);
  });

  it('answers 403 to an inactive affiliate and to a non-affiliate', async () => {
    expect((await request('inactive', { amount: 2_000 })).json).toMatchObject({ code: 'AFFILIATE_INACTIVE' });
    expect((await request('inactive', { amount: 2_000 })).status).toBe(403);
    expect((await request('stranger', { amount: 2_000 })).status).toBe(403);
    expect(await payoutsOf('inactive')).toHaveLength(0);
  });

  it('requires a payment email when the affiliate record has none', async () => {
    const noMethod = await request('noemail', { amount: 2_000 });
    expect(noMethod.status).toBe(400);
    expect(noMethod.json.code).toBe('PAYMENT_METHOD_REQUIRED');
    const noEmail = await request('noemail', { amount: 2_000, payment_method: 'paypal' });
    expect(noEmail.json.code).toBe('PAYMENT_EMAIL_REQUIRED');
    const complete = await request('noemail', {
      amount: 2_000,
      payment_method: 'zelle',
      payment_email: 'n@example.com',
    });
    expect(complete.status).toBe(201);
  });

  it.each([
    ['malformed JSON', '{"amount": 2000', 'application/json', 400, 'INVALID_JSON'],
    ['an array body', '[2000]', 'application/json', 400, 'INVALID_BODY'],
    ['a null body', 'null', 'application/json', 400, 'INVALID_BODY'],
    ['a number body', '2000', 'application/json', 400, 'INVALID_BODY'],
    ['a text/plain body', '{"amount":2000}', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a form body', 'amount=2000', 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'a __proto__ key',
      '{"amount":2000,"__proto__":{"status":"completed"}}',
      'application/json',
      400,
      'VALIDATION_ERROR',
    ],
    [
      'a body over 16 KB',
      JSON.stringify({ amount: 2000, pad: 'x'.repeat(17_000) }),
      'application/json',
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('answers %s with its 4xx', async (_name, rawBody, contentType, status, code) => {
    const res = await invoke(app.handler, {
      method: 'POST',
      path: '/payouts/request',
      token: tokens.other!,
      rawBody,
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ success: false, code });
  });

  it('answers 400 naming the amount to a request with no body at all', async () => {
    const res = await invoke(app.handler, { method: 'POST', path: '/payouts/request', token: tokens.other! });
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/amount is required/);
  });

  it('decodes a base64 body the way a Function URL delivers it', async () => {
    const res = await invoke(app.handler, {
      method: 'POST',
      path: '/payouts/request',
      token: tokens.other!,
      rawBody: Buffer.from(JSON.stringify({ amount: 1_200 })).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(res.json.data.payout.amount).toBe(1_200);
  });
});

describe('Concurrency: the balance guard', () => {
  it('lets exactly one of 50 simultaneous full-balance requests through', async () => {
    const { earned } = await counters('race');
    const answers = await Promise.all(Array.from({ length: 50 }, () => request('race', { amount: earned })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(49);
    expect(answers.filter((a) => a.status === 400).every((a) => a.json.code === 'INSUFFICIENT_BALANCE')).toBe(true);
    expect(await counters('race')).toEqual({ earned, paid: 0, pending: earned, count: 1 });
    expect(await payoutsOf('race')).toHaveLength(1);
  });

  it('never overdraws while total_earned rises concurrently, and uses the new earnings', async () => {
    const raise = () =>
      app.db.client.send(
        new UpdateCommand({
          TableName: app.db.tables.affiliates,
          Key: { affiliate_id: 'aff-grow' },
          UpdateExpression: 'ADD total_earned :ten',
          ExpressionAttributeValues: { ':ten': 1_000 },
        }),
      );
    const work = [
      ...Array.from({ length: 20 }, () => request('grow', { amount: 1_000 })),
      ...Array.from({ length: 10 }, () => raise()),
    ];
    await Promise.all(work);
    const after = await counters('grow');
    expect(after.earned).toBe(20_000);
    expect(after.pending).toBeLessThanOrEqual(after.earned);
    const rows = await payoutsOf('grow');
    expect(rows.reduce((sum, row) => sum + (row.amount as number), 0)).toBe(after.pending);
    // Whatever raced, what is left can still be requested: the guard and the balance agree.
    const balance = (await get('grow', '/payouts/balance')).json.data.balance;
    expect(balance).toEqual({
      total_earned: 20_000,
      total_paid: 0,
      pending: after.pending,
      available: 20_000 - after.pending,
    });
    if (balance.available >= 1_000) expect((await request('grow', { amount: balance.available })).status).toBe(201);
    expect((await counters('grow')).pending).toBe(20_000);
  });
});

describe('Earnings clawed back while requests race', () => {
  it('never reserves more than what is earned when total_earned falls concurrently', async () => {
    // The writes are ordered, not raced: all ten requests read the record (earned 30_000, nothing pending) before
    // any of them commits, and the earnings fall to 10_000 just before the first transaction. Every reservation
    // decided on the old figure must be refused at commit and re-decided on the new one: five of 2_000 fit.
    const requests = 10;
    await setField('claw', 'total_earned', 30_000);
    const hooked = testRuntime(app.db);
    let reads = 0;
    let readsBeforeDrop = -1;
    let everyoneRead!: () => void;
    const allRead = new Promise<void>((resolve) => (everyoneRead = resolve));
    let drop: Promise<unknown> | undefined;
    hookCommands(hooked.client, async (call, send) => {
      if (call.command === 'GetItemCommand' && call.tables[0] === app.db.tables.affiliates) {
        const output = await send();
        if (++reads === requests) everyoneRead();
        return output;
      }
      if (call.command === 'TransactWriteItemsCommand') {
        // Bounded wait: if a request no longer reads before it commits, the assertion on readsBeforeDrop says so.
        await Promise.race([allRead, new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
        drop ??= setField('claw', 'total_earned', 10_000).then(() => (readsBeforeDrop = reads));
        await drop;
      }
      return send();
    });
    const handler = createPayoutsHandler(hooked);

    const answers = await Promise.all(
      Array.from({ length: requests }, () =>
        invoke(handler, { method: 'POST', path: '/payouts/request', token: tokens.claw!, body: { amount: 2_000 } }),
      ),
    );
    hooked.client.destroy();

    expect(readsBeforeDrop).toBe(requests);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(5);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused).toHaveLength(5);
    for (const answer of refused)
      expect(answer.json).toMatchObject({
        code: 'INSUFFICIENT_BALANCE',
        message: expect.stringContaining('balance of 0 cents'),
      });
    expect(await counters('claw')).toEqual({ earned: 10_000, paid: 0, pending: 10_000, count: 5 });
    const rows = await payoutsOf('claw');
    expect(rows.reduce((sum, row) => sum + (row.amount as number), 0)).toBe(10_000);
    expect((await get('claw', '/payouts/balance')).json.data.balance).toEqual({
      total_earned: 10_000,
      total_paid: 0,
      pending: 10_000,
      available: 0,
    });
    expect((await request('claw', { amount: 2_000 })).json.code).toBe('INSUFFICIENT_BALANCE');
  });
});

describe('A clawback between the read and the commit', () => {
  it('cancels the reservation made on earnings that are gone, and re-decides on the fresh record', async () => {
    // The commissions system lowers total_earned after the request read the record, before it commits.
    class ClawbackFirst extends DynamoPayoutStore {
      override async reservePayout(...args: Parameters<DynamoPayoutStore['reservePayout']>) {
        await setField('clawback', 'total_earned', 5_000);
        return super.reservePayout(...args);
      }
    }
    const handler = createPayoutsHandler({ ...app.runtime, store: new ClawbackFirst(app.db.client, app.db.tables) });
    const res = await invoke(handler, {
      method: 'POST',
      path: '/payouts/request',
      token: tokens.clawback!,
      body: { amount: 20_000 },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'INSUFFICIENT_BALANCE', message: expect.stringContaining('5000 cents') });
    expect(await counters('clawback')).toMatchObject({ earned: 5_000, pending: 0 });
    expect(await payoutsOf('clawback')).toHaveLength(0);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer and never creates a second payout', async () => {
    const first = await request('idem', { amount: 2_500 }, { 'idempotency-key': 'key-1' });
    const second = await request('idem', { amount: 2_500 }, { 'idempotency-key': 'key-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['Idempotent-Replayed']).toBe('true');
    expect((await payoutsOf('idem')).filter((p) => p.amount === 2_500)).toHaveLength(1);
  });

  it('answers 422 to the same key with a different body', async () => {
    await request('idem', { amount: 3_000 }, { 'idempotency-key': 'key-2' });
    const res = await request('idem', { amount: 3_001 }, { 'idempotency-key': 'key-2' });
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('replays even after the balance is used up (the retry is not a new request)', async () => {
    const { earned, paid, pending } = await counters('idem');
    const rest = earned - paid - pending;
    const first = await request('idem', { amount: rest }, { 'idempotency-key': 'drain' });
    const retry = await request('idem', { amount: rest }, { 'idempotency-key': 'drain' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json.data.payout.payout_id).toBe(first.json.data.payout.payout_id);
  });

  it('scopes keys to the user: the same key from another affiliate is a new request', async () => {
    const mine = await request('other', { amount: 1_000 }, { 'idempotency-key': 'shared-key' });
    const theirs = await request('plain', { amount: 1_000 }, { 'idempotency-key': 'shared-key' });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.json.data.payout.payout_id).not.toBe(mine.json.data.payout.payout_id);
  });

  it('creates one payout for 10 simultaneous requests with one key', async () => {
    const before = (await payoutsOf('paging')).length;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => request('paging', { amount: 1_111 }, { 'idempotency-key': 'burst' })),
    );
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.json.data.payout.payout_id));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect((await payoutsOf('paging')).length).toBe(before + 1);
  });

  it('refuses a malformed key', async () => {
    const res = await request('other', { amount: 1_000 }, { 'idempotency-key': 'has space' });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('INVALID_IDEMPOTENCY_KEY');
  });
});

describe('An Idempotency-Key whose record expired before TTL deleted it', () => {
  // DynamoDB deletes an expired item up to days after expires_at (DynamoDB Local within about a second): this
  // file's own tables with TTL switched off stand in for that lag, so the expired record is surely still there.
  let lagging: App;
  let token: string;
  beforeAll(async () => {
    lagging = await payoutsApp([affiliate('expiry', { total_earned: 100_000 })]);
    const ddb = new DynamoDBClient({
      endpoint: lagging.db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: lagging.db.tables.idempotency,
        TimeToLiveSpecification: { AttributeName: IDEMPOTENCY.ttlAttribute, Enabled: false },
      }),
    );
    ddb.destroy();
    token = await tokenFor('user-expiry');
  });
  afterAll(() => lagging.db.drop());

  const send = (body: { amount: number }, key: string) =>
    invoke(lagging.handler, {
      method: 'POST',
      path: '/payouts/request',
      token,
      body,
      headers: { 'idempotency-key': key },
    });
  const stored = async () => {
    const { Items = [] } = await lagging.db.client.send(
      new ScanCommand({ TableName: lagging.db.tables.payouts, ConsistentRead: true }),
    );
    return Items;
  };
  const records = async () => {
    const { Items = [] } = await lagging.db.client.send(
      new ScanCommand({ TableName: lagging.db.tables.idempotency, ConsistentRead: true }),
    );
    return Items;
  };

  it.each([
    ['another body', { amount: 3_000 }],
    ['the same body', { amount: 2_000 }],
  ])('binds the key no more: the same key with %s is a new request', async (_name, body) => {
    // Prepare: a first request, then its record aged an hour past expires_at.
    const key = `expiring-${body.amount}`;
    const known = new Set((await records()).map((item) => item[IDEMPOTENCY.partitionKey]));
    const first = await send({ amount: 2_000 }, key);
    expect(first.status).toBe(201);
    const firstId = first.json.data.payout.payout_id;
    const created = (await records()).filter((item) => !known.has(item[IDEMPOTENCY.partitionKey]));
    expect(created).toHaveLength(1);
    const record = created[0];
    await lagging.db.client.send(
      new PutCommand({
        TableName: lagging.db.tables.idempotency,
        Item: { ...record, [IDEMPOTENCY.ttlAttribute]: Math.floor(Date.now() / 1000) - 3_600 },
      }),
    );
    const countBefore = (await stored()).length;

    // Act
    const second = await send(body, key);

    // Assess: a new payout, neither a 422 nor a replay of the first answer.
    expect(second.status).toBe(201);
    expect(second.headers['Idempotent-Replayed']).toBeUndefined();
    expect(second.json.data.payout).toMatchObject({ amount: body.amount, status: 'pending' });
    expect(second.json.data.payout.payout_id).not.toBe(firstId);
    const payouts = await stored();
    expect(payouts).toHaveLength(countBefore + 1);
    expect(payouts.map((payout) => payout.payout_id)).toEqual(
      expect.arrayContaining([firstId, second.json.data.payout.payout_id]),
    );
    // The key now belongs to the second request: its retry replays it.
    const retry = await send(body, key);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    expect(retry.body).toBe(second.body);
    expect(await stored()).toHaveLength(countBefore + 1);
  });
});

describe('A same-key twin that commits between the idempotency read and the affiliate read', () => {
  it('answers as the twin did (a replay), not 400 INSUFFICIENT_BALANCE', async () => {
    // The twin drains the balance. This request read no idempotency record (the twin had not committed yet) and
    // reads the affiliate only after the twin committed, so its own rules refuse it: it must find the twin's answer.
    const body = { amount: 40_000 };
    const key = { 'idempotency-key': 'late-twin' };
    const hooked = testRuntime(app.db);
    const order: string[] = [];
    let twin: InvokeResult | undefined;
    let twinCommitted: Promise<void> | undefined;
    hookCommands(hooked.client, async (call, send) => {
      if (call.command !== 'GetItemCommand') return send();
      if (call.tables[0] === app.db.tables.idempotency && !twinCommitted) {
        let committed!: () => void;
        twinCommitted = new Promise((resolve) => (committed = resolve));
        try {
          const output = await send();
          order.push('idempotency read');
          twin = await request('late', body, key); // the twin goes through the unhooked handler and client
          order.push('twin committed');
          return output;
        } finally {
          committed();
        }
      }
      if (call.tables[0] === app.db.tables.affiliates) {
        await new Promise((resolve) => setImmediate(resolve)); // an idempotency read sent alongside starts first
        if (twinCommitted) await twinCommitted;
        const output = await send();
        order.push('affiliate read');
        return output;
      }
      return send();
    });

    const res = await invoke(createPayoutsHandler(hooked), {
      method: 'POST',
      path: '/payouts/request',
      token: tokens.late!,
      body,
      headers: key,
    });
    hooked.client.destroy();

    expect(order.slice(0, 3)).toEqual(['idempotency read', 'twin committed', 'affiliate read']);
    expect(twin?.status).toBe(201);
    expect(res.status).toBe(201);
    expect(res.headers['Idempotent-Replayed']).toBe('true');
    expect(res.body).toBe(twin?.body);
    expect(await payoutsOf('late')).toHaveLength(1);
    expect(await counters('late')).toEqual({ earned: 40_000, paid: 0, pending: 40_000, count: 1 });
  });
});

describe('GET /payouts and GET /payouts/{id}', () => {
  it('pages newest first with an opaque cursor and a total', async () => {
    for (const amount of [1_001, 1_002, 1_003, 1_004]) expect((await request('paging', { amount })).status).toBe(201);
    const total = (await payoutsOf('paging')).length;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await get('paging', '/payouts', { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.json.data.total).toBe(total);
      expect(res.json.data.payouts.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.data.payouts.map((p: { requested_at: string }) => p.requested_at));
      cursor = res.json.data.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect([...seen].sort().reverse()).toEqual(seen);
    // A page that ends exactly at the last payout says there is no next page.
    const whole = await get('paging', '/payouts', { limit: String(total) });
    expect(whole.json.data.payouts).toHaveLength(total);
    expect(whole.json.data.next_cursor).toBeNull();
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: '101' }],
    [{ limit: '-1' }],
    [{ limit: 'ten' }],
    [{ limit: '99999999999999999999' }],
    [{ cursor: 'not a cursor!' }],
    [{ cursor: Buffer.from('{"payout_id":1}').toString('base64url') }],
    [{ sort: 'asc' }],
  ])('answers 400 to %o', async (query) => {
    const res = await get('paging', '/payouts', query);
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
  });

  it("refuses another affiliate's cursor", async () => {
    const page = await get('paging', '/payouts', { limit: '1' });
    const res = await get('idem', '/payouts', { cursor: page.json.data.next_cursor });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('INVALID_CURSOR');
  });

  it('shows one payout with its status history', async () => {
    const created = (await request('other', { amount: 1_300 })).json.data.payout;
    const res = await get('other', `/payouts/${created.payout_id}`);
    expect(res.status).toBe(200);
    expect(res.json.data.payout).toMatchObject({ payout_id: created.payout_id, amount: 1_300 });
    expect(res.json.data.payout.history).toEqual([
      { at: created.requested_at, by: 'user-other', from: null, to: 'pending', note: 'requested by affiliate' },
    ]);
  });

  it("answers 404 to another affiliate's payout, exactly as to a missing one", async () => {
    const theirs = (await request('plain', { amount: 1_000 })).json.data.payout.payout_id;
    const foreign = await get('other', `/payouts/${theirs}`);
    const missing = await get('other', '/payouts/00000000-0000-0000-0000-000000000000');
    expect(foreign.status).toBe(404);
    expect(foreign.body).toBe(missing.body);
    const cancel = await invoke(app.handler, {
      method: 'POST',
      path: `/payouts/${theirs}/cancel`,
      token: tokens.other!,
    });
    expect(cancel.status).toBe(404);
    expect((await get('plain', `/payouts/${theirs}`)).json.data.payout.status).toBe('pending');
  });
});

describe('POST /payouts/{id}/cancel', () => {
  it('cancels a pending payout and returns the amount to available', async () => {
    const payout = (await request('cancel', { amount: 10_000 })).json.data.payout;
    expect((await counters('cancel')).pending).toBe(10_000);
    const res = await invoke(app.handler, {
      method: 'POST',
      path: `/payouts/${payout.payout_id}/cancel`,
      token: tokens.cancel!,
    });
    expect(res.status).toBe(200);
    expect(res.json.data.payout.status).toBe('cancelled');
    expect(res.json.data.payout.history.map((h: { to: string }) => h.to)).toEqual(['pending', 'cancelled']);
    expect(await counters('cancel')).toMatchObject({ pending: 0, paid: 0 });
    expect((await get('cancel', '/payouts/balance')).json.data.balance.available).toBe(100_000);

    // A retried cancel changes nothing.
    const again = await invoke(app.handler, {
      method: 'POST',
      path: `/payouts/${payout.payout_id}/cancel`,
      token: tokens.cancel!,
    });
    expect(again.status).toBe(200);
    expect(await counters('cancel')).toMatchObject({ pending: 0, paid: 0 });
  });

  it('returns the money once when the same cancel arrives 10 times at once', async () => {
    const payout = (await request('cancel', { amount: 5_000 })).json.data.payout;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        invoke(app.handler, { method: 'POST', path: `/payouts/${payout.payout_id}/cancel`, token: tokens.cancel! }),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(await counters('cancel')).toMatchObject({ pending: 0, paid: 0 });
  });

  it('answers 409 for a payout that is no longer pending', async () => {
    const payout = (await request('cancel', { amount: 5_000 })).json.data.payout;
    const stored = (await app.runtime.store.getPayout(payout.payout_id))!;
    const plan = planMove(stored, { to: 'processing', by: { kind: 'admin', id: 'admin' } }, new Date().toISOString());
    if (plan.kind !== 'move') throw new Error('expected a move');
    await app.runtime.store.movePayout(stored, plan);
    const res = await invoke(app.handler, {
      method: 'POST',
      path: `/payouts/${payout.payout_id}/cancel`,
      token: tokens.cancel!,
    });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ code: 'PAYOUT_NOT_CANCELLABLE', message: expect.stringContaining('processing') });
    expect((await counters('cancel')).pending).toBe(5_000);
  });

  it('answers 409 COUNTERS_OUT_OF_SYNC, never a 500, when the counters no longer cover the payout', async () => {
    const payout = (await request('cancel', { amount: 5_000 })).json.data.payout;
    const { pending } = await counters('cancel');
    await setField('cancel', 'total_pending', 0);
    const res = await invoke(app.handler, {
      method: 'POST',
      path: `/payouts/${payout.payout_id}/cancel`,
      token: tokens.cancel!,
    });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('COUNTERS_OUT_OF_SYNC');
    expect((await get('cancel', `/payouts/${payout.payout_id}`)).json.data.payout.status).toBe('pending');
    await setField('cancel', 'total_pending', pending);
  });

  it('refuses fields in a cancel body', async () => {
    const payout = (await request('cancel', { amount: 5_000 })).json.data.payout;
    const res = await invoke(app.handler, {
      method: 'POST',
      path: `/payouts/${payout.payout_id}/cancel`,
      token: tokens.cancel!,
      body: { status: 'completed' },
    });
    expect(res.status).toBe(400);
  });
});

describe('Routing', () => {
  it.each([
    ['GET', '/nope', 404, 'ROUTE_NOT_FOUND'],
    ['GET', '/payouts/a/b/c', 404, 'ROUTE_NOT_FOUND'],
    ['GET', '/payouts/..%2F..%2Fetc%2Fpasswd', 404, 'PAYOUT_NOT_FOUND'],
    ['GET', `/payouts/${'x'.repeat(10_000)}`, 404, 'PAYOUT_NOT_FOUND'],
    ['GET', '/payouts/%E2%82%AC', 404, 'PAYOUT_NOT_FOUND'],
    ['GET', '/payouts/%E0%A4%A', 404, 'ROUTE_NOT_FOUND'],
    ['DELETE', '/payouts/request', 405, 'METHOD_NOT_ALLOWED'],
    ['GET', '/payouts/request', 405, 'METHOD_NOT_ALLOWED'],
    ['GET', '/payouts/x/cancel', 405, 'METHOD_NOT_ALLOWED'],
    ['POST', '/payouts/balance', 405, 'METHOD_NOT_ALLOWED'],
    ['PUT', '/payouts', 405, 'METHOD_NOT_ALLOWED'],
  ])('%s %s -> %i', async (method, path, status, code) => {
    const res = await invoke(app.handler, { method, path, token: tokens.other! });
    expect(res.status).toBe(status);
    expect(res.json.code).toBe(code);
    if (status === 405) expect(res.headers.Allow).toMatch(/OPTIONS/);
  });

  it('answers 401 with WWW-Authenticate before reaching a route', async () => {
    const res = await invoke(app.handler, { path: '/payouts/balance' });
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer');
    expect(res.json).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
  });
});

describe('Logs', () => {
  it('are JSON lines with the request id, and hold no token or e-mail', async () => {
    const lines: string[] = [];
    const handler = createPayoutsHandler({
      ...app.runtime,
      logger: createLogger('debug', { service: 'payouts' }, (line) => lines.push(line)),
    });
    const token = tokens.other!;
    await invoke(handler, {
      method: 'POST',
      path: '/payouts/request',
      token,
      body: { amount: 1_000, payment_email: 'secret-person@example.com', payment_method: 'paypal' },
    });
    await invoke(handler, { path: '/payouts/balance', token: 'garbage' });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(entry).toMatchObject({ level: expect.any(String), request_id: expect.any(String), service: 'payouts' });
      expect(line).not.toContain(token);
      expect(line).not.toContain('secret-person@example.com');
    }
  });
});
