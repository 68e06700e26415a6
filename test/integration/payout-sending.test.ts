import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import { createLogger } from '../../shared/logger.ts';
import type { PayoutProvider } from '../../shared/domain/payout-provider.ts';
import { DynamoAttemptStore } from '../../shared/store/dynamodb/attempt-store.ts';
import { ProviderSync } from '../../shared/usecases/provider-sync.ts';
import { sendView } from '../../shared/schemas/providers.ts';
import { adminApp, type AdminApp } from '../support/admin.ts';
import { affiliate, testProviderConfig } from '../support/app.ts';
import { invoke } from '../support/http.ts';

let app: AdminApp;

beforeAll(async () => {
  app = await adminApp([
    affiliate('pp', { total_earned: 1_000_000 }),
    affiliate('st', { total_earned: 1_000_000, payment_method: 'stripe', stripe_account_id: 'acct_good' } as never),
    affiliate('nost', { total_earned: 1_000_000 }),
    affiliate('ze', { total_earned: 1_000_000, payment_method: 'zelle' }),
  ]);
});
afterAll(() => app.db.drop());

const send = (payoutId: string, handler = app.admin) =>
  invoke(handler, { method: 'POST', path: `/admin/payouts/${payoutId}/send`, token: app.adminToken });
const attemptsOf = (payoutId: string) =>
  new DynamoAttemptStore(app.db.client, app.db.tables, app.db.providerTables).listAttempts(payoutId);

describe('stripe as a payment method', () => {
  it('is accepted for an affiliate with a stripe_account_id, and the payout carries the account', async () => {
    const id = await app.request('user-st', 5000);
    expect(await app.stored(id)).toMatchObject({ payment_method: 'stripe', stripe_account_id: 'acct_good' });
  });

  it('is refused (400 STRIPE_ACCOUNT_REQUIRED, nothing written) for an affiliate without one', async () => {
    const res = await invoke(app.payouts, {
      method: 'POST',
      path: '/payouts/request',
      token: await app.affiliateToken('user-nost'),
      body: { amount: 5000, payment_method: 'stripe' },
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('STRIPE_ACCOUNT_REQUIRED');
    expect((await app.counters('aff-nost')).payout_count).toBe(0);
  });
});

describe('POST /admin/payouts/{id}/send', () => {
  it('202: the payout is processing and attempt 1 is queued with its key, committed together; counters unchanged', async () => {
    const id = await app.request('user-pp', 5000);
    const before = await app.counters('aff-pp');
    const res = await send(id);
    expect(res.status).toBe(202);
    const data = sendView.parse(res.json.data);
    expect(data.payout.status).toBe('processing');
    expect(data.attempt).toMatchObject({
      attempt: 1,
      provider: 'paypal',
      status: 'queued',
      idempotency_key: `payout-${id}-attempt-1`,
      amount: 5000,
    });
    expect(data.attempt.destination).not.toContain('pp@example.com');
    expect(await attemptsOf(id)).toMatchObject([{ status: 'queued', destination: 'pp@example.com' }]);
    expect(await app.counters('aff-pp')).toEqual(before);
    const shown = await app.get(`/admin/payouts/${id}`);
    expect(shown.json.data.attempts).toHaveLength(1);
    expect(shown.json.data.payout.history.at(-1)).toMatchObject({ from: 'pending', to: 'processing', by: 'admin-1' });
  });

  it('sending it again is a 409 and makes no second attempt', async () => {
    const id = await app.request('user-pp', 5000);
    expect((await send(id)).status).toBe(202);
    const again = await send(id);
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('PAYOUT_NOT_PENDING');
    expect(await attemptsOf(id)).toHaveLength(1);
  });

  it('ten sends of one payout at once: exactly one 202, one attempt', async () => {
    const id = await app.request('user-pp', 5000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(id)));
    expect(answers.filter((res) => res.status === 202)).toHaveLength(1);
    expect(answers.filter((res) => res.status === 409)).toHaveLength(9);
    expect(await attemptsOf(id)).toHaveLength(1);
  });

  it('the move and the attempt are one transaction: if the attempt cannot be written, the payout stays pending', async () => {
    const id = await app.request('user-pp', 5000);
    await app.db.client.send(
      new PutCommand({
        TableName: app.db.providerTables.attempts,
        Item: { payout_id: id, attempt: 1, status: 'failed' },
      }),
    );
    const res = await send(id);
    expect(res.status).toBe(409);
    expect((await app.stored(id))?.status).toBe('pending');
  });

  it('zelle -> 409 MANUAL_PAYMENT_METHOD; a provider without credentials -> 409 PROVIDER_NOT_CONFIGURED; unknown -> 404', async () => {
    const zelle = await app.request('user-ze', 5000);
    expect((await send(zelle)).json.code).toBe('MANUAL_PAYMENT_METHOD');
    const onlyStripe = createAdminPayoutsHandler(
      app.runtime,
      testProviderConfig(app.db, { PAYOUT_PROVIDERS: 'stripe' }),
    );
    const paypal = await app.request('user-pp', 5000);
    const res = await send(paypal, onlyStripe);
    expect([res.status, res.json.code]).toEqual([409, 'PROVIDER_NOT_CONFIGURED']);
    expect((await app.stored(paypal))?.status).toBe('pending');
    expect((await send('no-such-payout')).status).toBe(404);
  });
});

describe('POST /admin/payouts/send (bulk)', () => {
  it('answers per item; one bad item does not stop the others', async () => {
    const a = await app.request('user-pp', 5000);
    const b = await app.request('user-st', 5000);
    const z = await app.request('user-ze', 5000);
    const res = await invoke(app.admin, {
      method: 'POST',
      path: '/admin/payouts/send',
      token: app.adminToken,
      body: { payout_ids: [a, b, z, a, 'missing-1'] },
    });
    expect(res.status).toBe(200);
    expect(res.json.data.results.map((r: { status_code: number }) => r.status_code)).toEqual([202, 202, 409, 409, 404]);
    expect(res.json.data).toMatchObject({ succeeded: 2, failed: 3 });
    expect((await attemptsOf(b))[0]).toMatchObject({ provider: 'stripe', destination: 'acct_good' });
  });

  it.each([
    [{ payout_ids: [] }, 'at least one'],
    [{ payout_ids: Array.from({ length: 501 }, (_, i) => `p-${i}`) }, 'at most 500'],
    [{ payout_ids: ['bad id!'] }, 'payout id'],
    [{ ids: ['a'] }, 'payout_ids'],
  ])('400 for %#', async (body, words) => {
    const res = await invoke(app.admin, { method: 'POST', path: '/admin/payouts/send', token: app.adminToken, body });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain(words);
  });

  it('is for admins only', async () => {
    const res = await invoke(app.admin, {
      method: 'POST',
      path: '/admin/payouts/send',
      token: await app.affiliateToken('user-pp'),
      body: { payout_ids: ['x'] },
    });
    expect(res.status).toBe(403);
  });
});

describe('POST /admin/payouts/{id}/retry', () => {
  it('only after an attempt failed on our side; then attempt 2 is queued with its own key', async () => {
    const id = await app.request('user-pp', 5000);
    await send(id);
    const early = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${id}/retry`,
      token: app.adminToken,
    });
    expect([early.status, early.json.code]).toEqual([409, 'NOTHING_TO_RETRY']);
    const store = new DynamoAttemptStore(app.db.client, app.db.tables, app.db.providerTables);
    const [first] = await store.listAttempts(id);
    await store.markFailed(
      first!,
      { code: 'INSUFFICIENT_FUNDS', message: 'low', category: 'ours' },
      new Date().toISOString(),
    );
    const res = await invoke(app.admin, { method: 'POST', path: `/admin/payouts/${id}/retry`, token: app.adminToken });
    expect(res.status).toBe(202);
    expect(res.json.data.attempt).toMatchObject({
      attempt: 2,
      status: 'queued',
      idempotency_key: `payout-${id}-attempt-2`,
    });
    const twice = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${id}/retry`,
      token: app.adminToken,
    });
    expect(twice.status).toBe(409);
    const { Item } = await app.db.client.send(
      new GetCommand({ TableName: app.db.providerTables.attempts, Key: { payout_id: id, attempt: 1 } }),
    );
    expect(Item?.superseded_by).toBe(2);
  });

  it('a pending payout cannot be retried', async () => {
    const id = await app.request('user-pp', 5000);
    const res = await invoke(app.admin, { method: 'POST', path: `/admin/payouts/${id}/retry`, token: app.adminToken });
    expect([res.status, res.json.code]).toEqual([409, 'PAYOUT_NOT_PROCESSING']);
  });
});

describe('The sweeper and a lost stream record', () => {
  it('re-drives an attempt left queued (the sender never ran): touched, then sent exactly once however often it is delivered', async () => {
    const id = await app.request('user-pp', 5000);
    await send(id);
    const store = new DynamoAttemptStore(app.db.client, app.db.tables, app.db.providerTables);
    const keys: string[] = [];
    // The provider port, counting calls (the real adapters are proven against the simulator elsewhere).
    const provider: PayoutProvider = {
      name: 'paypal',
      send: async (attempt) => {
        keys.push(attempt.idempotency_key);
        return { kind: 'accepted', reference: 'BATCH-R', item_id: 'ITEM-R' };
      },
      poll: async () => undefined,
    };
    const sync = new ProviderSync(store, { paypal: provider }, createLogger('silent'));
    const before = (await store.listAttempts(id))[0]!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const swept = await sync.sweep(0);
    expect(swept.redriven).toBeGreaterThanOrEqual(1);
    const touched = (await store.listAttempts(id))[0]!;
    expect(touched).toMatchObject({ status: 'queued', redrives: 1 });
    expect(touched.updated_at > before.updated_at).toBe(true);
    // The stream delivers the touched record (and, at least once, maybe again).
    expect(await sync.send({ payout_id: id, attempt: 1 })).toBe('sent');
    expect(await sync.send({ payout_id: id, attempt: 1 })).toBe('skipped');
    expect(keys).toEqual([`payout-${id}-attempt-1`]);
    expect((await store.listAttempts(id))[0]).toMatchObject({
      status: 'sent',
      provider_reference: 'BATCH-R',
      provider_item_id: 'ITEM-R',
    });
  });
});
