import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { affiliate } from '../support/app.ts';
import { invoke } from '../support/http.ts';
import { providerApp, type ProviderApp } from '../support/providers.ts';

let app: ProviderApp;
const stripeAffiliate = (id: string, account: string) =>
  affiliate(id, { total_earned: 1_000_000, payment_method: 'stripe', stripe_account_id: account } as never);
const paypalAffiliate = (id: string, email: string) => affiliate(id, { total_earned: 1_000_000, payment_email: email });

beforeAll(async () => {
  app = await providerApp([
    stripeAffiliate('s-ok', 'acct_ok'),
    stripeAffiliate('s-fail', 'acct_fail'),
    stripeAffiliate('s-rev', 'acct_reverse'),
    stripeAffiliate('s-low', 'acct_lowbalance'),
    paypalAffiliate('p-ok', 'ok@example.com'),
    paypalAffiliate('p-fail', 'fail@example.com'),
    paypalAffiliate('p-unc', 'unclaimed@example.com'),
    paypalAffiliate('p-rev', 'reverse@example.com'),
  ]);
});
afterAll(() => app.close());
beforeEach(() =>
  Object.assign(app.sim.controls, {
    timeoutAfterCommit: 0,
    fail500: 0,
    duplicateWebhooks: false,
    dropWebhooks: false,
    reorderWebhooks: false,
    webhookDelayMs: 0,
  }),
);

async function sendNew(user: string, amount = 5000): Promise<string> {
  const id = await app.request(user, amount);
  const res = await app.send(id);
  expect(res.status).toBe(202);
  return id;
}

const eventRecord = async (key: string) =>
  (
    await app.db.client.send(
      new GetCommand({ TableName: app.db.providerTables.events, Key: { event_key: key }, ConsistentRead: true }),
    )
  ).Item;

describe('Stripe through the stream, the sender and webhooks', () => {
  it('send -> completed with the transfer id; exactly one transfer; paid counted once', async () => {
    const id = await sendNew('user-s-ok');
    const done = await app.until(id, (p) => p.status === 'completed');
    expect(done.transaction_id).toMatch(/^tr_/);
    expect(app.sim.state().createdByPayout[id]).toBe(1);
    expect(await app.attempts(id)).toMatchObject([{ status: 'succeeded', provider_reference: done.transaction_id }]);
    await app.sim.idle();
    expect(await app.balance('user-s-ok')).toMatchObject({ total_paid: 5000, pending: 0 });
    // The same move as an admin's completion: a receipt number, and the year's totals (a 1099-K channel).
    const year = done.updated_at.slice(0, 4);
    expect(done.receipt_number).toMatch(new RegExp(`^RCPT-${year}-\\d{6}$`));
    const totals = await app.db.client.send(
      new GetCommand({
        TableName: app.db.tables.taxYears,
        Key: { tax_year: year, affiliate_id: 'aff-s-ok' },
        ConsistentRead: true,
      }),
    );
    expect(totals.Item).toMatchObject({ paid_cents: 5000, paid_count: 1, paid_provider_cents: 5000 });
  });

  it('an invalid account -> failed, the money back to available, a reason the affiliate can read', async () => {
    const before = await app.balance('user-s-fail');
    const id = await sendNew('user-s-fail');
    const failed = await app.until(id, (p) => p.status === 'failed');
    expect(failed.status_reason).toBe('Stripe: the receiving account is not valid');
    expect(await app.balance('user-s-fail')).toEqual(before);
    const seen = await invoke(app.payouts, { path: `/payouts/${id}`, token: await app.affiliateToken('user-s-fail') });
    expect(seen.json.data.payout.status_reason).toBe('Stripe: the receiving account is not valid');
    expect(JSON.stringify(seen.json)).not.toContain('No such destination');
    expect(await app.attempts(id)).toMatchObject([
      { status: 'failed', error: { category: 'recipient', code: 'account_invalid' } },
    ]);
  });

  it('paid through Stripe: marking it returned by hand -> 409 PROVIDER_PAID, nothing moves (only the reversal returns it)', async () => {
    const id = await sendNew('user-s-ok');
    await app.until(id, (p) => p.status === 'completed');
    const before = await app.balance('user-s-ok');
    const res = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${id}/process`,
      token: app.adminToken,
      body: { status: 'returned', notes: 'the bank said it bounced' },
    });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ code: 'PROVIDER_PAID', message: expect.stringMatching(/reversal/) });
    expect((await app.payout(id))?.status).toBe('completed');
    expect(await app.balance('user-s-ok')).toEqual(before);
  });

  it('a reversal after success -> returned, the money back to available', async () => {
    const id = await sendNew('user-s-rev');
    await app.until(id, (p) => p.status === 'returned');
    expect(await app.balance('user-s-rev')).toMatchObject({ total_paid: 0, pending: 0, available: 1_000_000 });
    const totals = await app.db.client.send(
      new GetCommand({
        TableName: app.db.tables.taxYears,
        Key: { tax_year: new Date().toISOString().slice(0, 4), affiliate_id: 'aff-s-rev' },
        ConsistentRead: true,
      }),
    );
    expect(totals.Item).toMatchObject({ paid_cents: 0, paid_count: 0, paid_provider_cents: 0 });
  });

  it('platform balance too low -> attempt failed (ours), payout stays processing; retry makes attempt 2', async () => {
    const id = await sendNew('user-s-low');
    for (let i = 0; i < 200 && (await app.attempts(id))[0]?.status !== 'failed'; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect(await app.attempts(id)).toMatchObject([
      { status: 'failed', error: { category: 'ours', code: 'balance_insufficient' } },
    ]);
    expect((await app.payout(id))?.status).toBe('processing');
    const retry = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${id}/retry`,
      token: app.adminToken,
    });
    expect(retry.status).toBe(202);
    for (let i = 0; i < 200 && (await app.attempts(id))[1]?.status !== 'failed'; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect((await app.attempts(id)).map((a) => a.status)).toEqual(['failed', 'failed']);
    expect(app.sim.state().createdByPayout[id]).toBeUndefined();
  });

  it('a time-out after Stripe committed: the stream retries with the same key; exactly one transfer', async () => {
    app.sim.controls.timeoutAfterCommit = 1;
    app.sim.controls.dropWebhooks = true; // only the sender's retry with the same key can complete it
    const id = await sendNew('user-s-ok');
    await app.until(id, (p) => p.status === 'completed');
    expect(app.senderCalls.failures).toBeGreaterThanOrEqual(1);
    expect(app.sim.state().createdByPayout[id]).toBe(1);
    expect(app.sim.state().transfers.filter((t) => t.metadata.payout_id === id)).toHaveLength(1);
  });

  it('a 500 once: retried, one transfer', async () => {
    app.sim.controls.fail500 = 1;
    const id = await sendNew('user-s-ok');
    await app.until(id, (p) => p.status === 'completed');
    expect(app.sim.state().createdByPayout[id]).toBe(1);
  });
});

describe('PayPal through the sender, webhooks and the sweeper', () => {
  it('send -> sent (batch) -> SUCCEEDED webhook -> completed with the item transaction id', async () => {
    const id = await sendNew('user-p-ok');
    const done = await app.until(id, (p) => p.status === 'completed');
    expect(done.transaction_id).toMatch(/^PPTX/);
    expect(await app.attempts(id)).toMatchObject([
      {
        status: 'succeeded',
        provider_reference: expect.stringMatching(/^BATCH/),
        provider_item_id: expect.stringMatching(/^ITEM/),
      },
    ]);
    expect(app.sim.state().createdByPayout[id]).toBe(1);
  });

  it('FAILED -> failed, money back; UNCLAIMED -> stays processing with a reason', async () => {
    const failed = await sendNew('user-p-fail');
    await app.until(failed, (p) => p.status === 'failed');
    expect(await app.balance('user-p-fail')).toMatchObject({ pending: 0, total_paid: 0 });
    const unclaimed = await sendNew('user-p-unc');
    // Every processing payout has a status_reason now (issue 13): wait for the provider's.
    const waiting = await app.until(unclaimed, (p) => p.status_reason?.startsWith('PayPal:') === true);
    expect(waiting).toMatchObject({
      status: 'processing',
      status_reason: 'PayPal: the recipient has not claimed it yet',
    });
  });

  it('REVERSED after success -> returned', async () => {
    const id = await sendNew('user-p-rev');
    await app.until(id, (p) => p.status === 'returned');
  });

  it('every webhook delivered twice: one effect, the second is a replay', async () => {
    app.sim.controls.duplicateWebhooks = true;
    const id = await sendNew('user-p-ok');
    const done = await app.until(id, (p) => p.status === 'completed');
    await app.sim.idle();
    expect(done.history.filter((change) => change.to === 'completed')).toHaveLength(1);
    const mine = app.sim
      .state()
      .deliveries.filter((d) => d.type === 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED')
      .slice(-2);
    expect(mine.map((d) => d.status)).toEqual([200, 200]);
    expect(mine[0]!.event_id).toBe(mine[1]!.event_id);
  });

  it('out of order (REVERSED before SUCCEEDED): the reversal is refused until the success is in, then applied', async () => {
    app.sim.controls.reorderWebhooks = true;
    app.sim.controls.reorderBatch = 2;
    const id = await sendNew('user-p-rev');
    await app.until(id, (p) => p.status === 'returned', 20_000);
    expect((await app.payout(id))?.history.map((change) => change.to)).toEqual([
      'pending',
      'processing',
      'completed',
      'returned',
    ]);
  });

  it('no webhooks at all: the sweeper polls the item and completes the payout', async () => {
    app.sim.controls.dropWebhooks = true;
    const id = await sendNew('user-p-ok');
    for (let i = 0; i < 200 && (await app.attempts(id))[0]?.status !== 'sent'; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    const swept = await app.runtime.sync.sweep(0);
    expect(swept.polled).toBeGreaterThanOrEqual(1);
    const done = await app.until(id, (p) => p.status === 'completed', 2_000);
    expect(done.transaction_id).toMatch(/^PPTX/);
    expect(await app.runtime.sync.sweep(0)).toMatchObject({ redriven: 0 });
  });
});

describe('Hostile webhooks', () => {
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${app.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('a forged or missing signature -> 400, nothing written', async () => {
    const payload = JSON.stringify({
      id: 'evt_forged',
      object: 'event',
      type: 'transfer.reversed',
      data: {
        object: { id: 'tr_x', amount: 5000, amount_reversed: 5000, currency: 'usd', metadata: { payout_id: 'x' } },
      },
    });
    const forged = app.sim.stripeSignature(payload.replace('evt_forged', 'evt_other'));
    expect((await post('/webhooks/stripe', payload, { 'stripe-signature': forged })).status).toBe(400);
    expect((await post('/webhooks/stripe', payload, {})).status).toBe(400);
    expect(await eventRecord('stripe:evt_forged')).toBeUndefined();
    const paypal = JSON.stringify({ id: 'WH-forged', event_type: 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED', resource: {} });
    const headers = app.sim.paypalHeaders(paypal);
    expect((await post('/webhooks/paypal', paypal.replace('forged', 'forgeD'), headers)).status).toBe(400);
    expect((await post('/webhooks/paypal', paypal, {})).status).toBe(400);
    expect(await eventRecord('paypal:WH-forged')).toBeUndefined();
  });

  it('a stale Stripe timestamp -> 400', async () => {
    const payload = JSON.stringify({
      id: 'evt_stale',
      object: 'event',
      type: 'transfer.created',
      data: { object: {} },
    });
    const stale = app.sim.stripeSignature(payload).replace(/t=(\d+)/, (_m, t: string) => `t=${Number(t) - 3600}`);
    expect((await post('/webhooks/stripe', payload, { 'stripe-signature': stale })).status).toBe(400);
  });

  it('an unknown payout or a wrong amount -> 200, flagged for an operator, nothing moved', async () => {
    const unknown = JSON.stringify({
      id: 'evt_unknown',
      object: 'event',
      type: 'transfer.reversed',
      data: {
        object: {
          id: 'tr_u',
          amount: 5000,
          amount_reversed: 5000,
          currency: 'usd',
          metadata: { payout_id: 'no-such-payout' },
        },
      },
    });
    const res = await post('/webhooks/stripe', unknown, { 'stripe-signature': app.sim.stripeSignature(unknown) });
    expect(res.status).toBe(200);
    expect(await eventRecord('stripe:evt_unknown')).toMatchObject({ outcome: 'flagged', flagged: 'yes' });

    const id = await sendNew('user-s-ok');
    const done = await app.until(id, (p) => p.status === 'completed');
    const wrong = JSON.stringify({
      id: 'evt_wrong',
      object: 'event',
      type: 'transfer.reversed',
      data: {
        object: {
          id: done.transaction_id,
          amount: 4000,
          amount_reversed: 4000,
          currency: 'usd',
          metadata: { payout_id: id },
        },
      },
    });
    expect((await post('/webhooks/stripe', wrong, { 'stripe-signature': app.sim.stripeSignature(wrong) })).status).toBe(
      200,
    );
    expect((await app.payout(id))?.status).toBe('completed');
    expect(await eventRecord('stripe:evt_wrong')).toMatchObject({ outcome: 'flagged' });
  });

  it('a replayed event id -> 200, no second effect', async () => {
    const id = await sendNew('user-s-ok');
    const done = await app.until(id, (p) => p.status === 'completed');
    const reversal = JSON.stringify({
      id: 'evt_replay',
      object: 'event',
      type: 'transfer.reversed',
      data: {
        object: {
          id: done.transaction_id,
          amount: 5000,
          amount_reversed: 5000,
          currency: 'usd',
          metadata: { payout_id: id },
        },
      },
    });
    const first = await post('/webhooks/stripe', reversal, { 'stripe-signature': app.sim.stripeSignature(reversal) });
    const second = await post('/webhooks/stripe', reversal, { 'stripe-signature': app.sim.stripeSignature(reversal) });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((await second.json()) as { outcome: string }).outcome).toBe('replay');
    expect((await app.payout(id))?.history.filter((change) => change.to === 'returned')).toHaveLength(1);
  });

  it('a 1 MB body -> 413 before anything is parsed; other paths/methods -> 404/405', async () => {
    expect((await post('/webhooks/stripe', 'x'.repeat(1024 * 1024), { 'stripe-signature': 't=1,v1=x' })).status).toBe(
      413,
    );
    expect((await post('/webhooks/other', '{}', {})).status).toBe(404);
    expect((await fetch(`${app.base}/webhooks/stripe`)).status).toBe(405);
  });
});
