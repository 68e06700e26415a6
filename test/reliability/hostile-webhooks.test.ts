import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_STRIPE_WEBHOOK_SECRET } from '../../bin/local/provider-simulator.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { affiliate } from '../support/app.ts';
import { providerApp, type ProviderApp } from '../support/providers.ts';

/**
 * Hostile input against the provider-webhooks function, over HTTP through the local server, as a provider (or an
 * attacker pretending to be one) would send it: bad, missing and stale signatures, malformed and oversized bodies,
 * events about payouts that do not exist or with amounts that do not match, replays. Each case must get a 4xx or a
 * 200 that changes nothing — never a 500 — and after each case every table must hold what it held before, except
 * the one provider-event record a 200 is allowed to leave (flagged for an operator, or ignored).
 */

const stripeSdk = new Stripe('sk_test_hostile_webhooks');
const now = () => Math.floor(Date.now() / 1000);
const signStripe = (payload: string, { secret = SIM_STRIPE_WEBHOOK_SECRET, timestamp = now() } = {}) =>
  stripeSdk.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const MB = 'x'.repeat(1024 * 1024);

let app: ProviderApp;
/** Filled in beforeAll: real payouts the events below are about. */
const context = {
  stripeCompleted: undefined as unknown as Payout,
  stripeReturned: undefined as unknown as Payout,
  paypalCompleted: undefined as unknown as Payout,
  paypalReturned: undefined as unknown as Payout,
  stripeReplay: '',
  paypalReplay: '',
};

const stripeEvent = (id: string, type: string, object: unknown) =>
  JSON.stringify({ id, object: 'event', api_version: '2025-01-01', created: now(), type, data: { object } });
const transfer = (payoutId: string, id: string, amount: number, reversed = amount) => ({
  id,
  object: 'transfer',
  amount,
  amount_reversed: reversed,
  currency: 'usd',
  destination: 'acct_ok',
  metadata: { payout_id: payoutId },
  reversed: reversed === amount,
});
const paypalEvent = (id: string, type: string, resource: unknown) =>
  JSON.stringify({ id, event_version: '1.0', resource_type: 'payouts_item', event_type: type, resource });
const paypalItem = (payoutId: string, itemId: string, value: string, status: string) => ({
  payout_item_id: itemId,
  payout_batch_id: 'BATCHHOSTILE',
  transaction_id: 'PPTXHOSTILE',
  transaction_status: status,
  payout_item: {
    recipient_type: 'EMAIL',
    amount: { value, currency: 'USD' },
    receiver: 'ok@example.com',
    sender_item_id: payoutId,
  },
});

interface Delivery {
  provider: 'stripe' | 'paypal';
  body: string;
  headers: Record<string, string>;
}
interface WebhookCase {
  name: string;
  build: () => Delivery;
  status: number;
  /** The 4xx's machine code, or the 200's outcome(s). */
  code: string | string[];
  /** The one provider-event record a 200 may write (event_key); its outcome must be one of `code`. */
  records?: string;
}

const stripe = (
  body: string,
  headers: Record<string, string> = { 'stripe-signature': signStripe(body) },
): Delivery => ({
  provider: 'stripe',
  body,
  headers,
});
const paypal = (body: string, headers: Record<string, string> = app.sim.paypalHeaders(body)): Delivery => ({
  provider: 'paypal',
  body,
  headers,
});

const CASES: WebhookCase[] = [
  // --- Stripe: signatures
  {
    name: 'stripe: signed with another secret',
    build: () => {
      const body = stripeEvent('evt_hw_other_secret', 'transfer.reversed', transfer('x', 'tr_x', 5000));
      return stripe(body, { 'stripe-signature': signStripe(body, { secret: 'whsec_not_ours' }) });
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: the signature of another body (amount changed after signing)',
    build: () => {
      const signed = stripeEvent(
        'evt_hw_tampered',
        'transfer.reversed',
        transfer(context.stripeCompleted.payout_id, 'tr_x', 5000),
      );
      return stripe(signed.replace('"amount_reversed":5000', '"amount_reversed":4000'), {
        'stripe-signature': signStripe(signed),
      });
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: no Stripe-Signature header',
    build: () => stripe(stripeEvent('evt_hw_unsigned', 'transfer.reversed', transfer('x', 'tr_x', 5000)), {}),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: an empty Stripe-Signature header',
    build: () =>
      stripe(stripeEvent('evt_hw_empty_sig', 'transfer.reversed', transfer('x', 'tr_x', 5000)), {
        'stripe-signature': '',
      }),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: a stale timestamp (signed correctly an hour ago: a captured request replayed)',
    build: () => {
      const body = stripeEvent(
        'evt_hw_stale',
        'transfer.reversed',
        transfer(context.stripeCompleted.payout_id, 'tr_x', 5000),
      );
      return stripe(body, { 'stripe-signature': signStripe(body, { timestamp: now() - 3_600 }) });
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: a timestamp just past the 300 s tolerance',
    build: () => {
      const body = stripeEvent(
        'evt_hw_tolerance',
        'transfer.reversed',
        transfer(context.stripeCompleted.payout_id, 'tr_x', 5000),
      );
      return stripe(body, { 'stripe-signature': signStripe(body, { timestamp: now() - 330 }) });
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: only a v0 signature (not the scheme Stripe verifies)',
    build: () => {
      const body = stripeEvent('evt_hw_v0', 'transfer.reversed', transfer('x', 'tr_x', 5000));
      return stripe(body, { 'stripe-signature': signStripe(body).replace('v1=', 'v0=') });
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  // --- Stripe: bodies
  {
    name: 'stripe: malformed JSON, correctly signed',
    build: () => stripe('{"id":"evt_hw_malformed","type":"transfer.reversed","data":{'),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: a 1 MB body, correctly signed',
    build: () => stripe(JSON.stringify({ id: 'evt_hw_big', type: 'transfer.reversed', padding: MB })),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'stripe: a 1 MB body, unsigned',
    build: () => stripe(MB, { 'stripe-signature': 't=1,v1=00' }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  // --- Stripe: genuine signatures, events that must not move anything
  {
    name: 'stripe: a full reversal for an unknown payout -> 200, flagged for an operator',
    build: () =>
      stripe(stripeEvent('evt_hw_unknown', 'transfer.reversed', transfer('no-such-payout', 'tr_nope', 5000))),
    status: 200,
    code: 'flagged',
    records: 'stripe:evt_hw_unknown',
  },
  {
    name: 'stripe: a reversal whose amount does not match the payout -> 200, flagged, nothing moved',
    build: () =>
      stripe(
        stripeEvent(
          'evt_hw_wrong_amount',
          'transfer.reversed',
          transfer(context.stripeCompleted.payout_id, context.stripeCompleted.transaction_id ?? 'tr_x', 9_999),
        ),
      ),
    status: 200,
    code: 'flagged',
    records: 'stripe:evt_hw_wrong_amount',
  },
  {
    name: 'stripe: a replayed event id (a reversal already applied) -> 200, no second effect',
    build: () => stripe(context.stripeReplay),
    status: 200,
    code: 'replay',
  },
  {
    name: 'stripe: an event type this service does not handle -> 200, ignored',
    build: () => stripe(stripeEvent('evt_hw_other_type', 'charge.succeeded', { id: 'ch_1', amount: 5000 })),
    status: 200,
    code: 'ignored',
    records: 'stripe:evt_hw_other_type',
  },
  {
    name: 'stripe: a signed transfer.reversed whose data.object is null',
    build: () => stripe(stripeEvent('evt_hw_null_object', 'transfer.reversed', null)),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'stripe: a signed event without an id',
    build: () => stripe(JSON.stringify({ object: 'event', type: 'charge.succeeded', data: { object: {} } })),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  // --- PayPal: signatures
  {
    name: 'paypal: the headers of another body (amount changed after signing)',
    build: () => {
      const signed = paypalEvent(
        'WH-hw-tampered',
        'PAYMENT.PAYOUTS-ITEM.REVERSED',
        paypalItem(context.paypalCompleted.payout_id, 'ITEMX', '50.00', 'REVERSED'),
      );
      return paypal(signed.replace('"50.00"', '"40.00"'), app.sim.paypalHeaders(signed));
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'paypal: no signature headers',
    build: () =>
      paypal(
        paypalEvent('WH-hw-unsigned', 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED', paypalItem('x', 'ITEMX', '50.00', 'SUCCESS')),
        {},
      ),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'paypal: the transmission signature header missing',
    build: () => {
      const body = paypalEvent(
        'WH-hw-nosig',
        'PAYMENT.PAYOUTS-ITEM.SUCCEEDED',
        paypalItem('x', 'ITEMX', '50.00', 'SUCCESS'),
      );
      const { 'paypal-transmission-sig': _dropped, ...headers } = app.sim.paypalHeaders(body);
      return paypal(body, headers);
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'paypal: a stale transmission time (an hour ago)',
    build: () => {
      const body = paypalEvent(
        'WH-hw-stale',
        'PAYMENT.PAYOUTS-ITEM.SUCCEEDED',
        paypalItem('x', 'ITEMX', '50.00', 'SUCCESS'),
      );
      return paypal(body, {
        ...app.sim.paypalHeaders(body),
        'paypal-transmission-time': new Date(Date.now() - 3_600_000).toISOString(),
      });
    },
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  // --- PayPal: bodies
  {
    name: 'paypal: malformed JSON',
    build: () => paypal('{"id":"WH-hw-malformed","event_type":'),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'paypal: JSON that is not an event (no id)',
    build: () => paypal(JSON.stringify({ event_type: 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED', resource: {} })),
    status: 400,
    code: 'INVALID_SIGNATURE',
  },
  {
    name: 'paypal: a 1 MB body',
    build: () => paypal(JSON.stringify({ id: 'WH-hw-big', event_type: 'X', padding: MB })),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  // --- PayPal: genuine signatures, events that must not move anything
  {
    name: 'paypal: SUCCEEDED for an unknown payout -> 200, flagged for an operator',
    build: () =>
      paypal(
        paypalEvent(
          'WH-hw-unknown',
          'PAYMENT.PAYOUTS-ITEM.SUCCEEDED',
          paypalItem('no-such-payout', 'ITEMNOPE', '50.00', 'SUCCESS'),
        ),
      ),
    status: 200,
    code: 'flagged',
    records: 'paypal:WH-hw-unknown',
  },
  {
    name: 'paypal: REVERSED with an amount that does not match -> 200, flagged, nothing moved',
    build: () =>
      paypal(
        paypalEvent(
          'WH-hw-wrong-amount',
          'PAYMENT.PAYOUTS-ITEM.REVERSED',
          paypalItem(context.paypalCompleted.payout_id, 'ITEMX', '99.99', 'REVERSED'),
        ),
      ),
    status: 200,
    code: 'flagged',
    records: 'paypal:WH-hw-wrong-amount',
  },
  {
    name: 'paypal: a replayed event id (a reversal already applied) -> 200, no second effect',
    build: () => paypal(context.paypalReplay),
    status: 200,
    code: 'replay',
  },
  {
    name: 'paypal: an event type this service does not handle -> 200, ignored',
    build: () => paypal(paypalEvent('WH-hw-other-type', 'PAYMENT.PAYOUTSBATCH.SUCCESS', { batch_header: {} })),
    status: 200,
    code: 'ignored',
    records: 'paypal:WH-hw-other-type',
  },
];

type Rows = Map<string, Set<string>>;
/** JSON with every object's keys sorted, at every depth, so equal items read the same. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Set
      ? [...inner].sort()
      : inner && typeof inner === 'object' && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
        : inner,
  );
/** Every item of every table (the provider tables included), as canonical JSON per table. */
async function rows(): Promise<Rows> {
  const names = { ...app.db.tables, ...app.db.providerTables };
  const out: Rows = new Map();
  for (const [label, table] of Object.entries(names)) {
    const items = new Set<string>();
    let start: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await app.db.client.send(
        new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.add(canonical(item));
      start = page.LastEvaluatedKey;
    } while (start);
    out.set(label, items);
  }
  return out;
}
/** What changed between two reads: items added and removed, per table. */
function changes(before: Rows, after: Rows) {
  const out: { table: string; added: Record<string, unknown>[]; removed: string[] }[] = [];
  for (const [table, items] of after) {
    const old = before.get(table) ?? new Set();
    const added = [...items]
      .filter((item) => !old.has(item))
      .map((item) => JSON.parse(item) as Record<string, unknown>);
    const removed = [...old].filter((item) => !items.has(item));
    if (added.length || removed.length) out.push({ table, added, removed });
  }
  return out;
}

const post = (delivery: Delivery) =>
  fetch(`${app.base}/webhooks/${delivery.provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...delivery.headers },
    body: delivery.body,
  });

async function completed(user: string): Promise<Payout> {
  const id = await app.request(user, 5_000);
  expect((await app.send(id)).status).toBe(202);
  return app.until(id, (payout) => payout.status === 'completed');
}

describe('hostile provider webhooks: 4xx or 200-with-no-effect, never a 500, never a stray write', () => {
  let before: Rows;
  const seen = { cases: 0, answers500: 0 };

  beforeAll(async () => {
    app = await providerApp([
      affiliate('hw-s', { total_earned: 1_000_000, payment_method: 'stripe', stripe_account_id: 'acct_ok' } as never),
      affiliate('hw-p', { total_earned: 1_000_000, payment_email: 'ok@example.com' }),
    ]);
    context.stripeCompleted = await completed('user-hw-s');
    context.paypalCompleted = await completed('user-hw-p');
    // A genuine full reversal of each provider, applied once here; the cases replay it.
    const stripeReturned = await completed('user-hw-s');
    context.stripeReplay = stripeEvent(
      'evt_hw_replay',
      'transfer.reversed',
      transfer(stripeReturned.payout_id, stripeReturned.transaction_id ?? '', 5_000),
    );
    expect((await post(stripe(context.stripeReplay))).status).toBe(200);
    context.stripeReturned = await app.until(stripeReturned.payout_id, (payout) => payout.status === 'returned');
    const paypalReturned = await completed('user-hw-p');
    const [attempt] = await app.attempts(paypalReturned.payout_id);
    context.paypalReplay = paypalEvent(
      'WH-hw-replay',
      'PAYMENT.PAYOUTS-ITEM.REVERSED',
      paypalItem(paypalReturned.payout_id, attempt?.provider_item_id ?? 'ITEMX', '50.00', 'REVERSED'),
    );
    expect((await post(paypal(context.paypalReplay))).status).toBe(200);
    context.paypalReturned = await app.until(paypalReturned.payout_id, (payout) => payout.status === 'returned');
    // Nothing of the simulator's may land while the cases run.
    await app.sim.idle();
    app.sim.controls.dropWebhooks = true;
    before = await rows();
  });
  afterAll(() => app?.close());

  it.each(CASES.map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
    const response = await post(hostile.build());
    const text = await response.text();
    seen.cases += 1;
    if (response.status >= 500) seen.answers500 += 1;
    const after = await rows();
    const changed = changes(before, after);
    before = after;

    expect(response.status, text.slice(0, 300)).toBe(hostile.status);
    const body = JSON.parse(text) as { success: boolean; code?: string; outcome?: string; message?: string };
    const codes = [hostile.code].flat();
    if (hostile.status >= 400) {
      expect(body.success).toBe(false);
      expect(codes).toContain(body.code);
      expect(body.message).toMatch(/^\S.{9,}/);
    } else {
      expect(body.success).toBe(true);
      expect(codes).toContain(body.outcome);
    }
    // The only write allowed: the case's own event record, with the outcome it answered.
    const allowed = hostile.records
      ? [
          {
            table: 'events',
            added: [expect.objectContaining({ event_key: hostile.records, outcome: body.outcome })],
            removed: [],
          },
        ]
      : [];
    expect(changed).toEqual(allowed);
  });

  it('answered every case and never a 500; the payouts and counters are where they were', async () => {
    expect(seen).toEqual({ cases: CASES.length, answers500: 0 });
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    expect((await app.payout(context.stripeCompleted.payout_id))?.status).toBe('completed');
    expect((await app.payout(context.paypalCompleted.payout_id))?.status).toBe('completed');
    for (const affiliateId of ['aff-hw-s', 'aff-hw-p']) {
      const balance = await app.get(`/admin/affiliates/${affiliateId}/balance`);
      expect(balance.json.data.in_sync, balance.body).toBe(true);
    }
  });
});
