/**
 * `npm run bench:providers`: a bulk send of 1,000 payouts against the provider simulator, as `npm start` wires it
 * (DynamoDB Local, the admin handler, the attempts stream drained into the real sender, webhooks back into the real
 * webhooks handler). Reports wall time, payouts/s, provider calls per payout (must be exactly 1), and the webhooks
 * handler's p50/p99 against its floor (the same local server answering 200 with no work).
 *
 *   BENCH_PAYOUTS=1000   how many payouts (half Stripe, half PayPal)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local.ts';
import { createProviderTables } from '../../bin/local/provider-tables.ts';
import {
  SIM_PAYPAL_CLIENT_ID,
  SIM_PAYPAL_CLIENT_SECRET,
  SIM_PAYPAL_WEBHOOK_ID,
  SIM_STRIPE_KEY,
  SIM_STRIPE_WEBHOOK_SECRET,
  startProviderSimulator,
} from '../../bin/local/provider-simulator.ts';
import { seedAffiliates } from '../../bin/local/seed.ts';
import { createLocalServer, type FunctionUrlHandler } from '../../bin/local/server.ts';
import { startStreamDrain } from '../../bin/local/stream-drain.ts';
import { createTables } from '../../bin/local/tables.ts';
import { signToken } from '../../bin/local/tokens.ts';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import { createSenderHandler } from '../../lambdas/payout-sender/app.ts';
import { createWebhooksHandler } from '../../lambdas/provider-webhooks/app.ts';
import { loadConfig } from '../../shared/config.ts';
import { loadProviderConfig } from '../../shared/providers/config.ts';
import { createProviderRuntime } from '../../shared/providers/runtime.ts';
import { createDependencies } from '../../shared/dependencies.ts';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import { DEFAULT_PROVIDER_TABLE_NAMES } from '../../shared/store/dynamodb/provider-tables.ts';
import { DEFAULT_TABLE_NAMES } from '../../shared/store/dynamodb/tables.ts';
import { percentile } from './stats.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const COUNT = Number(process.env.BENCH_PAYOUTS ?? 1_000);
/** Ids per bulk request (the route takes up to 500; the local server gives a request 10 s, as the stack's timeout). */
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long!!';

const dynamo = await startDynamoDbLocal();
const sim = await startProviderSimulator({ controls: { settleDelayMs: 50 } });
try {
  await createTables(dynamo.endpoint, DEFAULT_TABLE_NAMES);
  await createProviderTables(dynamo.endpoint, DEFAULT_PROVIDER_TABLE_NAMES);
  const client = createDocumentClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
  const affiliates = Array.from({ length: 20 }, (_, i) => ({
    affiliate_id: `aff-b${i}`,
    user_id: `user-b${i}`,
    status: 'active',
    total_earned: 100_000_000,
    payment_method: (i % 2 ? 'paypal' : 'stripe') as 'paypal' | 'stripe',
    payment_email: `b${i}@example.com`,
    ...(i % 2 ? {} : { stripe_account_id: `acct_bench${i}` }),
  }));
  await seedAffiliates(client, DEFAULT_TABLE_NAMES.affiliates, affiliates);
  // Pending payouts written straight to the table (with the counters they reserve): the bench is about sending.
  const now = new Date().toISOString();
  const ids: string[] = [];
  for (let n = 0; n < COUNT; n += 1) {
    const owner = affiliates[n % affiliates.length]!;
    const id = `bench-${n}`;
    ids.push(id);
    await client.send(
      new PutCommand({
        TableName: DEFAULT_TABLE_NAMES.payouts,
        Item: {
          payout_id: id,
          affiliate_id: owner.affiliate_id,
          amount: 5_000,
          currency: 'USD',
          payment_method: owner.payment_method,
          payment_email: owner.payment_email,
          ...(owner.stripe_account_id ? { stripe_account_id: owner.stripe_account_id } : {}),
          status: 'pending',
          requested_at: now,
          updated_at: now,
          history: [{ at: now, by: owner.user_id, from: null, to: 'pending' }],
        },
      }),
    );
  }
  for (const owner of affiliates) {
    const mine = ids.filter((_, n) => affiliates[n % affiliates.length] === owner).length;
    await client.send(
      new PutCommand({
        TableName: DEFAULT_TABLE_NAMES.affiliates,
        Item: { ...owner, total_paid: 0, total_pending: mine * 5_000, payout_count: mine },
      }),
    );
  }

  const env = {
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: 'silent',
    JWT_SECRET: SECRET,
    STRIPE_SECRET_KEY: SIM_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: SIM_STRIPE_WEBHOOK_SECRET,
    STRIPE_API_BASE: sim.url,
    PAYPAL_CLIENT_ID: SIM_PAYPAL_CLIENT_ID,
    PAYPAL_CLIENT_SECRET: SIM_PAYPAL_CLIENT_SECRET,
    PAYPAL_API_BASE: sim.url,
    PAYPAL_WEBHOOK_ID: SIM_PAYPAL_WEBHOOK_ID,
    PAYOUT_PROVIDERS: 'stripe,paypal',
  };
  const admin = createAdminPayoutsHandler(
    createDependencies(loadConfig(env), 'bench-admin'),
    loadProviderConfig(env),
  ) as unknown as FunctionUrlHandler;
  const providers = await createProviderRuntime(env, 'bench');
  const webhooks = createWebhooksHandler(providers) as unknown as FunctionUrlHandler;
  const server = createLocalServer({ payouts: admin, admin, webhooks });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.setWebhookBase(base);
  const sender = createSenderHandler(providers);
  const drain = startStreamDrain({
    endpoint: dynamo.endpoint,
    table: DEFAULT_PROVIDER_TABLE_NAMES.attempts,
    handler: (event) => sender(event),
    pollMs: 20,
  });
  const token = await signToken(SECRET, { sub: 'bench-admin', role: 'admin' });

  // --- bulk send, 500 ids per request
  const started = performance.now();
  let accepted = 0;
  for (let start = 0; start < ids.length; start += BATCH) {
    const t0 = performance.now();
    const res = await fetch(`${base}/admin/payouts/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payout_ids: ids.slice(start, start + BATCH) }),
    });
    const answer = (await res.json()) as { data?: { succeeded: number } };
    if (!answer.data) throw new Error(`bulk send answered ${res.status}: ${JSON.stringify(answer)}`);
    accepted += answer.data.succeeded;
    console.error(`bulk send of ${BATCH}: ${Math.round(performance.now() - t0)} ms`);
  }
  const sendMs = performance.now() - started;
  // --- until every payout is completed
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const remaining = new Set(ids);
  while (remaining.size > 0 && performance.now() - started < 600_000) {
    for (const id of [...remaining].slice(0, 100)) {
      const { Item } = await client.send(
        new GetCommand({ TableName: DEFAULT_TABLE_NAMES.payouts, Key: { payout_id: id } }),
      );
      if (Item?.status === 'completed') remaining.delete(id);
    }
    if (remaining.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const allMs = performance.now() - started;
  await sim.idle();
  const state = sim.state();
  const perPayout = ids.map((id) => state.createdByPayout[id] ?? 0);
  const calls = (state.calls['POST /v1/transfers'] ?? 0) + (state.calls['POST /v1/payments/payouts'] ?? 0);

  // --- webhook handler latency vs floor (same machine, same HTTP path)
  const stripe = new Stripe(SIM_STRIPE_KEY);
  const floor = createServer((_req, res) => {
    _req.resume();
    _req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
  const floorBase = `http://127.0.0.1:${(floor.address() as AddressInfo).port}`;
  const time = async (url: string, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const payload = JSON.stringify({
        id: `evt_bench_${url.length}_${i}`,
        object: 'event',
        type: 'transfer.created',
        data: { object: state.transfers[i % state.transfers.length] },
      });
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: SIM_STRIPE_WEBHOOK_SECRET });
      const t = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        body: payload,
      });
      await res.arrayBuffer();
      samples.push(performance.now() - t);
    }
    return samples.slice(20);
  };
  const hooks = await time(`${base}/webhooks/stripe`, 320);
  const floorSamples = await time(`${floorBase}/webhooks/stripe`, 320);

  const result = {
    payouts: COUNT,
    accepted,
    completed: COUNT - remaining.size,
    bulk_send_ms: Math.round(sendMs),
    all_completed_ms: Math.round(allMs),
    payouts_per_second: Math.round((COUNT / allMs) * 1000 * 10) / 10,
    provider_creations_per_payout: { min: Math.min(...perPayout), max: Math.max(...perPayout) },
    provider_create_calls: calls,
    webhook_ms: { p50: round(percentile(hooks, 50)), p99: round(percentile(hooks, 99)) },
    floor_ms: { p50: round(percentile(floorSamples, 50)), p99: round(percentile(floorSamples, 99)) },
  };
  console.log(JSON.stringify(result, null, 2));
  await drain.stop();
  server.closeAllConnections();
  server.close();
  floor.close();
  providers.client.destroy();
  client.destroy();
} finally {
  await sim.close();
  await dynamo.stop();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
