/**
 * Part 4, growth: request and balance latency and consumed capacity for affiliates with 0, 100, 1,000 and
 * 10,000 past payouts, the levels interleaved in one loop so they share the machine's noise.
 */
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import { AMOUNT, benchAffiliate, benchRuntime, preloadPayouts, seed, tokenFor, type BenchDb } from './env.ts';
import { balance as floorBalance, type Floor } from './floor/calls.ts';
import type { HandlerFactory } from './functions.ts';
import { eventFor, invokeOk, type Actor, type Fixtures } from './routes.ts';
import { median, percentile, ratio, round } from './stats.ts';
import { traceClient, totalCapacity } from './trace.ts';

export interface GrowthRow {
  payouts: number;
  request: { p50: number; capacity: number; calls: number };
  balance: { p50: number; capacity: number; calls: number; queryPages: number; floorP50: number };
}

export interface GrowthResult {
  rows: GrowthRow[];
  requestLatencyRatio: number;
  requestCapacityRatio: number;
  balanceLatencyRatio: number;
  balanceCapacityRatio: number;
}

export async function measureGrowth(
  db: BenchDb,
  fx: Fixtures,
  factory: HandlerFactory,
  { levels, iterations, balanceIterations }: { levels: number[]; iterations: number; balanceIterations: number },
): Promise<GrowthResult> {
  const actors: Actor[] = [];
  for (const level of levels) {
    const affiliate = benchAffiliate(`growth-${level}`, { total_earned: AMOUNT * 1_000_000_000 });
    if (level > 0) await preloadPayouts(db, affiliate, level);
    else await seed(db, [affiliate]);
    actors.push({
      user: affiliate.user_id,
      affiliateId: affiliate.affiliate_id,
      token: await tokenFor(affiliate.user_id),
    });
  }
  const runtime = benchRuntime(db);
  const trace = traceClient(runtime.client, { consumedCapacity: true });
  const handler = factory(runtime);
  const sample = async (route: 'request' | 'balance', who: Actor) => {
    trace.reset();
    const started = performance.now();
    await invokeOk(handler, eventFor(fx, route, 'ours', who));
    const ms = performance.now() - started;
    return {
      ms,
      capacity: totalCapacity(trace.calls),
      calls: trace.calls.length,
      queries: trace.calls.filter((call) => call.command === 'Query').length,
    };
  };
  const floor: Floor = {
    client: createDocumentClient({ region: 'us-east-1', endpoint: db.endpoint }),
    tables: db.tables,
    affiliateIds: new Map(),
  };
  const direct = async (who: Actor) => {
    const started = performance.now();
    await floorBalance(floor, who.user);
    return performance.now() - started;
  };
  type Sample = Awaited<ReturnType<typeof sample>>;
  const balance: Sample[][] = levels.map(() => []);
  const floorMs: number[][] = levels.map(() => []);
  const request: Sample[][] = levels.map(() => []);
  // Warm the user -> affiliate cache and the connections first.
  for (const who of actors) {
    await sample('balance', who);
    await direct(who);
  }
  for (let i = 0; i < balanceIterations; i += 1) {
    for (const [index, who] of actors.entries()) {
      balance[index]!.push(await sample('balance', who));
      floorMs[index]!.push(await direct(who));
    }
  }
  for (let i = 0; i < iterations; i += 1) {
    for (const [index, who] of actors.entries()) request[index]!.push(await sample('request', who));
  }
  runtime.client.destroy();
  floor.client.destroy();
  const rows: GrowthRow[] = levels.map((payouts, index) => {
    const b = balance[index]!;
    const r = request[index]!;
    return {
      payouts,
      request: {
        p50: round(
          percentile(
            r.map((s) => s.ms),
            50,
          ),
        ),
        capacity: round(median(r.map((s) => s.capacity)), 1),
        calls: median(r.map((s) => s.calls)),
      },
      balance: {
        p50: round(
          percentile(
            b.map((s) => s.ms),
            50,
          ),
        ),
        capacity: round(median(b.map((s) => s.capacity)), 1),
        calls: median(b.map((s) => s.calls)),
        queryPages: median(b.map((s) => s.queries)),
        floorP50: round(percentile(floorMs[index]!, 50)),
      },
    };
  });
  const first = rows[0]!;
  const last = rows.at(-1)!;
  return {
    rows,
    requestLatencyRatio: ratio(last.request.p50, first.request.p50),
    requestCapacityRatio: ratio(last.request.capacity, first.request.capacity),
    balanceLatencyRatio: ratio(last.balance.p50, first.balance.p50),
    balanceCapacityRatio: ratio(last.balance.capacity, first.balance.capacity),
  };
}
