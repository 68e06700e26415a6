import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SeedAffiliate } from '../../bin/local/seed.ts';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import { createPayoutsHandler } from '../../lambdas/payouts/app.ts';
import type { LambdaHttpHandler } from '../../shared/http/lambda.ts';
import type { Clock } from '../../shared/domain/clock.ts';
import { testProviderConfig, testRuntime, tokenFor } from './app.ts';
import { createTestTables } from './dynamo.ts';
import { invoke } from './http.ts';

/** A clock tests move by hand: each tick() is one minute later, so requested_at values are distinct and ordered. */
export function steppingClock(start = Date.parse('2024-03-01T09:00:00.000Z')) {
  let now = start;
  return {
    now: () => new Date(now),
    tick: (ms = 60_000) => (now += ms),
    set: (iso: string) => (now = Date.parse(iso)),
  } satisfies Clock & Record<string, unknown>;
}

/**
 * Tables, seeded affiliates and both functions on one runtime (DynamoDB Local behind the real code), with an
 * admin token and helpers to request and move payouts the way the two front ends do.
 */
export async function adminApp(
  affiliates: SeedAffiliate[],
  options: { clock?: Clock; env?: Record<string, string> } = {},
) {
  const db = await createTestTables();
  await db.seed(affiliates);
  const runtime = testRuntime(db, options.env, options.clock);
  const payouts: LambdaHttpHandler = createPayoutsHandler(runtime);
  const admin: LambdaHttpHandler = createAdminPayoutsHandler(runtime, testProviderConfig(db));
  const adminToken = await tokenFor('admin-1', { role: 'admin' });
  const tokens = new Map<string, string>();
  const affiliateToken = async (userId: string) => {
    if (!tokens.has(userId)) tokens.set(userId, await tokenFor(userId));
    return tokens.get(userId) as string;
  };

  return {
    db,
    runtime,
    payouts,
    admin,
    adminToken,
    affiliateToken,
    /** Requests a payout as the affiliate (POST /payouts/request) and returns its id. */
    async request(userId: string, amount: number): Promise<string> {
      const res = await invoke(payouts, {
        method: 'POST',
        path: '/payouts/request',
        token: await affiliateToken(userId),
        body: { amount },
      });
      if (res.status !== 201) throw new Error(`request failed: ${res.status} ${res.body}`);
      return res.json.data.payout.payout_id as string;
    },
    /** POST /admin/payouts/{id}/process as the admin. */
    process(payoutId: string, body: Record<string, unknown>, token = adminToken) {
      return invoke(admin, { method: 'POST', path: `/admin/payouts/${payoutId}/process`, token, body });
    },
    /** GET on the admin function. */
    get(path: string, query?: Record<string, string>, token = adminToken) {
      return invoke(admin, { path, token, ...(query ? { query } : {}) });
    },
    /** The affiliate's balance as the affiliate sees it (GET /payouts/balance). */
    async balance(userId: string) {
      const res = await invoke(payouts, { path: '/payouts/balance', token: await affiliateToken(userId) });
      return res.json.data.balance as { total_earned: number; total_paid: number; pending: number; available: number };
    },
    /** The affiliate's stored counters, read straight from the table. */
    async counters(affiliateId: string) {
      const { Item } = await db.client.send(
        new GetCommand({ TableName: db.tables.affiliates, Key: { affiliate_id: affiliateId }, ConsistentRead: true }),
      );
      return {
        total_paid: Item?.total_paid ?? 0,
        total_pending: Item?.total_pending ?? 0,
        payout_count: Item?.payout_count ?? 0,
      };
    },
    /** The stored payout item, straight from the table. */
    async stored(payoutId: string) {
      const { Item } = await db.client.send(
        new GetCommand({ TableName: db.tables.payouts, Key: { payout_id: payoutId }, ConsistentRead: true }),
      );
      return Item;
    },
    /** Moves an affiliate's counters behind the service's back, as a bug or a manual edit would. */
    corruptCounters(affiliateId: string, add: { total_paid?: number; total_pending?: number; payout_count?: number }) {
      return db.client.send(
        new UpdateCommand({
          TableName: db.tables.affiliates,
          Key: { affiliate_id: affiliateId },
          UpdateExpression: 'ADD total_paid :paid, total_pending :pending, payout_count :count',
          ExpressionAttributeValues: {
            ':paid': add.total_paid ?? 0,
            ':pending': add.total_pending ?? 0,
            ':count': add.payout_count ?? 0,
          },
        }),
      );
    },
  };
}
export type AdminApp = Awaited<ReturnType<typeof adminApp>>;
