import type { SeedAffiliate } from '../../bin/local/seed.ts';
import { signToken } from '../../bin/local/tokens.ts';
import { loadConfig } from '../../shared/config.ts';
import { loadProviderConfig } from '../../shared/providers/config.ts';
import { createDependencies, type Dependencies } from '../../shared/dependencies.ts';
import { createPayoutsHandler } from '../../lambdas/payouts/app.ts';
import type { Clock } from '../../shared/domain/clock.ts';
import { createTestTables, type TestTables } from './dynamo.ts';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/** Mints a token for a user, the way the dashboard's auth would; `role: 'admin'` for an admin. */
export const tokenFor = (sub: string, extra: { role?: string; 'cognito:groups'?: string[] } = {}) =>
  signToken(TEST_SECRET, { sub, ...extra });

export function affiliate(id: string, overrides: Partial<SeedAffiliate> = {}): SeedAffiliate {
  return {
    affiliate_id: `aff-${id}`,
    user_id: `user-${id}`,
    status: 'active',
    total_earned: 100_000,
    payment_method: 'paypal',
    payment_email: `${id}@example.com`,
    ...overrides,
  };
}

/** The runtime both functions build at cold start, on this test file's tables. */
export function testRuntime(db: TestTables, env: Record<string, string> = {}, clock?: Clock): Dependencies {
  const config = loadConfig({
    DYNAMODB_ENDPOINT: db.endpoint,
    AWS_REGION: 'us-east-1',
    AFFILIATES_TABLE: db.tables.affiliates,
    PAYOUTS_TABLE: db.tables.payouts,
    IDEMPOTENCY_TABLE: db.tables.idempotency,
    TAX_YEARS_TABLE: db.tables.taxYears,
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    METRICS_ENABLED: 'false',
    // The tax form gate ($2,000 by default) has its own suite (test/integration/paperwork.test.ts); the other suites
    // pay affiliates more than that without a form on file.
    TAX_FORM_THRESHOLD_CENTS: '100000000000',
    ...env,
  });
  return createDependencies(config, 'test', clock ? { clock } : {});
}

/** The provider settings of the admin/sender/webhooks functions on this test file's tables (both providers configured). */
export function testProviderConfig(db: TestTables, env: Record<string, string> = {}) {
  return loadProviderConfig({
    ATTEMPTS_TABLE: db.providerTables.attempts,
    PROVIDER_EVENTS_TABLE: db.providerTables.events,
    PAYOUT_PROVIDERS: 'stripe,paypal',
    ...env,
  });
}

/** Tables, seeded affiliates and the payouts handler, all real: DynamoDB Local behind the real code. */
export async function payoutsApp(affiliates: SeedAffiliate[], env: Record<string, string> = {}, clock?: Clock) {
  const db = await createTestTables();
  await db.seed(affiliates);
  const runtime = testRuntime(db, env, clock);
  return { db, runtime, handler: createPayoutsHandler(runtime) };
}
