/**
 * The notification half of `npm start` (issue 12): a local SES v2 endpoint (aws-ses-v2-local: the e-mails are
 * really sent through the SDK and read in its viewer), the notification tables, the payouts, attempts, affiliates and
 * provider events streams drained into the payout-notifier, and the webhook retry function every WEBHOOK_RETRY_INTERVAL_SECONDS.
 * Call after the payout and provider tables exist; the handler modules read process.env as in Lambda.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DEFAULT_PROVIDER_TABLE_NAMES } from '../../shared/store/dynamodb/provider-tables.ts';
import { DEFAULT_NOTIFY_TABLE_NAMES } from '../../shared/store/dynamodb/notify-tables.ts';
import { DEFAULT_TABLE_NAMES } from '../../shared/store/dynamodb/tables.ts';
import { notifierStreams } from '../../shared/notify/stream-filters.ts';
import { createNotifyTables } from './notify-tables.ts';
import { startStreamDrain } from './stream-drain.ts';

/** Starts aws-ses-v2-local on 127.0.0.1 (port 0 = any free one); answers its base URL and a stop function. */
export async function startLocalSes(port = 0): Promise<{ url: string; stop(): Promise<void> }> {
  // A CommonJS module with an `exports.default`: under Node's ESM loader that is `.default.default`.
  type Start = (config: { host: string; port: number }) => Promise<Server>;
  const loaded = (await import('aws-ses-v2-local')) as unknown as { default: Start | { default: Start } };
  const start = typeof loaded.default === 'function' ? loaded.default : loaded.default.default;
  const server: Server = await start({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface LocalNotify {
  describe(): string[];
  stop(): Promise<void>;
}

export async function startLocalNotify(dynamoEndpoint: string): Promise<LocalNotify> {
  const env = process.env;
  const ses = env.SES_ENDPOINT ? undefined : await startLocalSes(Number(env.SES_PORT ?? 0));
  if (ses) env.SES_ENDPOINT = ses.url;
  // Locally a developer receives webhooks on http://127.0.0.1:…; in AWS this stays false.
  env.ALLOW_LOCAL_WEBHOOKS ??= 'true';
  env.DASHBOARD_URL ??= `http://localhost:${env.PORT ?? 3000}/`;
  await createNotifyTables(dynamoEndpoint, DEFAULT_NOTIFY_TABLE_NAMES);
  const retrySeconds = Number(env.WEBHOOK_RETRY_INTERVAL_SECONDS ?? 5);

  const notifier = (await import('../../lambdas/payout-notifier/handler.ts')).handler;
  const retrier = (await import('../../lambdas/webhook-retrier/handler.ts')).handler;
  const deadLetter = (record: { dynamodb?: { Keys?: unknown } }) =>
    console.error(`payout-notifier gave up on ${JSON.stringify(record.dynamodb?.Keys)} (the DLQ in AWS)`);
  const drains = notifierStreams({
    payouts: env.PAYOUTS_TABLE || DEFAULT_TABLE_NAMES.payouts,
    attempts: env.ATTEMPTS_TABLE || DEFAULT_PROVIDER_TABLE_NAMES.attempts,
    affiliates: env.AFFILIATES_TABLE || DEFAULT_TABLE_NAMES.affiliates,
    providerEvents: env.PROVIDER_EVENTS_TABLE || DEFAULT_PROVIDER_TABLE_NAMES.events,
  }).map(({ table, filter, busiest }) =>
    startStreamDrain({
      endpoint: dynamoEndpoint,
      table,
      handler: (event: DynamoDBStreamEvent) => notifier(event),
      filter,
      ...(busiest ? { pollMs: 50 } : {}),
      onDeadLetter: deadLetter,
    }),
  );
  let retrying = false;
  const timer = setInterval(() => {
    if (retrying) return;
    retrying = true;
    retrier()
      .catch((error: unknown) => console.error(`webhook retrier: ${(error as Error).message}`))
      .finally(() => (retrying = false));
  }, Math.max(1, retrySeconds) * 1000);
  timer.unref();

  return {
    describe: () => [
      `E-mail: local SES v2 on ${env.SES_ENDPOINT} (viewer: ${env.SES_ENDPOINT}/ , sent mail as JSON: ${env.SES_ENDPOINT}/store)`,
      `  from ${env.MAIL_FROM ?? 'payouts@example.com'}, operators ${env.OPS_EMAIL ?? 'ops@example.com'}; webhooks to http://127.0.0.1 allowed, retries every ${retrySeconds} s`,
    ],
    stop: async () => {
      clearInterval(timer);
      await Promise.all(drains.map((drain) => drain.stop()));
      await ses?.stop();
    },
  };
}
