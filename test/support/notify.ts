import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { createNotifyTables, deleteNotifyTables } from '../../bin/local/notify-tables.ts';
import { startLocalSes } from '../../bin/local/notify.ts';
import type { SeedAffiliate } from '../../bin/local/seed.ts';
import { startStreamDrain } from '../../bin/local/stream-drain.ts';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import { createNotifierHandler } from '../../lambdas/payout-notifier/app.ts';
import type { Clock } from '../../shared/domain/clock.ts';
import { createSesMailer, type Mailer } from '../../shared/notify/mailer.ts';
import { createNotifyRuntime } from '../../shared/notify-runtime.ts';
import { notifierStreams } from '../../shared/notify/stream-filters.ts';
import type { Resolver } from '../../shared/notify/webhook-transport.ts';
import type { NotifyTableNames } from '../../shared/store/dynamodb/notify-tables.ts';
import type { Transport } from '../../shared/usecases/notify-payout.ts';
import { adminApp } from './admin.ts';
import { testProviderConfig } from './app.ts';
import { invoke } from './http.ts';

/** One mail as aws-ses-v2-local's GET /store lists it. */
export interface StoredMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** Every e-mail the local SES endpoint took so far. */
export async function sentMail(sesUrl: string): Promise<StoredMail[]> {
  const response = await fetch(`${sesUrl}/store`);
  return ((await response.json()) as { emails: StoredMail[] }).emails;
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The signature checked with the standardwebhooks library against the endpoint's secret. */
  verified: boolean;
  json: { id: string; type: string; created_at: string; sequence: number; data: { payout: Record<string, unknown> } };
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the standardwebhooks library (Webhook.verify;
 * when a fake clock put the timestamp outside the library's 5-minute tolerance, the signature is recomputed with
 * the library's sign() for that timestamp and compared). `respond` decides each answer.
 */
export async function startReceiver() {
  const received: Received[] = [];
  const state = {
    secret: '',
    respond: (_count: number): { status: number; headers?: Record<string, string>; body?: string } => ({ status: 200 }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers;
      let verified = false;
      try {
        const hook = new Webhook(state.secret);
        try {
          hook.verify(body, headers as Record<string, string>);
          verified = true;
        } catch {
          const id = String(headers['webhook-id']);
          const timestamp = new Date(Number(headers['webhook-timestamp']) * 1000);
          verified = String(headers['webhook-signature'])
            .split(' ')
            .includes(hook.sign(id, timestamp, body));
        }
      } catch {
        verified = false;
      }
      received.push({ headers, body, verified, json: JSON.parse(body) });
      const answer = state.respond(received.length);
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * Issue 12 on one test file's tables, for real: the admin and payouts functions, the notification tables, a local
 * SES endpoint (aws-ses-v2-local), the payouts, attempts, affiliates and provider events streams drained into the notifier (every batch kept, so
 * a test can deliver it again), and a signature-checking receiver.
 */
export async function notifyApp(
  affiliates: SeedAffiliate[],
  options: {
    clock?: Clock;
    env?: Record<string, string>;
    resolve?: Resolver;
    mailer?: (real: Mailer) => Mailer;
    transport?: Transport;
    /** false: no stream drain (the test feeds the handler itself). */
    drain?: boolean;
  } = {},
) {
  const app = await adminApp(affiliates, options.clock ? { clock: options.clock } : {});
  const suffix = randomUUID().slice(0, 8);
  const tables: NotifyTableNames = {
    notifications: `notifications-${suffix}`,
    webhookEndpoints: `webhook-endpoints-${suffix}`,
    webhookDeliveries: `webhook-deliveries-${suffix}`,
  };
  await createNotifyTables(app.db.endpoint, tables);
  const ses = await startLocalSes();
  const receiver = await startReceiver();
  const env = {
    DYNAMODB_ENDPOINT: app.db.endpoint,
    PAYOUTS_TABLE: app.db.tables.payouts,
    NOTIFICATIONS_TABLE: tables.notifications,
    WEBHOOK_ENDPOINTS_TABLE: tables.webhookEndpoints,
    WEBHOOK_DELIVERIES_TABLE: tables.webhookDeliveries,
    SES_ENDPOINT: ses.url,
    ALLOW_LOCAL_WEBHOOKS: 'true',
    DASHBOARD_URL: 'https://dashboard.example.com/',
    MAIL_FROM: 'payouts@example.com',
    OPS_EMAIL: 'ops@example.com',
    WEBHOOK_TIMEOUT_MS: '2000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  };
  const runtime = createNotifyRuntime(env, 'test-notifier', {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.mailer
      ? {
          mailer: options.mailer(createSesMailer({ region: 'us-east-1', endpoint: ses.url })),
        }
      : {}),
  });
  const handler = createNotifierHandler(runtime);
  const admin = createAdminPayoutsHandler(app.runtime, testProviderConfig(app.db), runtime);
  const batches: DynamoDBStreamEvent[] = [];
  const counts = { records: 0, failures: 0 };
  const feed = async (event: DynamoDBStreamEvent) => {
    batches.push(event);
    counts.records += event.Records.length;
    const result = await handler(event);
    counts.failures += result.batchItemFailures.length;
    return result;
  };
  const drains =
    options.drain === false
      ? []
      : notifierStreams({
          payouts: app.db.tables.payouts,
          attempts: app.db.providerTables.attempts,
          affiliates: app.db.tables.affiliates,
          providerEvents: app.db.providerTables.events,
        }).map(({ table, filter, busiest }) =>
          startStreamDrain({
            endpoint: app.db.endpoint,
            table,
            handler: feed,
            filter,
            pollMs: busiest ? 20 : 50,
            ...(busiest ? { retryAttempts: 3 } : {}),
          }),
        );

  const adminCall = (method: string, path: string, body?: unknown) =>
    invoke(admin, { method, path, token: app.adminToken, ...(body !== undefined ? { body } : {}) });

  return {
    ...app,
    admin,
    tables,
    ses,
    receiver,
    runtime,
    handler,
    batches,
    counts,
    adminCall,
    mail: () => sentMail(ses.url),
    /** Registers the receiver (or another URL) and keeps the secret for its checks. */
    async register(url = `${receiver.url}/hooks`, extra: Record<string, unknown> = {}) {
      const res = await adminCall('POST', '/admin/webhook-endpoints', { url, ...extra });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.body}`);
      receiver.state.secret = res.json.data.secret;
      return res.json.data as { id: string; secret: string };
    },
    /** Every item of one notification table. */
    async items(table: keyof NotifyTableNames) {
      const { Items = [] } = await app.db.client.send(
        new ScanCommand({ TableName: tables[table], ConsistentRead: true }),
      );
      return Items;
    },
    /** Waits (polling the real things, no fixed sleep) until `check` holds. */
    async until(check: () => Promise<boolean> | boolean, what = 'condition', timeoutMs = 20_000) {
      const start = Date.now();
      while (!(await check())) {
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      await Promise.all(drains.map((drain) => drain.stop()));
      await receiver.close();
      await ses.stop();
      await deleteNotifyTables(app.db.endpoint, tables);
      await app.db.drop();
    },
  };
}
export type NotifyApp = Awaited<ReturnType<typeof notifyApp>>;
