/**
 * Part 1, cold start: bundle sizes as CDK builds them, and a cold-start proxy (a fresh `node` importing the bundle
 * and answering one request against DynamoDB Local), ours and the floor alternating so they share the noise.
 */
import { spawn } from 'node:child_process';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Bundle } from './build.ts';
import type { BenchDb } from './env.ts';
import { functionEnv } from './env.ts';
import type { RouteName } from './routes.ts';
import { median, ratio, round } from './stats.ts';

export interface ColdRun {
  wallMs: number;
  initMs: number;
  invokeMs: number;
  /** ms from process start to the first line of the driver: node's own boot. */
  bootMs: number;
  /** CPU time (user + system) of the whole process until it answered: less sensitive to a busy machine. */
  cpuMs: number;
}

export interface ColdSummary {
  bundle: string;
  kib: number;
  wallMs: number;
  initMs: number;
  invokeMs: number;
  bootMs: number;
  cpuMs: number;
}

export interface ColdResult {
  fn: string;
  route: RouteName;
  runs: number;
  ours: ColdSummary;
  floor: ColdSummary;
  cpuRatio: number;
  emptyNodeMs: number;
  ratio: number;
}

/** Spawns `node driver bundle` and times it from spawn to its answer line. */
export function coldRun(
  driver: string,
  bundle: string,
  env: Record<string, string>,
  event: APIGatewayProxyEventV2,
): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [driver, bundle], {
      env: { ...env, PATH: process.env.PATH ?? '', BENCH_EVENT: JSON.stringify(event) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The function's own stdout (an EMF metrics line) may come first: the driver's line is the one with "boot".
      const answer = answered
        ? undefined
        : out
            .split('\n')
            .slice(0, -1)
            .find((text) => text.includes('"boot":'));
      if (answer === undefined) return;
      answered = true;
      const wallMs = performance.now() - started;
      const line = JSON.parse(answer) as { status: number; boot: number; init: number; invoke: number; cpu: number };
      if (line.status < 200 || line.status >= 300) reject(new Error(`cold run of ${bundle} answered ${line.status}`));
      else resolve({ wallMs, initMs: line.init, invokeMs: line.invoke, bootMs: line.boot, cpuMs: line.cpu });
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`cold run of ${bundle} exited ${code} without answering:\n${err.slice(-2_000)}`));
    });
  });
}

/** `node -e ''`: what any function pays before its own code runs. */
export function emptyNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`node -e '' exited ${code}`)),
    );
  });
}

export interface ColdCase {
  fn: string;
  route: RouteName;
  bundle: Bundle;
  floor: Bundle;
  event: (side: 'ours' | 'floor') => APIGatewayProxyEventV2;
}

/**
 * Runs every case `runs` times in rounds (each round: ours, floor and an empty node for every case), so all the
 * cases and both sides share the same stretches of machine noise; medians per side, ratio of the medians.
 */
export async function measureCold(db: BenchDb, driver: string, cases: ColdCase[], runs: number): Promise<ColdResult[]> {
  const env = functionEnv(db);
  // One unmeasured pair per case warms the OS page cache and DynamoDB Local's tables.
  for (const c of cases) {
    await coldRun(driver, c.bundle.file, env, c.event('ours'));
    await coldRun(driver, c.floor.file, env, c.event('floor'));
  }
  const ours: ColdRun[][] = cases.map(() => []);
  const floor: ColdRun[][] = cases.map(() => []);
  const empty: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    for (const [index, c] of cases.entries()) {
      ours[index]!.push(await coldRun(driver, c.bundle.file, env, c.event('ours')));
      floor[index]!.push(await coldRun(driver, c.floor.file, env, c.event('floor')));
    }
    empty.push(await emptyNode());
  }
  const summary = (all: ColdRun[], bundle: Bundle): ColdSummary => ({
    bundle: bundle.name,
    kib: round(bundle.bytes / 1024, 1),
    wallMs: round(median(all.map((run) => run.wallMs)), 1),
    initMs: round(median(all.map((run) => run.initMs)), 1),
    invokeMs: round(median(all.map((run) => run.invokeMs)), 1),
    bootMs: round(median(all.map((run) => run.bootMs)), 1),
    cpuMs: round(median(all.map((run) => run.cpuMs)), 1),
  });
  return cases.map((c, index) => {
    const o = summary(ours[index]!, c.bundle);
    const f = summary(floor[index]!, c.floor);
    return {
      fn: c.fn,
      route: c.route,
      runs,
      ours: o,
      floor: f,
      emptyNodeMs: round(median(empty), 1),
      ratio: ratio(o.wallMs, f.wallMs),
      cpuRatio: ratio(o.cpuMs, f.cpuMs),
    };
  });
}
