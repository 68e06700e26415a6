import { BatchWriteCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAdminPayoutsHandler } from '../../../lambdas/admin-payouts/app.ts';
import { createPayoutsHandler } from '../../../lambdas/payouts/app.ts';
import type { LambdaHttpHandler } from '../../../shared/http/lambda.ts';
import type { Dependencies } from '../../../shared/dependencies.ts';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS, type TableNames } from '../../../shared/store/dynamodb/tables.ts';
import { ATTEMPTS, PROVIDER_EVENTS, type ProviderTableNames } from '../../../shared/store/dynamodb/provider-tables.ts';
import { testProviderConfig, testRuntime, tokenFor } from '../../support/app.ts';
import { createTestTables, type TestTables } from '../../support/dynamo.ts';
import { invoke, type EventOptions, type InvokeResult } from '../../support/http.ts';

export type Item = Record<string, unknown>;

/** Every item of the four tables at one moment (a Scan each: fine in tests, never in the product). */
export interface Snapshot {
  affiliates: Item[];
  payouts: Item[];
  idempotency: Item[];
  /** Year-to-date totals per affiliate and year, and (unscoped) each year's receipt sequence. */
  taxYears: Item[];
  /** The provider rails' tables, when asked for (snapshot's `provider` option). */
  attempts?: Item[];
  events?: Item[];
}

export type CallOptions = Omit<EventOptions, 'headers'> & {
  headers?: Record<string, string>;
  token?: string;
  /** The Lambda context's remaining time (10 s unless said). */
  remainingMs?: number;
};

/**
 * Both functions, real, on one set of tables of the shared DynamoDB Local: what every reliability suite drives.
 * Handlers are built from a runtime, so a suite can put fault middleware on `runtime.client` before a call.
 */
export interface System {
  db: TestTables;
  runtime: Dependencies;
  payouts: LambdaHttpHandler;
  admin: LambdaHttpHandler;
  /** A cached HS256 token for a user (`admin: true` adds the admin role). */
  token(sub: string, admin?: boolean): Promise<string>;
  asUser(sub: string, options: CallOptions): Promise<InvokeResult>;
  asAdmin(options: CallOptions): Promise<InvokeResult>;
}

const tokens = new Map<string, Promise<string>>();

export function cachedToken(sub: string, admin = false): Promise<string> {
  const key = `${admin ? 'admin' : 'user'}:${sub}`;
  let token = tokens.get(key);
  if (!token) {
    token = tokenFor(sub, admin ? { role: 'admin' } : {});
    tokens.set(key, token);
  }
  return token;
}

/**
 * What each invocation has left before its function times out (getRemainingTimeInMillis). The suites judge
 * answers under faults and races, not speed: a generous budget keeps a loaded machine from turning a slow correct
 * answer into the deadline's 503. The storm runs with Lambda's real 10 s; the deadline has its own test (faults).
 */
export const GENEROUS_BUDGET_MS = 60_000;

/** Handlers for a runtime: the same factories the Lambda entry points call. */
export function systemOn(db: TestTables, runtime: Dependencies, budgetMs = GENEROUS_BUDGET_MS): System {
  const payouts = createPayoutsHandler(runtime);
  const admin = createAdminPayoutsHandler(runtime, testProviderConfig(db));
  return {
    db,
    runtime,
    payouts,
    admin,
    token: cachedToken,
    asUser: async (sub, options) =>
      invoke(payouts, { remainingMs: budgetMs, ...options, token: options.token ?? (await cachedToken(sub)) }),
    asAdmin: async (options) =>
      invoke(admin, {
        remainingMs: budgetMs,
        ...options,
        token: options.token ?? (await cachedToken('admin-reliability', true)),
      }),
  };
}

/** Fresh tables and a runtime on them; `env` overrides the test configuration (e.g. AFFILIATE_CACHE_TTL_SECONDS). */
export async function createSystem(env: Record<string, string> = {}): Promise<System> {
  const db = await createTestTables();
  return systemOn(db, testRuntime(db, env));
}

async function scanAll(
  client: DynamoDBDocumentClient,
  table: string,
  filter?: { expression: string; values: Item },
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ...(filter ? { FilterExpression: filter.expression } : {}),
        ...(filter && Object.keys(filter.values).length > 0 ? { ExpressionAttributeValues: filter.values } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The tables as they are now; `scope` narrows it to one affiliate (its record, its payouts, its user's keys). */
export async function snapshot(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  scope?: { affiliateId: string; userId: string },
  provider?: ProviderTableNames,
): Promise<Snapshot> {
  const [affiliates, payouts, idempotency, taxYears] = await Promise.all([
    scanAll(
      client,
      tables.affiliates,
      // Issue 13: destination claims (dest#…) share the table; they are not affiliates.
      scope
        ? { expression: 'affiliate_id = :id', values: { ':id': scope.affiliateId } }
        : { expression: 'attribute_exists(user_id)', values: {} },
    ),
    scanAll(
      client,
      tables.payouts,
      scope && { expression: 'affiliate_id = :id', values: { ':id': scope.affiliateId } },
    ),
    scanAll(
      client,
      tables.idempotency,
      scope && { expression: 'begins_with(idempotency_key, :user)', values: { ':user': `${scope.userId}#` } },
    ),
    scanAll(
      client,
      tables.taxYears,
      scope && { expression: 'affiliate_id = :id', values: { ':id': scope.affiliateId } },
    ),
  ]);
  if (!provider) return { affiliates, payouts, idempotency, taxYears };
  const [attempts, events] = await Promise.all([scanAll(client, provider.attempts), scanAll(client, provider.events)]);
  return { affiliates, payouts, idempotency, taxYears, attempts, events };
}

/** Deletes every item of a snapshot: tables are reused across model runs, creating them per run is slow. */
export async function wipe(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  items: Snapshot,
  provider?: ProviderTableNames,
): Promise<void> {
  const requests: { table: string; key: Item }[] = [
    ...items.affiliates.map((item) => ({
      table: tables.affiliates,
      key: { [AFFILIATES.partitionKey]: item[AFFILIATES.partitionKey] },
    })),
    ...items.payouts.map((item) => ({
      table: tables.payouts,
      key: { [PAYOUTS.partitionKey]: item[PAYOUTS.partitionKey] },
    })),
    ...items.idempotency.map((item) => ({
      table: tables.idempotency,
      key: { [IDEMPOTENCY.partitionKey]: item[IDEMPOTENCY.partitionKey] },
    })),
    ...items.taxYears.map((item) => ({
      table: tables.taxYears,
      key: { [TAX_YEARS.partitionKey]: item[TAX_YEARS.partitionKey], [TAX_YEARS.sortKey]: item[TAX_YEARS.sortKey] },
    })),
    ...(provider
      ? [
          ...(items.attempts ?? []).map((item) => ({
            table: provider.attempts,
            key: { [ATTEMPTS.partitionKey]: item[ATTEMPTS.partitionKey], [ATTEMPTS.sortKey]: item[ATTEMPTS.sortKey] },
          })),
          ...(items.events ?? []).map((item) => ({
            table: provider.events,
            key: { [PROVIDER_EVENTS.partitionKey]: item[PROVIDER_EVENTS.partitionKey] },
          })),
        ]
      : []),
  ];
  for (let start = 0; start < requests.length; start += 25) {
    let pending: Record<string, { DeleteRequest: { Key: Item } }[]> | undefined = {};
    for (const { table, key } of requests.slice(start, start + 25))
      (pending[table] ??= []).push({ DeleteRequest: { Key: key } });
    while (pending && Object.keys(pending).length > 0) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: pending }));
      pending = result.UnprocessedItems as typeof pending;
    }
  }
}

/** What the commissions system does when a commission is approved: ADD to total_earned, nothing else. */
export async function raiseEarned(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  affiliateId: string,
  cents: number,
): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: tables.affiliates,
      Key: { [AFFILIATES.partitionKey]: affiliateId },
      UpdateExpression: 'ADD total_earned :cents',
      ExpressionAttributeValues: { ':cents': cents },
    }),
  );
}
