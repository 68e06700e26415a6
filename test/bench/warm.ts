/**
 * Part 3, warm latency: p50 and p99 per route over many in-process invocations against DynamoDB Local, and the
 * floor (the same DynamoDB calls issued directly with the same client config) interleaved in the same loop.
 */
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import { benchRuntime, type BenchDb } from './env.ts';
import type { Floor } from './floor/calls.ts';
import { floorRoute } from './floor/route.ts';
import type { HandlerFactory } from './functions.ts';
import { eventFor, invokeOk, type Fixtures, type RouteName } from './routes.ts';
import { percentile, ratio, round } from './stats.ts';
import { dynamoTime, traceClient, type Trace } from './trace.ts';

export interface WarmResult {
  fn: string;
  route: RouteName;
  n: number;
  /** `dynamo`: p50 of the time DynamoDB calls were in flight; the rest of p50 is the code's own time. */
  ours: { p50: number; p99: number; dynamo: number };
  floor: { p50: number; p99: number; dynamo: number };
  ratioP50: number;
  ratioP99: number;
}

/** Runs one invocation and returns its duration and how long its DynamoDB calls were in flight. */
const timed = async (trace: Trace, work: () => Promise<unknown>) => {
  trace.reset();
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, dynamo: dynamoTime(trace.calls) };
};

export async function measureWarm(
  db: BenchDb,
  fx: Fixtures,
  cases: { fn: string; route: RouteName; factory: HandlerFactory }[],
  { iterations, warmup }: { iterations: number; warmup: number },
): Promise<WarmResult[]> {
  const results: WarmResult[] = [];
  for (const c of cases) {
    const runtime = benchRuntime(db);
    const handler = c.factory(runtime);
    const floor: Floor = {
      client: createDocumentClient({ region: 'us-east-1', endpoint: db.endpoint }),
      tables: db.tables,
      affiliateIds: new Map(),
    };
    const oursTrace = traceClient(runtime.client);
    const floorTrace = traceClient(floor.client);
    const ours = () => invokeOk(handler, eventFor(fx, c.route, 'ours'));
    const direct = async () => {
      const response = await floorRoute(floor, eventFor(fx, c.route, 'floor'));
      if (response.statusCode !== 200) throw new Error(`floor ${c.route} answered ${response.statusCode}`);
    };
    for (let i = 0; i < warmup; i += 1) {
      await ours();
      await direct();
    }
    const oursMs: { ms: number; dynamo: number }[] = [];
    const floorMs: { ms: number; dynamo: number }[] = [];
    for (let i = 0; i < iterations; i += 1) {
      // Alternate who goes first so neither always follows the other's garbage.
      if (i % 2 === 0) {
        oursMs.push(await timed(oursTrace, ours));
        floorMs.push(await timed(floorTrace, direct));
      } else {
        floorMs.push(await timed(floorTrace, direct));
        oursMs.push(await timed(oursTrace, ours));
      }
    }
    runtime.client.destroy();
    floor.client.destroy();
    const summary = (samples: { ms: number; dynamo: number }[]) => {
      const ms = samples.map((sample) => sample.ms);
      return {
        p50: percentile(ms, 50),
        p99: percentile(ms, 99),
        dynamo: percentile(
          samples.map((sample) => sample.dynamo),
          50,
        ),
      };
    };
    const o = summary(oursMs);
    const f = summary(floorMs);
    results.push({
      fn: c.fn,
      route: c.route,
      n: iterations,
      ours: { p50: round(o.p50), p99: round(o.p99), dynamo: round(o.dynamo) },
      floor: { p50: round(f.p50), p99: round(f.p99), dynamo: round(f.dynamo) },
      ratioP50: ratio(o.p50, f.p50),
      ratioP99: ratio(o.p99, f.p99),
    });
  }
  return results;
}
