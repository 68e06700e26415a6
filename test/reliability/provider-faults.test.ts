import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_STRIPE_KEY, type SimulatorState } from '../../bin/local/provider-simulator.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { affiliate } from '../support/app.ts';
import { providerApp, type ProviderApp } from '../support/providers.ts';
import { startFaultProxy, type FaultProxy } from './support/provider-faults.ts';

/**
 * A fault at every provider call site — Stripe transfer create and get, PayPal OAuth token, payouts create,
 * payouts-item get and verify-webhook-signature — a 500 once and, where the call can be lost after it acted, a
 * time-out. The two creations go through the simulator's own controls, the rest through a fault proxy in front of
 * it. After each case, over every payout so far: at most one provider transfer per payout; completed ⇔ exactly
 * one succeeded attempt; the money the provider moved = what is completed (sent − returned); counters in sync.
 */

let app: ProviderApp;
let proxy: FaultProxy;
const payouts: string[] = [];
const STRIPE = 'user-f-s';
const PAYPAL = 'user-f-p';

const cents = (value: string) => Math.round(Number(value) * 100);

async function simState(): Promise<SimulatorState> {
  return (await (await fetch(`${app.sim.url}/_sim/state`)).json()) as SimulatorState;
}

/** The invariants of the rails over every payout of this file. */
async function checkRails(): Promise<void> {
  await app.sim.idle();
  const state = await simState();
  let completed = 0;
  let moved = 0;
  for (const id of payouts) {
    const payout = (await app.payout(id)) as Payout;
    const attempts = await app.attempts(id);
    const succeeded = attempts.filter((attempt) => attempt.status === 'succeeded').length;
    expect(state.createdByPayout[id] ?? 0, `${id}: transfers/items the provider created`).toBeLessThanOrEqual(1);
    expect(succeeded, `${id}: succeeded attempts`).toBe(payout.status === 'completed' ? 1 : 0);
    const here =
      state.transfers
        .filter((transfer) => transfer.metadata.payout_id === id)
        .reduce((sum, transfer) => sum + transfer.amount - transfer.amount_reversed, 0) +
      state.items
        .filter((item) => item.payout_item.sender_item_id === id && item.transaction_status === 'SUCCESS')
        .reduce((sum, item) => sum + cents(item.payout_item.amount.value), 0);
    expect(here, `${id}: money the provider moved`).toBe(payout.status === 'completed' ? payout.amount : 0);
    if (payout.status === 'completed') completed += payout.amount;
    moved += here;
  }
  expect(moved).toBe(completed);
  for (const affiliateId of ['aff-f-s', 'aff-f-p']) {
    const balance = await app.get(`/admin/affiliates/${affiliateId}/balance`);
    expect(balance.json.data.in_sync, balance.body).toBe(true);
  }
}

async function sendNew(user: string): Promise<string> {
  const id = await app.request(user, 5_000);
  payouts.push(id);
  expect((await app.send(id)).status).toBe(202);
  return id;
}

const completedBy = (id: string, timeoutMs = 20_000) => app.until(id, (p) => p.status === 'completed', timeoutMs);

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Forgets the cached PayPal token, so the next PayPal call asks for one (the OAuth call site). */
const forgetPaypalToken = () => {
  (app.runtime.paypal as unknown as { token?: unknown }).token = undefined;
};

beforeAll(async () => {
  app = await providerApp(
    [
      affiliate('f-s', { total_earned: 1_000_000, payment_method: 'stripe', stripe_account_id: 'acct_ok' } as never),
      affiliate('f-p', { total_earned: 1_000_000, payment_email: 'ok@example.com' }),
    ],
    {},
    {
      apiBase: async (simulator) => {
        proxy = await startFaultProxy(simulator);
        return proxy.url;
      },
    },
  );
});
afterAll(async () => {
  await app?.close();
  await proxy?.close();
});
beforeEach(() => {
  proxy.disarm();
  Object.assign(app.sim.controls, { timeoutAfterCommit: 0, fail500: 0, dropWebhooks: false });
});

describe('Stripe: transfer create (the sender)', () => {
  it('a 500 once: the stream retries with the same key; one transfer, completed', async () => {
    app.sim.controls.fail500 = 1;
    const id = await sendNew(STRIPE);
    await completedBy(id);
    expect(app.sim.controls.fail500).toBe(0);
    await checkRails();
  });

  it('a time-out after Stripe committed (no webhooks): the retry gets the first transfer', async () => {
    app.sim.controls.timeoutAfterCommit = 1;
    app.sim.controls.dropWebhooks = true;
    const id = await sendNew(STRIPE);
    await completedBy(id);
    expect(app.sim.controls.timeoutAfterCommit).toBe(0);
    expect((await simState()).createdByPayout[id]).toBe(1);
    await checkRails();
  });
});

describe('Stripe: transfer get (the sweeper)', () => {
  it('a 500 and a time-out while polling a sent transfer: nothing moves until a poll gets through, then once', async () => {
    // The Stripe adapter completes in the sender (a transfer is paid when created), so an attempt left 'sent'
    // with a transfer id is made here: the sender is kept out (500s), the transfer is created at the simulator
    // with the attempt's own key, and the attempt is recorded as sent.
    app.sim.controls.dropWebhooks = true;
    proxy.arm('stripe.transfer.create', '500', 100);
    const id = await sendNew(STRIPE);
    await waitFor(
      async () => (proxy.hits['stripe.transfer.create'] ?? 0) > 0 && (await app.attempts(id)).length > 0,
      'a send',
    );
    const [attempt] = await app.attempts(id);
    const created = await fetch(`${app.sim.url}/v1/transfers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SIM_STRIPE_KEY}`,
        'idempotency-key': attempt!.idempotency_key,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ amount: '5000', currency: 'usd', destination: 'acct_ok', 'metadata[payout_id]': id }),
    });
    const transfer = (await created.json()) as { id: string };
    expect(
      await app.runtime.store.markSent(attempt!, transfer.id, undefined, new Date(Date.now() - 1_000).toISOString()),
    ).toBe(true);
    // The create stays armed: a stream retry of the sender would otherwise reach the transfer (same key) and complete
    // the payout before the sweeper's polls get through.

    proxy.arm('stripe.transfer.get', '500');
    expect((await app.runtime.sync.sweep(0)).outcomes).toMatchObject({ error: 1 });
    proxy.arm('stripe.transfer.get', 'timeout');
    expect((await app.runtime.sync.sweep(0)).outcomes).toMatchObject({ error: 1 });
    expect((await app.payout(id))?.status).toBe('processing');
    expect(proxy.injected.filter((one) => one.site === 'stripe.transfer.get').map((one) => one.fault)).toEqual([
      '500',
      'timeout',
    ]);
    expect((await app.runtime.sync.sweep(0)).outcomes).toMatchObject({ applied: 1 });
    expect((await completedBy(id)).transaction_id).toBe(transfer.id);
    proxy.disarm();
    await checkRails();
  });
});

describe('PayPal: OAuth token, payouts create (the sender)', () => {
  it('the token call answers 500 once: the stream retries; one batch, completed', async () => {
    forgetPaypalToken();
    proxy.arm('paypal.oauth', '500');
    const id = await sendNew(PAYPAL);
    await completedBy(id);
    expect(proxy.injected).toContainEqual({ site: 'paypal.oauth', fault: '500' });
    await checkRails();
  });

  it('the token call times out (a token issued, the answer lost): a new token, one batch, completed', async () => {
    forgetPaypalToken();
    proxy.arm('paypal.oauth', 'timeout');
    const id = await sendNew(PAYPAL);
    await completedBy(id);
    expect(proxy.injected).toContainEqual({ site: 'paypal.oauth', fault: 'timeout' });
    await checkRails();
  });

  it('payouts create answers 500 once: retried with the same sender_batch_id; one batch', async () => {
    app.sim.controls.fail500 = 1;
    const id = await sendNew(PAYPAL);
    await completedBy(id);
    expect(app.sim.controls.fail500).toBe(0);
    await checkRails();
  });

  it('a time-out after PayPal committed the batch (no webhooks): the retry gets the first batch; one item', async () => {
    // Without webhooks only the sender's retry (then the sweeper) can finish it; with them, the item's SUCCEEDED
    // would complete the payout before the retry and the retry's key would never be tested.
    app.sim.controls.timeoutAfterCommit = 1;
    app.sim.controls.dropWebhooks = true;
    const id = await sendNew(PAYPAL);
    await waitFor(async () => (await app.attempts(id))[0]?.status === 'sent', 'the retry to record the batch');
    expect(app.sim.controls.timeoutAfterCommit).toBe(0);
    expect(app.senderCalls.failures).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () =>
        (await simState()).items.some(
          (item) => item.payout_item.sender_item_id === id && item.transaction_status === 'SUCCESS',
        ),
      'PayPal to settle the item',
    );
    expect((await simState()).createdByPayout[id]).toBe(1);
    await app.runtime.sync.sweep(0);
    await completedBy(id);
    await checkRails();
  });
});

describe('PayPal: payouts-item get (the sweeper)', () => {
  it('a 500 and a time-out while polling: nothing moves until a poll gets through, then once', async () => {
    app.sim.controls.dropWebhooks = true;
    const id = await sendNew(PAYPAL);
    await waitFor(async () => (await app.attempts(id))[0]?.status === 'sent', 'the attempt to be sent');
    await waitFor(
      async () =>
        (await simState()).items.some(
          (item) => item.payout_item.sender_item_id === id && item.transaction_status === 'SUCCESS',
        ),
      'PayPal to settle the item',
    );
    proxy.arm('paypal.item.get', '500');
    expect((await app.runtime.sync.sweep(0)).outcomes).toMatchObject({ error: 1 });
    proxy.arm('paypal.item.get', 'timeout');
    expect((await app.runtime.sync.sweep(0)).outcomes).toMatchObject({ error: 1 });
    expect((await app.payout(id))?.status).toBe('processing');
    expect(proxy.injected.filter((one) => one.site === 'paypal.item.get').map((one) => one.fault)).toEqual([
      '500',
      'timeout',
    ]);
    expect((await app.runtime.sync.sweep(0)).outcomes).toMatchObject({ applied: 1 });
    await completedBy(id);
    await checkRails();
  });
});

describe('PayPal: verify-webhook-signature (the webhooks function)', () => {
  for (const fault of ['500', 'timeout'] as const) {
    it(`verification ${fault === '500' ? 'answers 500 once' : 'times out'}: a 503 (never a 500), PayPal redelivers, applied once`, async () => {
      proxy.arm('paypal.verify', fault);
      const before = (await simState()).deliveries.length;
      const id = await sendNew(PAYPAL);
      const done = await completedBy(id);
      await app.sim.idle();
      const deliveries = (await simState()).deliveries
        .slice(before)
        .filter((d) => d.type === 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED');
      expect(deliveries.map((d) => d.status)).toEqual([503, 200]);
      expect(deliveries[0]!.event_id).toBe(deliveries[1]!.event_id);
      expect(done.history.filter((change) => change.to === 'completed')).toHaveLength(1);
      expect(proxy.injected).toContainEqual({ site: 'paypal.verify', fault });
      await checkRails();
    });
  }
});
