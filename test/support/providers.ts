import type { AddressInfo } from 'node:net';
import type { SeedAffiliate } from '../../bin/local/seed.ts';
import {
  SIM_PAYPAL_CLIENT_ID,
  SIM_PAYPAL_CLIENT_SECRET,
  SIM_PAYPAL_WEBHOOK_ID,
  SIM_STRIPE_KEY,
  SIM_STRIPE_WEBHOOK_SECRET,
  startProviderSimulator,
  type SimulatorControls,
} from '../../bin/local/provider-simulator.ts';
import { createLocalServer, type FunctionUrlHandler } from '../../bin/local/server.ts';
import { startStreamDrain } from '../../bin/local/stream-drain.ts';
import { createSenderHandler } from '../../lambdas/payout-sender/app.ts';
import { createWebhooksHandler } from '../../lambdas/provider-webhooks/app.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { createProviderRuntime } from '../../shared/providers/runtime.ts';
import { adminApp } from './admin.ts';
import { invoke } from './http.ts';

/**
 * Everything of issue 10 on one test file's tables, for real: DynamoDB Local with the attempts stream drained into
 * the sender, the provider simulator, and the webhooks handler behind a local HTTP server the simulator calls.
 */
export async function providerApp(
  affiliates: SeedAffiliate[],
  controls: Partial<SimulatorControls> = {},
  options: {
    /** Puts something between the functions and the simulator (a fault proxy): returns the base URL to call. */
    apiBase?: (simulatorUrl: string) => Promise<string>;
  } = {},
) {
  const app = await adminApp(affiliates);
  const sim = await startProviderSimulator({ controls: { settleDelayMs: 50, reverseDelayMs: 300, ...controls } });
  const apiBase = options.apiBase ? await options.apiBase(sim.url) : sim.url;
  const runtime = await createProviderRuntime(
    {
      DYNAMODB_ENDPOINT: app.db.endpoint,
      AWS_REGION: 'us-east-1',
      AFFILIATES_TABLE: app.db.tables.affiliates,
      PAYOUTS_TABLE: app.db.tables.payouts,
      IDEMPOTENCY_TABLE: app.db.tables.idempotency,
      TAX_YEARS_TABLE: app.db.tables.taxYears,
      ATTEMPTS_TABLE: app.db.providerTables.attempts,
      PROVIDER_EVENTS_TABLE: app.db.providerTables.events,
      STRIPE_SECRET_KEY: SIM_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: SIM_STRIPE_WEBHOOK_SECRET,
      STRIPE_API_BASE: apiBase,
      PAYPAL_CLIENT_ID: SIM_PAYPAL_CLIENT_ID,
      PAYPAL_CLIENT_SECRET: SIM_PAYPAL_CLIENT_SECRET,
      PAYPAL_API_BASE: apiBase,
      PAYPAL_WEBHOOK_ID: SIM_PAYPAL_WEBHOOK_ID,
      PROVIDER_TIMEOUT_MS: '1500',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    },
    'test-providers',
  );
  const webhooks = createWebhooksHandler(runtime) as unknown as FunctionUrlHandler;
  const sender = createSenderHandler(runtime);
  const senderCalls = { records: 0, failures: 0 };
  const server = createLocalServer({ payouts: app.payouts as never, admin: app.admin as never, webhooks });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.setWebhookBase(base);
  const drain = startStreamDrain({
    endpoint: app.db.endpoint,
    table: app.db.providerTables.attempts,
    handler: async (event) => {
      senderCalls.records += event.Records.length;
      const result = await sender(event);
      senderCalls.failures += result.batchItemFailures.length;
      return result;
    },
    pollMs: 50,
  });

  const payout = async (id: string) => (await app.stored(id)) as Payout | undefined;
  return {
    ...app,
    sim,
    runtime,
    base,
    senderCalls,
    payout,
    attempts: (id: string) => runtime.store.listAttempts(id),
    send: (id: string) =>
      invoke(app.admin, { method: 'POST', path: `/admin/payouts/${id}/send`, token: app.adminToken }),
    /** Waits until the payout satisfies `done` (status or more), or throws with what it is. */
    async until(id: string, done: (payout: Payout) => boolean, timeoutMs = 15_000): Promise<Payout> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await payout(id);
        if (current && done(current)) return current;
        if (Date.now() > deadline)
          throw new Error(
            `payout ${id} still ${JSON.stringify({ status: current?.status, reason: current?.status_reason })}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await drain.stop();
      await sim.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      runtime.client.destroy();
      await app.db.drop();
    },
  };
}
export type ProviderApp = Awaited<ReturnType<typeof providerApp>>;
