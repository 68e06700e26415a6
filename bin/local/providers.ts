/**
 * The provider half of `npm start`: the simulator (unless the environment points a provider elsewhere), the
 * provider-webhooks handler for /webhooks/*, the attempts stream drained into the payout-sender, and the sweeper
 * every SWEEP_INTERVAL_SECONDS. Call after the tables exist; the handler modules read process.env as in Lambda.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DEFAULT_PROVIDER_TABLE_NAMES } from '../../shared/store/dynamodb/provider-tables.ts';
import {
  SIM_PAYPAL_CLIENT_ID,
  SIM_PAYPAL_CLIENT_SECRET,
  SIM_PAYPAL_WEBHOOK_ID,
  SIM_STRIPE_KEY,
  SIM_STRIPE_WEBHOOK_SECRET,
  startProviderSimulator,
  type ProviderSimulator,
} from './provider-simulator.ts';
import type { FunctionUrlHandler } from './server.ts';
import { startStreamDrain } from './stream-drain.ts';

export interface LocalProviders {
  webhooks: FunctionUrlHandler;
  simulator: ProviderSimulator;
  /** Where webhooks go once the server listens. */
  setWebhookBase(base: string): void;
  describe(): string[];
  stop(): Promise<void>;
}

export async function startLocalProviders(dynamoEndpoint: string): Promise<LocalProviders> {
  const env = process.env;
  const simulator = await startProviderSimulator({
    ...(env.SIMULATOR_PORT ? { port: Number(env.SIMULATOR_PORT) } : {}),
  });
  const stripeFromEnv = Boolean(env.STRIPE_SECRET_KEY);
  const paypalFromEnv = Boolean(env.PAYPAL_CLIENT_ID);
  if (!stripeFromEnv) {
    Object.assign(env, {
      STRIPE_SECRET_KEY: SIM_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: SIM_STRIPE_WEBHOOK_SECRET,
      STRIPE_API_BASE: simulator.url,
    });
  }
  if (!paypalFromEnv) {
    Object.assign(env, {
      PAYPAL_CLIENT_ID: SIM_PAYPAL_CLIENT_ID,
      PAYPAL_CLIENT_SECRET: SIM_PAYPAL_CLIENT_SECRET,
      PAYPAL_API_BASE: simulator.url,
      PAYPAL_WEBHOOK_ID: SIM_PAYPAL_WEBHOOK_ID,
    });
  }
  env.PAYOUT_PROVIDERS ??= ['stripe', 'paypal'].join(',');
  env.SWEEP_MIN_AGE_SECONDS ??= '20';
  env.PROVIDER_TIMEOUT_MS ??= '5000';
  const sweepSeconds = Number(env.SWEEP_INTERVAL_SECONDS ?? 10);

  const webhooks = (await import('../../lambdas/provider-webhooks/handler.ts'))
    .handler as unknown as FunctionUrlHandler;
  const sender = (await import('../../lambdas/payout-sender/handler.ts')).handler;
  const sweeper = (await import('../../lambdas/payout-sweeper/handler.ts')).handler;

  const drain = startStreamDrain({
    endpoint: dynamoEndpoint,
    table: env.ATTEMPTS_TABLE || DEFAULT_PROVIDER_TABLE_NAMES.attempts,
    handler: (event: DynamoDBStreamEvent) => sender(event),
    onDeadLetter: (record) =>
      console.error(`payout-sender gave up on ${JSON.stringify(record.dynamodb?.Keys)} (the DLQ in AWS)`),
  });
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweeper()
      .catch((error: unknown) => console.error(`sweeper: ${(error as Error).message}`))
      .finally(() => (sweeping = false));
  }, Math.max(1, sweepSeconds) * 1000);
  timer.unref();

  return {
    webhooks,
    simulator,
    setWebhookBase: (base) => simulator.setWebhookBase(base),
    describe: () => [
      `Providers: Stripe ${stripeFromEnv ? `at ${env.STRIPE_API_BASE ?? 'api.stripe.com'}` : `simulated on ${simulator.url}`}, PayPal ${paypalFromEnv ? `at ${env.PAYPAL_API_BASE}` : `simulated on ${simulator.url}`}`,
      `  webhooks: POST /webhooks/stripe, /webhooks/paypal; sweeper every ${sweepSeconds} s (attempts older than ${env.SWEEP_MIN_AGE_SECONDS} s)`,
      `  simulator outcomes by recipient: "fail", "unclaimed", "reverse", "lowbalance" in an acct_ id or e-mail`,
    ],
    stop: async () => {
      clearInterval(timer);
      await drain.stop();
      await simulator.close();
    },
  };
}
