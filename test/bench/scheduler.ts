/**
 * `npm run bench:scheduler`: one scheduler run (shared/usecases/run-schedules.ts, as the payout-scheduler Lambda and
 * POST /admin/schedules/run call it) over 10,000 scheduled affiliates of whom 1,000 are due, on DynamoDB Local.
 * Reports wall time, affiliates/s, every DynamoDB call by command (counted by a client middleware), calls per due
 * affiliate, and a second (re-)run that must request nothing.
 *
 *   BENCH_AFFILIATES=10000   scheduled affiliates
 *   BENCH_DUE=1000           of whom this many are due (weekly, enough balance); the rest are monthly (not due on
 *                            a Monday that is not the 1st) or weekly below their auto_minimum, half and half
 */
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local.ts';
import { type SeedAffiliate, seedAffiliates } from '../../bin/local/seed.ts';
import { createTables } from '../../bin/local/tables.ts';
import { loadConfig } from '../../shared/config.ts';
import { createDependencies } from '../../shared/dependencies.ts';
import { DEFAULT_TABLE_NAMES } from '../../shared/store/dynamodb/tables.ts';
import { runSchedules } from '../../shared/usecases/run-schedules.ts';
import { createServices } from '../../shared/usecases/services.ts';
import { table } from './report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const TOTAL = Number(process.env.BENCH_AFFILIATES ?? 10_000);
const DUE = Number(process.env.BENCH_DUE ?? 1_000);
/** A Monday that is not the 1st: weekly schedules are due, monthly ones are not. */
const AT = new Date('2026-12-07T00:00:00.000Z');

const dynamo = await startDynamoDbLocal();
try {
  await createTables(dynamo.endpoint, DEFAULT_TABLE_NAMES);
  const config = loadConfig({
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long!!',
    LOG_LEVEL: 'silent',
    METRICS_ENABLED: 'false',
  });
  const runtime = createDependencies(config, 'bench-scheduler');
  const affiliates: SeedAffiliate[] = Array.from({ length: TOTAL }, (_, i) => {
    const due = i < DUE;
    const monthly = !due && i % 2 === 0;
    return {
      affiliate_id: `aff-s${String(i).padStart(5, '0')}`,
      user_id: `user-s${i}`,
      status: 'active',
      total_earned: due || monthly ? 50_000 : 500,
      payment_method: 'paypal',
      payment_email: `s${i}@example.com`,
      schedule: monthly ? 'monthly' : 'weekly',
    };
  });
  const seeding = performance.now();
  await seedAffiliates(runtime.client, DEFAULT_TABLE_NAMES.affiliates, affiliates);
  const seeded = performance.now() - seeding;

  const calls = new Map<string, number>();
  runtime.client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  const services = createServices({
    store: runtime.store,
    rules: config,
    clock: runtime.clock,
    cursorSecret: runtime.cursorSecret,
  });

  const started = performance.now();
  const summary = await runSchedules(services, AT);
  const wall = performance.now() - started;
  const first = new Map(calls);
  calls.clear();
  const rerunStarted = performance.now();
  const rerun = await runSchedules(services, AT);
  const rerunWall = performance.now() - rerunStarted;

  const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n, 0);
  const queries = first.get('QueryCommand') ?? 0;
  console.log(`seeded ${TOTAL} affiliates (+ claims) in ${(seeded / 1000).toFixed(1)} s`);
  console.log('run', JSON.stringify(summary));
  console.log('re-run', JSON.stringify(rerun));
  console.log(
    table(
      `Scheduler run: ${TOTAL} scheduled affiliates, ${DUE} due (SCHEDULER_CONCURRENCY=${config.schedulerConcurrency}, DynamoDB Local)`,
      ['run', 'wall s', 'affiliates/s', 'index pages', 'calls', 'calls per due affiliate', 'requested'],
      [
        [
          'first',
          (wall / 1000).toFixed(2),
          Math.round(TOTAL / (wall / 1000)),
          queries,
          total(first),
          ((total(first) - queries) / DUE).toFixed(2),
          summary.requested,
        ],
        [
          're-run',
          (rerunWall / 1000).toFixed(2),
          Math.round(TOTAL / (rerunWall / 1000)),
          calls.get('QueryCommand') ?? 0,
          total(calls),
          ((total(calls) - (calls.get('QueryCommand') ?? 0)) / DUE).toFixed(2),
          rerun.requested,
        ],
      ],
    ),
  );
  console.log('calls by command (first run):', JSON.stringify(Object.fromEntries(first)));
  if (summary.requested !== DUE || rerun.requested !== 0) {
    console.error(`FAIL: expected ${DUE} requested then 0, got ${summary.requested} then ${rerun.requested}`);
    process.exitCode = 1;
  }
  runtime.client.destroy();
} finally {
  await dynamo.stop();
}
