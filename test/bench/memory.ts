/**
 * Part 6, memory: the payouts function bundle in a fresh `node`, its RSS after init and after requests one at a
 * time (what one Lambda environment serves), then its peak RSS under a storm of concurrent mixed invocations.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from './build.ts';
import { AMOUNT, functionEnv, type BenchDb } from './env.ts';
import type { Actor } from './routes.ts';
import { round } from './stats.ts';

export interface MemoryResult {
  afterInitMiB: number;
  afterSequentialMiB: number;
  peakSequentialMiB: number;
  peakStormMiB: number;
  sequential: number;
  storm: number;
  stormMs: number;
  statuses: Record<string, number>;
}

export async function measureMemory(
  db: BenchDb,
  stormFile: string,
  users: Actor[],
  { sequential, storm }: { sequential: number; storm: number },
): Promise<MemoryResult> {
  const specFile = join(OUT, 'storm-spec.json');
  writeFileSync(
    specFile,
    JSON.stringify({ users: users.map(({ user, token }) => ({ user, token })), sequential, storm, amount: AMOUNT }),
  );
  const line = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [stormFile, specFile], {
      env: { ...functionEnv(db, { METRICS_ENABLED: 'false' }), PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 && out.includes('\n')
        ? resolve(out.trim())
        : reject(new Error(`storm exited ${code}: ${err.slice(-2_000)}`)),
    );
  });
  const result = JSON.parse(line) as {
    afterInit: number;
    afterSequential: number;
    peakSequential: number;
    peakStorm: number;
    stormMs: number;
    statuses: Record<string, number>;
  };
  return {
    afterInitMiB: round(result.afterInit, 1),
    afterSequentialMiB: round(result.afterSequential, 1),
    peakSequentialMiB: round(result.peakSequential, 1),
    peakStormMiB: round(result.peakStorm, 1),
    sequential,
    storm,
    stormMs: round(result.stormMs, 0),
    statuses: result.statuses,
  };
}
