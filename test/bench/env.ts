/**
 * The bench's own DynamoDB Local, tables and data. Nothing here imports vitest: the bench is a plain script.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../bin/local/dynamodb-local.ts';
import { seedAffiliates, type SeedAffiliate } from '../../bin/local/seed.ts';
import { createTables } from '../../bin/local/tables.ts';
import { signToken } from '../../bin/local/tokens.ts';
import { loadConfig } from '../../shared/config.ts';
import type { Payout, PayoutStatus } from '../../shared/domain/payout.ts';
import { createDependencies, type Dependencies } from '../../shared/dependencies.ts';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import type { TableNames } from '../../shared/store/dynamodb/tables.ts';

export const BENCH_SECRET = 'bench-secret-that-is-at-least-32-bytes-long';
/** Large enough that no number of bench requests can exhaust it. */
export const RICH = 1_000_000_000_000;
/** The default minimum payout (no tier): every bench request asks for exactly this. */
export const AMOUNT = 1_000;

export interface BenchDb {
  dynamo: DynamoDbLocal;
  endpoint: string;
  tables: TableNames;
  client: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startBenchDb(): Promise<BenchDb> {
  const dynamo = await startDynamoDbLocal();
  const tables: TableNames = {
    affiliates: 'bench_affiliates',
    payouts: 'bench_payouts',
    idempotency: 'bench_idempotency',
    taxYears: 'bench_tax_years',
  };
  await createTables(dynamo.endpoint, tables);
  const client = createDocumentClient({ region: 'us-east-1', endpoint: dynamo.endpoint });
  return {
    dynamo,
    endpoint: dynamo.endpoint,
    tables,
    client,
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}

/** The environment a deployed function gets, pointed at the bench's DynamoDB Local. */
export function functionEnv(db: BenchDb, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: db.endpoint,
    AWS_REGION: 'us-east-1',
    AFFILIATES_TABLE: db.tables.affiliates,
    PAYOUTS_TABLE: db.tables.payouts,
    IDEMPOTENCY_TABLE: db.tables.idempotency,
    TAX_YEARS_TABLE: db.tables.taxYears,
    // Bench affiliates pay out far more than $2,000 without a form; the gate's reads and check still run.
    TAX_FORM_THRESHOLD_CENTS: '100000000000',
    JWT_SECRET: BENCH_SECRET,
    LOG_LEVEL: 'silent',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** A runtime exactly as a cold start builds it (createDependencies), on the bench tables. */
export function benchRuntime(db: BenchDb, extra: Record<string, string> = {}): Dependencies {
  // In-process, an EMF line per payout request would flood the report; the cold runs (their own processes, with
  // functionEnv) still write theirs, as a deployed function does.
  return createDependencies(loadConfig(functionEnv(db, { METRICS_ENABLED: 'false', ...extra })), 'bench');
}

export const tokenFor = (sub: string, role?: 'admin') => signToken(BENCH_SECRET, role ? { sub, role } : { sub });

export function benchAffiliate(id: string, overrides: Partial<SeedAffiliate> = {}): SeedAffiliate {
  return {
    affiliate_id: `aff-${id}`,
    user_id: `user-${id}`,
    status: 'active',
    total_earned: RICH,
    payment_method: 'paypal',
    payment_email: `${id}@example.com`,
    ...overrides,
  };
}

export const seed = (db: BenchDb, affiliates: SeedAffiliate[]) =>
  seedAffiliates(db.client, db.tables.affiliates, affiliates);

/** A payout item shaped as the product writes it (see DynamoPayoutStore.reservePayout and movePayout). */
export function payoutItem(affiliate: SeedAffiliate, index: number, status: PayoutStatus, at: Date): Payout {
  const requested = new Date(at.getTime() - index * 3_600_000).toISOString();
  const history: Payout['history'] = [
    { at: requested, by: affiliate.user_id, from: null, to: 'pending', note: 'requested by affiliate' },
  ];
  const processed = status !== 'pending';
  if (processed) history.push({ at: requested, by: 'admin-bench', from: 'pending', to: status });
  return {
    payout_id: randomUUID(),
    affiliate_id: affiliate.affiliate_id,
    amount: AMOUNT + (index % 7) * 100,
    currency: 'USD',
    payment_method: 'paypal',
    payment_email: affiliate.payment_email ?? 'bench@example.com',
    status,
    requested_at: requested,
    updated_at: requested,
    ...(status === 'completed'
      ? { transaction_id: `PAYPAL-${index}`, processed_at: requested, processed_by: 'admin-bench' }
      : {}),
    ...(status === 'failed' ? { notes: 'account closed', processed_at: requested, processed_by: 'admin-bench' } : {}),
    history,
  };
}

/** Past payouts in a realistic mix: mostly completed, some failed/cancelled, a few still pending. */
export function statusMix(index: number): PayoutStatus {
  const roll = index % 20;
  if (roll < 15) return 'completed';
  if (roll < 17) return 'failed';
  if (roll < 19) return 'cancelled';
  return 'pending';
}

/**
 * Writes past payouts straight into the table (BatchWrite, 25 a batch, a few batches at once) and sets the
 * affiliate's counters to match them, as if the product had written them one by one.
 */
export async function preloadPayouts(
  db: BenchDb,
  affiliate: SeedAffiliate,
  count: number,
  status: (index: number) => PayoutStatus = statusMix,
): Promise<Payout[]> {
  const now = new Date();
  const payouts = Array.from({ length: count }, (_, index) => payoutItem(affiliate, index + 1, status(index), now));
  const batches: Payout[][] = [];
  for (let start = 0; start < payouts.length; start += 25) batches.push(payouts.slice(start, start + 25));
  const writeBatch = async (batch: Payout[]) => {
    let pending: Record<string, unknown[]> | undefined = {
      [db.tables.payouts]: batch.map((Item) => ({ PutRequest: { Item } })),
    };
    while (pending && Object.keys(pending).length > 0) {
      const result = await db.client.send(new BatchWriteCommand({ RequestItems: pending as never }));
      pending = result.UnprocessedItems as Record<string, unknown[]> | undefined;
    }
  };
  for (let start = 0; start < batches.length; start += 4)
    await Promise.all(batches.slice(start, start + 4).map(writeBatch));
  let paid = 0;
  let pending = 0;
  for (const payout of payouts) {
    if (payout.status === 'completed') paid += payout.amount;
    if (payout.status === 'pending' || payout.status === 'processing') pending += payout.amount;
  }
  await seedAffiliates(db.client, db.tables.affiliates, [affiliate]);
  await db.client.send(
    new UpdateCommand({
      TableName: db.tables.affiliates,
      Key: { affiliate_id: affiliate.affiliate_id },
      UpdateExpression: 'SET total_paid = :paid, total_pending = :pending, payout_count = :count',
      ExpressionAttributeValues: { ':paid': paid, ':pending': pending, ':count': count },
    }),
  );
  return payouts;
}
