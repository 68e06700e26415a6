/**
 * `npm run bench:notifier`: the notifier as `npm start` wires it — DynamoDB Local's payouts stream drained into the
 * real payout-notifier, e-mails through the SDK into aws-ses-v2-local, webhooks to a local receiver that verifies
 * each signature. BENCH_NOTIFY_PAYOUTS payouts are requested (a committed insert each: one affiliate e-mail, one
 * operators' e-mail, one webhook) in waves; then the same number of moves to processing.
 * Reports the commit-to-delivery lag of e-mails (SES answered) and webhooks (the receiver got it), p50/p99, and the
 * notifier's records/s (records handed to it / the time it spent on them).
 *
 *   BENCH_NOTIFY_PAYOUTS=300
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local.ts';
import { startLocalSes } from '../../bin/local/notify.ts';
import { createNotifyTables } from '../../bin/local/notify-tables.ts';
import { startStreamDrain } from '../../bin/local/stream-drain.ts';
import { createTables } from '../../bin/local/tables.ts';
import { createNotifierHandler } from '../../lambdas/payout-notifier/app.ts';
import { createSesMailer } from '../../shared/notify/mailer.ts';
import { createNotifyRuntime } from '../../shared/notify-runtime.ts';
import { payoutRecordWanted } from '../../shared/notify/stream-filters.ts';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import { DynamoNotifyStore } from '../../shared/store/dynamodb/notify-store.ts';
import { DEFAULT_NOTIFY_TABLE_NAMES } from '../../shared/store/dynamodb/notify-tables.ts';
import { DEFAULT_TABLE_NAMES } from '../../shared/store/dynamodb/tables.ts';
import { percentile, round } from './stats.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const COUNT = Number(process.env.BENCH_NOTIFY_PAYOUTS ?? 300);
const WAVE = 20;
const PACED = Number(process.env.BENCH_NOTIFY_PACED ?? 100);
const RATE = Number(process.env.BENCH_NOTIFY_RATE ?? 10);

const dynamo = await startDynamoDbLocal();
const ses = await startLocalSes();
const committed = new Map<string, number>(); // `${payout_id}#${status}` -> when the write returned
const mailed = new Map<string, number>();
const hooked = new Map<string, number>();
let verifiedAll = true;
const secret = `whsec_${Buffer.from('bench-secret-0123456789abcdef0123').toString('base64')}`;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      new Webhook(secret).verify(body, req.headers as Record<string, string>);
    } catch {
      verifiedAll = false;
    }
    const event = JSON.parse(body) as { data: { payout: { payout_id: string; status: string } } };
    hooked.set(`${event.data.payout.payout_id}#${event.data.payout.status}`, performance.now());
    res.end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

try {
  await createTables(dynamo.endpoint, DEFAULT_TABLE_NAMES);
  await createNotifyTables(dynamo.endpoint, DEFAULT_NOTIFY_TABLE_NAMES);
  const client = createDocumentClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
  await new DynamoNotifyStore(client, DEFAULT_NOTIFY_TABLE_NAMES).createEndpoint({
    endpoint_id: 'whe_bench',
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/bench`,
    events: [],
    secret,
    status: 'active',
    created_at: new Date().toISOString(),
  });
  const real = createSesMailer({ region: 'us-east-1', endpoint: ses.url });
  const runtime = createNotifyRuntime(
    {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SES_ENDPOINT: ses.url,
      ALLOW_LOCAL_WEBHOOKS: 'true',
      LOG_LEVEL: 'silent',
    },
    'bench-notifier',
    {
      mailer: {
        send: async (email) => {
          const answer = await real.send(email);
          const id = /Payout: (\S+)/.exec(email.text)?.[1];
          const status = email.subject.startsWith('We received') ? 'pending' : 'processing';
          if (id && email.to !== 'ops@example.com') mailed.set(`${id}#${status}`, performance.now());
          return answer;
        },
      },
    },
  );
  const handler = createNotifierHandler(runtime);
  const work = { records: 0, busyMs: 0 };
  const drain = startStreamDrain({
    endpoint: dynamo.endpoint,
    table: DEFAULT_TABLE_NAMES.payouts,
    filter: payoutRecordWanted,
    pollMs: 20,
    handler: async (event) => {
      const start = performance.now();
      const result = await handler(event);
      work.busyMs += performance.now() - start;
      work.records += event.Records.length;
      return result;
    },
  });

  const ids = Array.from({ length: COUNT }, (_, n) => `bench-${n}`);
  const at = () => new Date().toISOString();
  const started = performance.now();
  for (let start = 0; start < COUNT; start += WAVE) {
    await Promise.all(
      ids.slice(start, start + WAVE).map(async (id, index) => {
        const now = at();
        await client.send(
          new PutCommand({
            TableName: DEFAULT_TABLE_NAMES.payouts,
            Item: {
              payout_id: id,
              affiliate_id: `aff-${index % 10}`,
              amount: 5_000 + index,
              currency: 'USD',
              payment_method: 'paypal',
              payment_email: `b${index % 10}@example.com`,
              status: 'pending',
              requested_at: now,
              updated_at: now,
              history: [{ at: now, by: 'user', from: null, to: 'pending' }],
            },
          }),
        );
        committed.set(`${id}#pending`, performance.now());
      }),
    );
  }
  for (let start = 0; start < COUNT; start += WAVE) {
    await Promise.all(
      ids.slice(start, start + WAVE).map(async (id) => {
        const now = at();
        await client.send(
          new UpdateCommand({
            TableName: DEFAULT_TABLE_NAMES.payouts,
            Key: { payout_id: id },
            UpdateExpression: 'SET #s = :p, updated_at = :now, history = list_append(history, :h)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':p': 'processing',
              ':now': now,
              ':h': [{ at: now, by: 'admin', from: 'pending', to: 'processing' }],
            },
          }),
        );
        committed.set(`${id}#processing`, performance.now());
      }),
    );
  }
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 300_000;
    while ((mailed.size < count || hooked.size < count) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await waitFor(2 * COUNT);
  const wall = performance.now() - started;
  const burst = { records: work.records, busyMs: work.busyMs };
  const lags = (delivered: Map<string, number>, keys: string[]) =>
    keys.flatMap((key) => (delivered.has(key) ? [delivered.get(key)! - committed.get(key)!] : []));
  const burstKeys = [...committed.keys()];
  const burstMail = lags(mailed, burstKeys);

  // Paced: one request every 1/RATE s.
  const pacedKeys: string[] = [];
  for (let n = 0; n < PACED; n += 1) {
    const id = `paced-${n}`;
    const now = at();
    const tick = performance.now();
    await client.send(
      new PutCommand({
        TableName: DEFAULT_TABLE_NAMES.payouts,
        Item: {
          payout_id: id,
          affiliate_id: 'aff-paced',
          amount: 7_500,
          currency: 'USD',
          payment_method: 'paypal',
          payment_email: 'paced@example.com',
          status: 'pending',
          requested_at: now,
          updated_at: now,
          history: [{ at: now, by: 'user', from: null, to: 'pending' }],
        },
      }),
    );
    committed.set(`${id}#pending`, performance.now());
    pacedKeys.push(`${id}#pending`);
    const wait = 1000 / RATE - (performance.now() - tick);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await waitFor(2 * COUNT + PACED);
  await drain.stop();

  const mail = lags(mailed, pacedKeys);
  const hooks = lags(hooked, pacedKeys);
  const ms = (values: number[]) => ({ p50: round(percentile(values, 50), 1), p99: round(percentile(values, 99), 1) });
  const figures = {
    burst: {
      transitions: burstKeys.length,
      emailsDelivered: burstMail.length,
      webhooksDelivered: lags(hooked, burstKeys).length,
      notifierRecordsPerSecond: round(burst.records / (burst.busyMs / 1000), 1),
      backlogEmailLagMs: ms(burstMail),
      wallSeconds: round(wall / 1000, 2),
    },
    paced: {
      transitions: pacedKeys.length,
      ratePerSecond: RATE,
      emailsDelivered: mail.length,
      webhooksDelivered: hooks.length,
      emailLagMs: ms(mail),
      webhookLagMs: ms(hooks),
    },
    signaturesVerified: verifiedAll,
  };
  console.log(JSON.stringify(figures, null, 2));
  client.destroy();
} finally {
  receiver.close();
  await ses.stop();
  await dynamo.stop();
}
