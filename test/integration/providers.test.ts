import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SIM_PAYPAL_CLIENT_ID,
  SIM_PAYPAL_CLIENT_SECRET,
  SIM_PAYPAL_WEBHOOK_ID,
  SIM_STRIPE_KEY,
  SIM_STRIPE_WEBHOOK_SECRET,
  startProviderSimulator,
  type ProviderSimulator,
} from '../../bin/local/provider-simulator.ts';
import { idempotencyKeyOf, type Attempt, type Provider } from '../../shared/domain/attempt.ts';
import { PaypalProvider } from '../../shared/providers/paypal.ts';
import { StripeProvider } from '../../shared/providers/stripe.ts';
import { ProviderError, WebhookSignatureError } from '../../shared/domain/payout-provider.ts';

let sim: ProviderSimulator;
let counter = 0;

function attempt(provider: Provider, destination: string, amount = 5000, number = 1): Attempt {
  const payoutId = `p-${++counter}-${Date.now()}`;
  return {
    payout_id: payoutId,
    attempt: number,
    provider,
    idempotency_key: idempotencyKeyOf(payoutId, number),
    status: 'queued',
    amount,
    destination,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    created_by: 'admin',
  };
}

const stripe = (overrides: Partial<ConstructorParameters<typeof StripeProvider>[0]> = {}) =>
  new StripeProvider({
    secretKey: SIM_STRIPE_KEY,
    webhookSecret: SIM_STRIPE_WEBHOOK_SECRET,
    apiBase: sim.url,
    timeoutMs: 5_000,
    ...overrides,
  });
const paypal = (overrides: Partial<ConstructorParameters<typeof PaypalProvider>[0]> = {}) =>
  new PaypalProvider({
    clientId: SIM_PAYPAL_CLIENT_ID,
    clientSecret: SIM_PAYPAL_CLIENT_SECRET,
    apiBase: sim.url,
    webhookId: SIM_PAYPAL_WEBHOOK_ID,
    timeoutMs: 5_000,
    ...overrides,
  });

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  sim = await startProviderSimulator({ controls: { settleDelayMs: 50, reverseDelayMs: 100 } });
});
afterAll(() => sim.close());
beforeEach(() => Object.assign(sim.controls, { fail500: 0, timeoutAfterCommit: 0 }));

describe('Stripe adapter (official SDK) against the simulator', () => {
  it('creates one transfer with amount, usd, destination, transfer_group, metadata.payout_id and the attempt key', async () => {
    const sent = attempt('stripe', 'acct_good1');
    const result = await stripe().send(sent);
    expect(result).toMatchObject({ kind: 'paid', reference: expect.stringMatching(/^tr_/) });
    const transfer = sim.state().transfers.find((one) => one.id === (result as { reference: string }).reference)!;
    expect(transfer).toMatchObject({
      amount: 5000,
      currency: 'usd',
      destination: 'acct_good1',
      transfer_group: `payout-${sent.payout_id}`,
      metadata: { payout_id: sent.payout_id },
    });
  });

  it('a retry with the same key gets the first transfer; a time-out after commit never pays twice', async () => {
    const sent = attempt('stripe', 'acct_timeout');
    sim.controls.timeoutAfterCommit = 1;
    const first = await rejection(stripe({ timeoutMs: 300 }).send(sent));
    expect(first.category).toBe('transient');
    const retried = await stripe().send(sent);
    const again = await stripe().send(sent);
    expect(again).toEqual(retried);
    expect(sim.state().createdByPayout[sent.payout_id]).toBe(1);
  });

  it('a 500 is transient and nothing is created; the retry creates it once', async () => {
    const sent = attempt('stripe', 'acct_flaky');
    sim.controls.fail500 = 1;
    expect((await rejection(stripe().send(sent))).category).toBe('transient');
    expect(sim.state().createdByPayout[sent.payout_id]).toBeUndefined();
    await stripe().send(sent);
    expect(sim.state().createdByPayout[sent.payout_id]).toBe(1);
  });

  it.each([
    ['acct_fail', 'recipient', 'account_invalid'],
    ['acct_nocap', 'recipient', 'insufficient_capabilities_for_transfer'],
    ['acct_lowbalance', 'ours', 'balance_insufficient'],
  ])('%s -> %s (%s)', async (destination, category, code) => {
    const error = await rejection(stripe().send(attempt('stripe', destination)));
    expect({ category: error.category, code: error.code }).toEqual({ category, code });
  });

  it('a bad API key is ours; an unreachable Stripe is transient', async () => {
    expect((await rejection(stripe({ secretKey: 'sk_test_wrong' }).send(attempt('stripe', 'acct_x')))).category).toBe(
      'ours',
    );
    const closed = await unusedUrl();
    expect((await rejection(stripe({ apiBase: closed }).send(attempt('stripe', 'acct_x')))).category).toBe('transient');
  });

  it('polls a transfer: paid, then reversed', async () => {
    const sent = attempt('stripe', 'acct_reverse1');
    const result = await stripe().send(sent);
    const withRef = {
      ...sent,
      status: 'succeeded' as const,
      provider_reference: (result as { reference: string }).reference,
    };
    const now = await stripe().poll(withRef);
    expect(now?.fact.kind === 'paid' || now?.fact.kind === 'reversed').toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await stripe().poll(withRef)).toMatchObject({
      payout_id: sent.payout_id,
      amount: 5000,
      fact: { kind: 'reversed', reversed: 5000 },
    });
  });

  it('verifies webhooks with the SDK: good signature passes, a forged or missing one throws', () => {
    const payload = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'transfer.reversed',
      data: {
        object: { id: 'tr_1', amount: 5000, amount_reversed: 5000, currency: 'usd', metadata: { payout_id: 'p-1' } },
      },
    });
    const verified = stripe().verifyWebhook(payload, sim.stripeSignature(payload));
    expect(verified).toMatchObject({ eventId: 'evt_1', observation: { payout_id: 'p-1', fact: { kind: 'reversed' } } });
    expect(() => stripe().verifyWebhook(payload.replace('5000', '1'), sim.stripeSignature(payload))).toThrow(
      WebhookSignatureError,
    );
    expect(() => stripe().verifyWebhook(payload, undefined)).toThrow(WebhookSignatureError);
    expect(() => stripe({ webhookSecret: 'whsec_other' }).verifyWebhook(payload, sim.stripeSignature(payload))).toThrow(
      WebhookSignatureError,
    );
  });
});

describe('PayPal adapter (fetch) against the simulator', () => {
  it('caches its OAuth token: many calls, one token request', async () => {
    const provider = paypal();
    await provider.send(attempt('paypal', 'one@example.com'));
    await provider.send(attempt('paypal', 'two@example.com'));
    await Promise.all([
      provider.send(attempt('paypal', 'three@example.com')),
      provider.send(attempt('paypal', 'four@example.com')),
    ]);
    expect(provider.tokenRequests).toBe(1);
  });

  it('asks for a new token when the cached one expires', async () => {
    let now = 0;
    const provider = paypal({ now: () => now });
    await provider.send(attempt('paypal', 'a@example.com'));
    now += 32_400_000;
    await provider.send(attempt('paypal', 'b@example.com'));
    expect(provider.tokenRequests).toBe(2);
  });

  it('sends one EMAIL item with the amount from integer cents and sender_item_id = payout_id; polls it to SUCCESS', async () => {
    const sent = attempt('paypal', 'payee@example.com', 1_234_505);
    const result = await paypal().send(sent);
    expect(result).toMatchObject({
      kind: 'accepted',
      reference: expect.stringMatching(/^BATCH/),
      item_id: expect.stringMatching(/^ITEM/),
    });
    const item = sim.state().items.find((one) => one.payout_item.sender_item_id === sent.payout_id)!;
    expect(item.payout_item).toMatchObject({
      recipient_type: 'EMAIL',
      receiver: 'payee@example.com',
      amount: { value: '12345.05', currency: 'USD' },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const polled = await paypal().poll({
      ...sent,
      status: 'sent',
      provider_item_id: (result as { item_id: string }).item_id,
    });
    expect(polled).toMatchObject({ payout_id: sent.payout_id, amount: 1_234_505, fact: { kind: 'paid' } });
  });

  it('a time-out after commit: the retry (same PayPal-Request-Id) gets the first batch; one item only', async () => {
    const sent = attempt('paypal', 'slow@example.com');
    sim.controls.timeoutAfterCommit = 1;
    expect((await rejection(paypal({ timeoutMs: 300 }).send(sent))).category).toBe('transient');
    const retried = await paypal().send(sent);
    expect(retried.kind).toBe('accepted');
    expect(sim.state().createdByPayout[sent.payout_id]).toBe(1);
  });

  it('refuses a reused sender_batch_id (another request id): DUPLICATE_BATCH, ours, nothing paid twice', async () => {
    const sent = attempt('paypal', 'dup@example.com');
    await paypal().send(sent);
    const raw = await fetch(`${sim.url}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${SIM_PAYPAL_CLIENT_ID}:${SIM_PAYPAL_CLIENT_SECRET}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await raw.json()) as { access_token: string };
    const again = await fetch(`${sim.url}/v1/payments/payouts`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${access_token}`,
        'Content-Type': 'application/json',
        'PayPal-Request-Id': 'another',
      },
      body: JSON.stringify({
        sender_batch_header: { sender_batch_id: sent.idempotency_key },
        items: [
          {
            recipient_type: 'EMAIL',
            receiver: 'dup@example.com',
            amount: { value: '50.00', currency: 'USD' },
            sender_item_id: sent.payout_id,
          },
        ],
      }),
    });
    expect(again.status).toBe(400);
    const { errorOf } = await import('../../shared/providers/paypal.ts');
    expect(errorOf(again.status, (await again.json()) as Record<string, unknown>)).toMatchObject({
      code: 'DUPLICATE_BATCH',
      category: 'ours',
    });
    expect(sim.state().createdByPayout[sent.payout_id]).toBe(1);
  });

  it('low platform balance is ours; wrong credentials are ours; a 500 is transient', async () => {
    expect(await rejection(paypal().send(attempt('paypal', 'lowbalance@example.com')))).toMatchObject({
      category: 'ours',
      code: 'INSUFFICIENT_FUNDS',
    });
    expect(await rejection(paypal({ clientSecret: 'wrong' }).send(attempt('paypal', 'x@example.com')))).toMatchObject({
      category: 'ours',
      code: 'AUTHENTICATION_FAILURE',
    });
    sim.controls.fail500 = 1;
    expect((await rejection(paypal().send(attempt('paypal', 'x@example.com')))).category).toBe('transient');
  });

  it('verifies webhooks through verify-webhook-signature: genuine passes; tampered, stale or header-less throws', async () => {
    const event = {
      id: 'WH-1',
      event_type: 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED',
      resource: {
        payout_item_id: 'ITEM1',
        transaction_id: 'TX',
        payout_item: { amount: { value: '50.00', currency: 'USD' }, sender_item_id: 'p-1' },
      },
    };
    const payload = JSON.stringify(event);
    const headers = sim.paypalHeaders(payload);
    expect(await paypal().verifyWebhook(payload, headers)).toMatchObject({
      eventId: 'WH-1',
      observation: { payout_id: 'p-1', amount: 5000, fact: { kind: 'paid' } },
    });
    const tampered = payload.replace('50.00', '5000.00');
    await expect(paypal().verifyWebhook(tampered, headers)).rejects.toBeInstanceOf(WebhookSignatureError);
    await expect(
      paypal().verifyWebhook(payload, { ...headers, 'paypal-transmission-sig': undefined }),
    ).rejects.toBeInstanceOf(WebhookSignatureError);
    await expect(paypal({ webhookId: 'WH-OTHER' }).verifyWebhook(payload, headers)).rejects.toBeInstanceOf(
      WebhookSignatureError,
    );
    const stale = { ...headers, 'paypal-transmission-time': new Date(Date.now() - 3_600_000).toISOString() };
    await expect(paypal().verifyWebhook(payload, stale)).rejects.toBeInstanceOf(WebhookSignatureError);
  });
});

/** A URL nobody listens on. */
async function unusedUrl(): Promise<string> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
