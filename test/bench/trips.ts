/**
 * Part 2, round trips: the sequential waves of DynamoDB calls per route, cold (a fresh runtime, empty
 * user -> affiliate cache) and warm, counted by a client middleware; the floor's calls alongside as a check
 * that it issues the same ones.
 */
import type { Fixtures, RouteName } from './routes.ts';
import { eventFor, invokeOk } from './routes.ts';
import { benchRuntime, type BenchDb } from './env.ts';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import type { Floor } from './floor/calls.ts';
import { floorRoute } from './floor/route.ts';
import type { HandlerFactory } from './functions.ts';
import { describeWaves, traceClient, waves, type CallRecord } from './trace.ts';

export interface TripResult {
  fn: string;
  route: RouteName;
  cold: { waves: number; calls: string };
  warm: { waves: number; calls: string };
  floor?: { waves: number; calls: string };
  /** The warm target in waves (issue 6 §2), and whether cold adds at most the one user-index Query. */
  target: number;
  pass: boolean;
}

/** Warm targets: a request ≤ 2, the read routes one parallel wave, an admin move one read plus one transaction. */
export const WAVE_TARGETS: Record<RouteName, number> = {
  request: 2,
  balance: 1,
  summary: 1,
  history: 1,
  get: 1,
  cancel: 2,
  process: 2,
};

const sorted = (calls: CallRecord[]) =>
  calls
    .map((call) => call.command)
    .sort()
    .join(',');

export async function measureTrips(
  db: BenchDb,
  fx: Fixtures,
  cases: { fn: string; route: RouteName; factory: HandlerFactory; floor: boolean }[],
): Promise<TripResult[]> {
  const results: TripResult[] = [];
  for (const c of cases) {
    const runtime = benchRuntime(db);
    const trace = traceClient(runtime.client);
    const handler = c.factory(runtime);
    await invokeOk(handler, eventFor(fx, c.route));
    const cold = [...trace.calls];
    trace.reset();
    await invokeOk(handler, eventFor(fx, c.route));
    const warm = [...trace.calls];
    runtime.client.destroy();

    let floor: TripResult['floor'];
    if (c.floor) {
      const client = createDocumentClient({ region: 'us-east-1', endpoint: db.endpoint });
      const floorTrace = traceClient(client);
      const state: Floor = { client, tables: db.tables, affiliateIds: new Map() };
      await floorRoute(state, eventFor(fx, c.route, 'floor'));
      floorTrace.reset();
      await floorRoute(state, eventFor(fx, c.route, 'floor'));
      floor = { waves: waves(floorTrace.calls), calls: describeWaves(floorTrace.calls) };
      if (sorted(floorTrace.calls) !== sorted(warm)) {
        console.warn(`  ! ${c.route}: the floor issues ${floor.calls}, the product ${describeWaves(warm)}`);
      }
      client.destroy();
    }
    const extra = cold.length - warm.length;
    const coldOk =
      waves(cold) <= waves(warm) + 1 && extra <= 1 && (extra === 0 || cold.some((call) => call.command === 'Query'));
    const target = WAVE_TARGETS[c.route];
    results.push({
      fn: c.fn,
      route: c.route,
      cold: { waves: waves(cold), calls: describeWaves(cold) },
      warm: { waves: waves(warm), calls: describeWaves(warm) },
      ...(floor ? { floor } : {}),
      target,
      pass: waves(warm) <= target && coldOk,
    });
  }
  return results;
}
