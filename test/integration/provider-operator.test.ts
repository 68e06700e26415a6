import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.ts';
import { providerEventsView } from '../../shared/schemas/provider-events.ts';
import { DynamoAttemptStore } from '../../shared/store/dynamodb/attempt-store.ts';
import { ProviderError, type PayoutProvider } from '../../shared/domain/payout-provider.ts';
import { ProviderSync } from '../../shared/usecases/provider-sync.ts';
import { adminApp, type AdminApp } from '../support/admin.ts';
import { affiliate } from '../support/app.ts';
import { hookCommands } from '../support/hooks.ts';
import { invoke } from '../support/http.ts';

/**
 * What an operator meets around the provider rails: a move by hand refused while the provider still has the
 * payout (409 PROVIDER_ATTEMPT_OPEN, an atomic condition of the move's transaction), the provider events flagged
 * for review (GET /admin/provider-events?flagged=true, POST …/resolve), and the bulk send's answer per item.
 */
let app: AdminApp;
let store: DynamoAttemptStore;

beforeAll(async () => {
  app = await adminApp([
    affiliate('op-pp', { total_earned: 1_000_000, payment_email: 'op@example.com' }),
    affiliate('op-st', { total_earned: 1_000_000, payment_method: 'stripe', stripe_account_id: 'acct_op' } as never),
    affiliate('op-ze', { total_earned: 1_000_000, payment_method: 'zelle' }),
  ]);
  store = new DynamoAttemptStore(app.db.client, app.db.tables, app.db.providerTables);
});
afterAll(() => app.db.drop());

const admin = (method: string, path: string, body?: unknown) =>
  invoke(app.admin, { method, path, token: app.adminToken, ...(body !== undefined ? { body } : {}) });

async function sentPayout(user = 'user-op-pp'): Promise<string> {
  const id = await app.request(user, 5_000);
  expect((await admin('POST', `/admin/payouts/${id}/send`)).status).toBe(202);
  return id;
}

const failOurs = async (id: string) => {
  const last = (await store.listAttempts(id)).sort((a, b) => b.attempt - a.attempt)[0]!;
  await store.markFailed(
    last,
    { code: 'balance_insufficient', message: 'low', category: 'ours' },
    new Date().toISOString(),
  );
};

describe('A move by hand while a provider attempt is open', () => {
  it('409 PROVIDER_ATTEMPT_OPEN naming the attempt, for queued and for sent, single and bulk; nothing written', async () => {
    const id = await sentPayout();
    const before = await app.stored(id);
    const counters = await app.counters('aff-op-pp');
    const complete = await app.process(id, { status: 'completed', transaction_id: 'TX-HAND' });
    expect([complete.status, complete.json.code]).toEqual([409, 'PROVIDER_ATTEMPT_OPEN']);
    expect(complete.json.message).toMatch(/^Attempt 1 of this payout is still queued at PayPal/);

    const [attempt] = await store.listAttempts(id);
    expect(await store.markSent(attempt!, 'BATCH-1', 'ITEM-1', new Date().toISOString())).toBe(true);
    const fail = await app.process(id, { status: 'failed' });
    expect([fail.status, fail.json.code]).toEqual([409, 'PROVIDER_ATTEMPT_OPEN']);
    expect(fail.json.message).toContain('still sent at PayPal');
    const bulk = await admin('POST', '/admin/payouts/process', { items: [{ payout_id: id, status: 'failed' }] });
    expect(bulk.json.data.results[0]).toMatchObject({ status_code: 409, code: 'PROVIDER_ATTEMPT_OPEN' });

    expect(await app.stored(id)).toEqual(before);
    expect(await app.counters('aff-op-pp')).toEqual(counters);
  });

  it('once the attempt failed on our side, the operator may settle it by hand (and a retry is then refused)', async () => {
    const id = await sentPayout('user-op-st');
    await failOurs(id);
    const failed = await app.process(id, { status: 'failed', notes: 'paid by wire instead' });
    expect([failed.status, failed.json.data.payout.status]).toEqual([200, 'failed']);
    const retry = await admin('POST', `/admin/payouts/${id}/retry`);
    expect([retry.status, retry.json.code]).toEqual([409, 'PAYOUT_NOT_PROCESSING']);
  });

  it('is atomic: a retry queued between the guard’s read and the commit cancels the move by hand', async () => {
    const id = await sentPayout();
    await failOurs(id);
    let raced: Awaited<ReturnType<typeof admin>> | undefined;
    // Right after the manual move has read the attempts (attempt 1: failed), an operator's retry queues attempt 2.
    const unhook = hookCommands(app.runtime.client, async (call, send) => {
      const answer = await send();
      if (!raced && call.command === 'QueryCommand' && call.tables.includes(app.db.providerTables.attempts)) {
        raced = { status: 0, headers: {}, json: undefined, body: '' };
        raced = await admin('POST', `/admin/payouts/${id}/retry`);
      }
      return answer;
    });
    try {
      const manual = await app.process(id, { status: 'completed', transaction_id: 'TX-HAND' });
      expect(raced?.status).toBe(202);
      expect([manual.status, manual.json.code]).toEqual([409, 'PROVIDER_ATTEMPT_OPEN']);
      expect(manual.json.message).toMatch(/^Attempt 2 of this payout is still queued/);
    } finally {
      unhook();
    }
    expect((await app.stored(id))?.status).toBe('processing');
  });

  it('a payout never sent (processing by hand) is still moved by hand', async () => {
    const id = await app.request('user-op-ze', 5_000);
    expect((await app.process(id, { status: 'processing' })).status).toBe(200);
    expect((await app.process(id, { status: 'completed', transaction_id: 'ZELLE-1' })).status).toBe(200);
  });
});

describe('POST /admin/payouts/send: the answer per item', () => {
  it('202 with the payout and its attempt; 409 MANUAL_PAYMENT_METHOD, 409 PAYOUT_NOT_PENDING, 404 PAYOUT_NOT_FOUND', async () => {
    const a = await app.request('user-op-pp', 5_000);
    const z = await app.request('user-op-ze', 5_000);
    const res = await admin('POST', '/admin/payouts/send', { payout_ids: [a, z, a, 'missing-9'] });
    expect(res.status).toBe(200);
    const results = res.json.data.results;
    expect(results.map((r: { status_code: number; code?: string }) => [r.status_code, r.code ?? null])).toEqual([
      [202, null],
      [409, 'MANUAL_PAYMENT_METHOD'],
      [409, 'PAYOUT_NOT_PENDING'],
      [404, 'PAYOUT_NOT_FOUND'],
    ]);
    expect(results[0]).toMatchObject({
      payout_id: a,
      success: true,
      payout: { status: 'processing' },
      attempt: { attempt: 1, status: 'queued' },
    });
    for (const failed of results.slice(1)) expect(failed.message.length).toBeGreaterThan(10);
  });
});

describe('GET /admin/provider-events?flagged=true and POST /admin/provider-events/{id}/resolve', () => {
  const sync = () => new ProviderSync(store, {}, createLogger('silent', { service: 'test' }));
  const unknown = (n: number) =>
    sync().webhook(
      {
        eventId: `evt_op_${n}`,
        eventType: 'transfer.created',
        observation: {
          provider: 'stripe',
          payout_id: `ghost-${n}`,
          amount: 5_000,
          reference: `tr_ghost_${n}`,
          fact: { kind: 'paid', transaction_id: `tr_ghost_${n}` },
        },
      },
      'stripe',
    );

  it('lists flagged events newest first, paged with a signed cursor, without raw bodies; resolving takes one off', async () => {
    for (const n of [1, 2, 3]) {
      expect(await unknown(n)).toBe('flagged');
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct received_at
    }
    expect(
      await sync().webhook({ eventId: 'evt_op_ignored', eventType: 'payout.paid', observation: undefined }, 'stripe'),
    ).toBe('ignored');

    const first = await app.get('/admin/provider-events', { flagged: 'true', limit: '2' });
    expect(first.status, first.body).toBe(200);
    providerEventsView.parse(first.json.data);
    expect(first.json.data.events.map((e: { payout_id: string }) => e.payout_id)).toEqual(['ghost-3', 'ghost-2']);
    expect(first.json.data.events[0]).toEqual({
      event_id: 'stripe:evt_op_3',
      provider: 'stripe',
      event_type: 'transfer.created',
      payout_id: 'ghost-3',
      reason: 'Stripe event for an unknown payout (ghost-3)',
      received_at: expect.any(String),
      flagged: true,
      resolved_at: null,
      resolved_by: null,
      resolution_note: null,
    });
    const cursor = first.json.data.next_cursor as string;
    const second = await invoke(app.admin, {
      path: '/admin/provider-events',
      query: { flagged: 'true', limit: '2', cursor },
      token: app.adminToken,
    });
    expect(second.json.data.events.map((e: { payout_id: string }) => e.payout_id)).toEqual(['ghost-1']);
    expect(second.json.data.next_cursor).toBeNull();

    const forged = await invoke(app.admin, {
      path: '/admin/provider-events',
      query: { flagged: 'true', cursor: `${cursor.slice(0, -3)}AAA` },
      token: app.adminToken,
    });
    expect([forged.status, forged.json.code]).toEqual([400, 'INVALID_CURSOR']);
    const unflagged = await app.get('/admin/provider-events');
    expect([unflagged.status, unflagged.json.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(unflagged.json.message).toContain('flagged must be true');

    const resolved = await admin('POST', `/admin/provider-events/${encodeURIComponent('stripe:evt_op_2')}/resolve`, {
      note: 'a test transfer made from the Stripe dashboard',
    });
    expect(resolved.status, resolved.body).toBe(200);
    expect(resolved.json.data.event).toMatchObject({ flagged: false, resolved_by: 'admin-1' });
    const again = await admin('POST', `/admin/provider-events/${encodeURIComponent('stripe:evt_op_2')}/resolve`, {});
    expect([again.status, again.json.message]).toEqual([200, 'This event was not waiting for review']);
    const after = await app.get('/admin/provider-events', { flagged: 'true' });
    expect(after.json.data.events.map((e: { payout_id: string }) => e.payout_id)).toEqual(['ghost-3', 'ghost-1']);
    const missing = await admin('POST', '/admin/provider-events/stripe:evt_nope/resolve', {});
    expect([missing.status, missing.json.code]).toEqual([404, 'PROVIDER_EVENT_NOT_FOUND']);
  });

  it('is for admins only', async () => {
    const res = await invoke(app.admin, {
      path: '/admin/provider-events',
      query: { flagged: 'true' },
      token: await app.affiliateToken('user-op-pp'),
    });
    expect(res.status).toBe(403);
  });
});

describe('Two deliveries of one attempt at once (a redelivery, a sweeper re-drive): one meets an error of ours', () => {
  /** A PayPal whose first call answers after `acceptAfterMs` (accepted), and whose second refuses at once (ours). */
  const racingPaypal = (acceptAfterMs: number, refuseAfterMs: number): PayoutProvider => {
    let calls = 0;
    return {
      name: 'paypal',
      poll: async () => undefined,
      send: async () => {
        calls += 1;
        if (calls === 1) {
          await new Promise((resolve) => setTimeout(resolve, acceptAfterMs));
          return { kind: 'accepted', reference: 'BATCH-RACE', item_id: 'ITEM-RACE' };
        }
        await new Promise((resolve) => setTimeout(resolve, refuseAfterMs));
        throw new ProviderError('paypal', 'ours', 'INSUFFICIENT_FUNDS', 'Sender does not have sufficient funds.');
      },
    };
  };

  it.each([
    ['the refusal is recorded first', 150, 0],
    ['the acceptance is recorded first', 0, 150],
  ])('%s: the attempt ends sent (the provider took it), never failed on our side', async (_, accept, refuse) => {
    const id = await sentPayout();
    const sync = new ProviderSync(
      store,
      { paypal: racingPaypal(accept, refuse) },
      createLogger('silent', { service: 'test' }),
    );
    const outcomes = await Promise.all([
      sync.send({ payout_id: id, attempt: 1 }),
      sync.send({ payout_id: id, attempt: 1 }),
    ]);
    expect(outcomes).toContain('sent');
    const [attempt] = await store.listAttempts(id);
    expect(attempt).toMatchObject({ status: 'sent', provider_item_id: 'ITEM-RACE' });
    expect(attempt?.error).toBeUndefined();
    const retry = await admin('POST', `/admin/payouts/${id}/retry`);
    expect([retry.status, retry.json.code]).toEqual([409, 'NOTHING_TO_RETRY']);
  });
});
