/**
 * `npm start`: DynamoDB Local, the tables and indexes, demo affiliates, and both functions served on
 * http://localhost:3000 as Function URLs would serve them. Ctrl-C (or SIGTERM) stops everything.
 */
import type { AddressInfo } from 'node:net';
import { DEFAULT_TABLE_NAMES } from '../shared/store/dynamodb/tables.ts';
import { assertStrongSecret, ConfigError } from '../shared/config.ts';
import { createDocumentClient } from '../shared/store/dynamodb/client.ts';
import { startDynamoDbLocal } from './local/dynamodb-local.ts';
import { createLocalServer, type FunctionUrlHandler } from './local/server.ts';
import { createTables } from './local/tables.ts';
import { createProviderTables } from './local/provider-tables.ts';
import { startLocalProviders, type LocalProviders } from './local/providers.ts';
import { DEFAULT_PROVIDER_TABLE_NAMES } from '../shared/store/dynamodb/provider-tables.ts';
import { DEMO_AFFILIATES, readSeedFile, seedAffiliates } from './local/seed.ts';
import { DEV_JWT_SECRET, signToken } from './local/tokens.ts';
import { builtPages } from '../web/build.ts';
import { startLocalNotify, type LocalNotify } from './local/notify.ts';

const ADMIN_USER = 'admin-demo';

async function main(): Promise<void> {
  // Lambda runs Node 22; the SDK's notice about Node 20 on a laptop is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(`PORT must be a port number, got "${process.env.PORT}".`);
  const secret = process.env.JWT_SECRET ?? DEV_JWT_SECRET;
  assertStrongSecret(secret);
  const affiliates = process.env.SEED_FILE ? readSeedFile(process.env.SEED_FILE) : DEMO_AFFILIATES;

  const dynamo = await startDynamoDbLocal();
  let server: ReturnType<typeof createLocalServer> | undefined;
  let providers: LocalProviders | undefined;
  let notify: LocalNotify | undefined;
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    server?.close();
    await providers?.stop().catch(() => undefined);
    await notify?.stop().catch(() => undefined);
    await dynamo.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // `npm start` does not pass SIGTERM on to its child: when the parent goes away, go with it.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown(0), 500).unref();

  try {
    await createTables(dynamo.endpoint, DEFAULT_TABLE_NAMES);
    await createProviderTables(dynamo.endpoint, DEFAULT_PROVIDER_TABLE_NAMES);
    const client = createDocumentClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
    await seedAffiliates(client, DEFAULT_TABLE_NAMES.affiliates, affiliates);
    client.destroy();

    // The real handler modules read their configuration from the environment, as in Lambda.
    Object.assign(process.env, {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      JWT_SECRET: secret,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // EMF metric lines are for CloudWatch; METRICS_ENABLED=true npm start prints them.
      METRICS_ENABLED: process.env.METRICS_ENABLED ?? 'false',
    });
    // Provider payments first: they set the provider variables the admin function reads at cold start.
    providers = await startLocalProviders(dynamo.endpoint);
    // E-mails and webhooks (issue 12): before the admin function, which reads SES_ENDPOINT at cold start.
    notify = await startLocalNotify(dynamo.endpoint);
    const payouts = (await import('../lambdas/payouts/handler.ts')).handler as FunctionUrlHandler;
    const admin = (await import('../lambdas/admin-payouts/handler.ts')).handler as FunctionUrlHandler;

    const pagesDir = builtPages().outdir;
    server = createLocalServer({
      payouts,
      admin,
      pagesDir,
      pagesConfig: { emails: true },
      webhooks: providers.webhooks,
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, process.env.HOST, () => resolve());
    });
    const base = `http://localhost:${(server.address() as AddressInfo).port}`;
    providers.setWebhookBase(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const demo = affiliates.find((affiliate) => affiliate.status === 'active') ?? affiliates[0]!;
    const affiliateToken = await signToken(secret, { sub: demo.user_id });
    const adminToken = await signToken(secret, { sub: ADMIN_USER, role: 'admin' });
    const pageLinks = await Promise.all(
      affiliates
        .filter((affiliate) => affiliate.status === 'active')
        .map(async (affiliate) => ({
          label: `${affiliate.affiliate_id} (${affiliate.user_id})`,
          token: await signToken(secret, { sub: affiliate.user_id }),
        })),
    );
    printBanner({
      base,
      dynamoEndpoint: dynamo.endpoint,
      count: affiliates.length,
      demo,
      affiliateToken,
      adminToken,
      pageLinks,
      providers: [...providers.describe(), ...notify.describe()],
    });
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await shutdown(1);
  }
}

function printBanner(info: {
  base: string;
  dynamoEndpoint: string;
  count: number;
  demo: { affiliate_id: string; user_id: string };
  affiliateToken: string;
  adminToken: string;
  providers: string[];
  pageLinks: Array<{ label: string; token: string }>;
}): void {
  const { base, affiliateToken, adminToken } = info;
  const auth = (token: string) => `-H "Authorization: Bearer ${token}"`;
  const A = auth('$AFFILIATE_TOKEN');
  const D = auth('$ADMIN_TOKEN');
  const lines = [
    '',
    `Affiliate payouts API listening on ${base}`,
    `DynamoDB Local on ${info.dynamoEndpoint} (in memory), ${info.count} affiliate(s) seeded`,
    ...info.providers,
    '',
    `Affiliate token (${info.demo.user_id} -> ${info.demo.affiliate_id}), valid 12 h:`,
    `  export AFFILIATE_TOKEN=${affiliateToken}`,
    'Admin token (role admin), valid 12 h:',
    `  export ADMIN_TOKEN=${adminToken}`,
    '',
    // The token rides in the fragment: browsers never send it to a server, and the page removes it once read.
    'Pages (open in a browser; each link signs in as that user):',
    ...info.pageLinks.map(({ label, token }) => `  dashboard, ${label}:\n    ${base}/#token=${token}`),
    `  console, admin (${ADMIN_USER}):\n    ${base}/console/#token=${adminToken}`,
    '',
    'Try:',
    `  curl -s ${base}/payouts/balance ${A}`,
    `  curl -s ${base}/payouts/summary ${A}`,
    `  curl -s -X POST ${base}/payouts/request ${A} -H "Content-Type: application/json" -H "Idempotency-Key: $(uuidgen || date +%s)" -d '{"amount":5000}'`,
    `  curl -s "${base}/payouts?limit=10" ${A}`,
    `  curl -s ${base}/payouts/PAYOUT_ID ${A}`,
    `  curl -s -X POST ${base}/payouts/PAYOUT_ID/cancel ${A}`,
    `  curl -s "${base}/admin/payouts?status=pending" ${D}`,
    `  curl -s ${base}/admin/payouts/PAYOUT_ID ${D}`,
    `  curl -s -X POST ${base}/admin/payouts/PAYOUT_ID/process ${D} -H "Content-Type: application/json" -d '{"status":"completed","transaction_id":"PAYPAL-123"}'`,
    `  curl -s -X POST ${base}/admin/payouts/process ${D} -H "Content-Type: application/json" -d '{"items":[{"payout_id":"PAYOUT_ID","status":"processing"}]}'`,
    `  curl -s -X POST ${base}/admin/payouts/PAYOUT_ID/send ${D}`,
    `  curl -s -X POST ${base}/admin/payouts/send ${D} -H "Content-Type: application/json" -d '{"payout_ids":["PAYOUT_ID"]}'`,
    `  curl -s "${base}/admin/payouts/export?status=pending" ${D}`,
    `  curl -s ${base}/admin/affiliates/${info.demo.affiliate_id}/balance ${D}`,
    // Issue 13: settings, the cool-down, automatic and future-dated payouts.
    `  curl -s ${base}/payouts/settings ${A}`,
    `  curl -s -X PUT ${base}/payouts/settings ${A} -H "Content-Type: application/json" -d '{"schedule":"weekly","auto_minimum":5000}'`,
    `  curl -s -X POST ${base}/payouts/request ${A} -H "Content-Type: application/json" -d '{"amount":5000,"scheduled_for":"YYYY-MM-DD"}'`,
    `  curl -s -X POST ${base}/admin/affiliates/${info.demo.affiliate_id}/cooldown/clear ${D}`,
    `  curl -s -X POST ${base}/admin/schedules/run ${D} -H "Content-Type: application/json" -d '{"at":"2026-12-07T00:00:00Z"}'`,
    '',
    'Ctrl-C stops the server and DynamoDB Local.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`Could not start: ${(error as Error).message}`);
  process.exit(1);
});
