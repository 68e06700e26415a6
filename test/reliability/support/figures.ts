import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The sizes of the reliability suites, read from the environment once. `npm test` runs the defaults; the long mode
 * (test/reliability/run-long.ts) raises them. A value that is not a positive whole number fails fast with its name.
 * @example const runs = sizes.modelRuns; // RELIABILITY_RUNS, 200 by default
 */
function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return Number(raw);
}

export const sizes = Object.freeze({
  /** Model-based runs (fast-check property runs), each one a fresh set of affiliates. */
  modelRuns: positive('RELIABILITY_RUNS', 200),
  /** Model shards run side by side, each on its own tables with its own seed. */
  modelShards: positive('RELIABILITY_SHARDS', 2),
  /** Largest command sequence of one model run. */
  modelMaxCommands: positive('RELIABILITY_MAX_COMMANDS', 12),
  /** Model runs with the provider rails (sends, the sender, webhooks, the sweeper, their faults), and their length. */
  modelRailRuns: positive('RELIABILITY_RAIL_RUNS', 40),
  modelRailMaxCommands: positive('RELIABILITY_RAIL_MAX_COMMANDS', 16),
  /** Requests fired at once by the storm. */
  stormRequests: positive('STORM_REQUESTS', 600),
  /** Function instances the storm may start (Lambda's concurrency): each serves one request at a time. */
  stormInstances: positive('STORM_INSTANCES', 32),
  /** Randomized fault plans, after the call-site-by-call-site matrix. */
  faultFuzzRuns: positive('FAULT_FUZZ_RUNS', 60),
});

/** Replays one model run: the seed and path fast-check printed for a failure. */
const seedText = process.env.RELIABILITY_SEED || undefined;
if (seedText !== undefined && !/^-?\d+$/.test(seedText))
  throw new Error(`RELIABILITY_SEED must be a whole number, got "${seedText}"`);
export const replay = Object.freeze({
  seed: seedText === undefined ? undefined : Number(seedText),
  path: process.env.RELIABILITY_PATH || undefined,
});

export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** Writes one suite's figures to test/reliability/out/<suite>.json, where run-long.ts collects them. */
export function writeFigures(suite: string, figures: Record<string, unknown>): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(
    join(OUT_DIR, `${suite}.json`),
    `${JSON.stringify({ suite, at: new Date().toISOString(), ...figures }, null, 2)}\n`,
  );
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await task(items[index] as T, index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
