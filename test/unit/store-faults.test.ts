import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPayoutsHandler } from '../../lambdas/payouts/app.ts';
import { loadConfig } from '../../shared/config.ts';
import { createAuthenticator } from '../../shared/http/auth.ts';
import { createLogger } from '../../shared/logger.ts';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import { DynamoPayoutStore } from '../../shared/store/dynamodb/payout-store.ts';
import { systemClock } from '../../shared/domain/clock.ts';
import { noTelemetry } from '../../shared/telemetry.ts';
import { fingerprintOf } from '../../shared/usecases/fingerprint.ts';
import { TEST_SECRET, tokenFor } from '../support/app.ts';
import { invoke } from '../support/http.ts';

// Paths DynamoDB Local cannot produce: throttling, a conflicting transaction, a timeout after commit.
const config = loadConfig({
  JWT_SECRET: TEST_SECRET,
  AFFILIATES_TABLE: 'aff',
  PAYOUTS_TABLE: 'pay',
  IDEMPOTENCY_TABLE: 'idem',
  TAX_YEARS_TABLE: 'tax',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  LOG_LEVEL: 'silent',
});
const client = createDocumentClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
const ddb = mockClient(client);
const store = new DynamoPayoutStore(client, config.tables);
const runtime = {
  config,
  client,
  store,
  authenticate: createAuthenticator(config.auth),
  logger: createLogger('silent'),
  clock: systemClock,
  cursorSecret: async () => TEST_SECRET,
  telemetry: noTelemetry,
  middlewares: [],
};
const AFFILIATE = {
  affiliate_id: 'aff-1',
  user_id: 'user-1',
  status: 'active',
  total_earned: 50_000,
  total_paid: 0,
  total_pending: 0,
  payout_count: 0,
  payment_method: 'paypal',
  payment_email: 'one@example.com',
};

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const named = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });

describe('Faults the local database cannot produce', () => {
  let handler: ReturnType<typeof createPayoutsHandler>;
  let token: string;

  beforeEach(async () => {
    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [{ affiliate_id: 'aff-1' }] });
    ddb.on(GetCommand, { TableName: 'aff' }).resolves({ Item: AFFILIATE });
    ddb.on(GetCommand, { TableName: 'idem' }).resolves({});
    ddb.on(GetCommand, { TableName: 'tax' }).resolves({});
    handler = createPayoutsHandler(runtime); // a fresh cold start: no cached affiliate mapping
    token = await tokenFor('user-1');
  });

  const request = (key?: string) =>
    invoke(handler, {
      method: 'POST',
      path: '/payouts/request',
      token,
      body: { amount: 5_000 },
      headers: key ? { 'idempotency-key': key } : {},
    });

  it.each([['ProvisionedThroughputExceededException'], ['ThrottlingException'], ['RequestLimitExceeded']])(
    'answers 503 with Retry-After when DynamoDB throttles (%s) and writes nothing',
    async (name) => {
      ddb.on(GetCommand, { TableName: 'aff' }).rejects(named(name));
      const res = await request();
      expect(res.status).toBe(503);
      expect(res.headers['Retry-After']).toBe('1');
      expect(res.json).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    },
  );

  it('answers 409 when a request with the same key is committing at this moment', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'TransactionConflict']));
    const res = await request('in-flight');
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('IDEMPOTENCY_IN_FLIGHT');
  });

  it('answers a retryable 503 when the affiliate row is in a conflicting transaction', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'TransactionConflict']));
    const res = await request();
    expect(res.status).toBe(503);
    expect(res.headers['Retry-After']).toBeDefined();
  });

  it('answers 503 when the commit may have happened but the answer was lost, then replays on retry', async () => {
    ddb.on(TransactWriteCommand).rejects(named('TimeoutError'));
    const lost = await request('after-commit');
    expect(lost.status).toBe(503);
    expect(lost.json.message).toMatch(/same Idempotency-Key/);
    // What made the retry safe: the idempotency record rode in the same transaction as the payout.
    const sent = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    // Last, the tax form gate's check that the year's paid total has not risen (no form on file).
    expect(sent.map((item) => Object.values(item)[0]!.TableName)).toEqual(['pay', 'aff', 'idem', 'tax']);
    expect(sent[2]!.Put!.Item).toMatchObject({ idempotency_key: 'user-1#after-commit', outcome: 'created' });

    // The write did commit: the retry finds the stored answer and replays it instead of paying twice. (This record
    // is in the envelope form written before outcomes were stored: those still replay during their 24 hours.)
    const stored = {
      success: true,
      message: 'Payout request submitted successfully',
      data: { payout: { payout_id: 'p-1', amount: 5_000 } },
    };
    ddb.on(GetCommand, { TableName: 'idem' }).resolves({
      Item: {
        idempotency_key: 'user-1#after-commit',
        fingerprint: fingerprintOf('POST /payouts/request', { amount: 5_000 }),
        status_code: 201,
        response_body: JSON.stringify(stored),
        payout_id: 'p-1',
        expires_at: Math.floor(Date.now() / 1000) + 3_600,
      },
    });
    const retry = await request('after-commit');
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(stored);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('re-decides with the fresh record when the affiliate changed under the transaction', async () => {
    const drained = { ...AFFILIATE, total_pending: 48_000 };
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: marshall(drained) }],
      }),
    );
    const res = await request();
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      message: expect.stringContaining(`${50_000 - drained.total_pending} cents`),
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers a bare 500 with no internals for a bug, never the error text', async () => {
    ddb.on(GetCommand, { TableName: 'aff' }).rejects(new TypeError('secret internal detail'));
    const res = await request();
    expect(res.status).toBe(500);
    expect(res.json.code).toBe('INTERNAL_ERROR');
    expect(res.body).not.toContain('secret internal detail');
  });
});
