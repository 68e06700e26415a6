/**
 * Part 5, throughput: the local server (bin/local/server.ts with both real function bundles) in its own `node`,
 * loaded by autocannon with 50 connections on the balance and request routes, distinct users in rotation.
 * The server's peak RSS after the load is reported too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { AMOUNT, functionEnv, type BenchDb } from './env.ts';
import type { Actor } from './routes.ts';
import { round } from './stats.ts';

export interface ThroughputRow {
  route: 'balance' | 'request';
  connections: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface ThroughputResult {
  rows: ThroughputRow[];
  serverPeakRssMiB: number;
}

async function startServer(file: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [file], {
    env: { ...env, PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', function onData(chunk: Buffer) {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}: ${err.slice(-2_000)}`)));
  });
  return { child, port };
}

function peakRss(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.stdout?.once('data', (chunk: Buffer) =>
      resolve((JSON.parse(chunk.toString()) as { maxRssKiB: number }).maxRssKiB / 1024),
    );
    child.stdin?.write('rss\n');
  });
}

export async function measureThroughput(
  db: BenchDb,
  serverFile: string,
  users: Actor[],
  { seconds, connections }: { seconds: number; connections: number },
): Promise<ThroughputResult> {
  const { default: autocannon } = await import('autocannon');
  const { child, port } = await startServer(serverFile, functionEnv(db, { METRICS_ENABLED: 'false' }));
  try {
    let next = 0;
    const token = () => users[next++ % users.length]!.token;
    const run = async (route: ThroughputRow['route']): Promise<ThroughputRow> => {
      const result = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        requests: [
          route === 'balance'
            ? {
                method: 'GET',
                path: '/payouts/balance',
                setupRequest: (request) => ({ ...request, headers: { authorization: `Bearer ${token()}` } }),
              }
            : {
                method: 'POST',
                path: '/payouts/request',
                body: JSON.stringify({ amount: AMOUNT }),
                setupRequest: (request) => ({
                  ...request,
                  headers: {
                    authorization: `Bearer ${token()}`,
                    'content-type': 'application/json',
                    'idempotency-key': randomUUID(),
                  },
                }),
              },
        ],
      });
      return {
        route,
        connections,
        seconds: round(result.duration, 1),
        rps: round(result.requests.average, 0),
        p50: result.latency.p50,
        p99: result.latency.p99,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
      };
    };
    // A short unmeasured round warms the user -> affiliate cache, the connections and the JIT.
    await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      amount: users.length * 2,
      requests: [
        {
          method: 'GET',
          path: '/payouts/balance',
          setupRequest: (request) => ({ ...request, headers: { authorization: `Bearer ${token()}` } }),
        },
      ],
    });
    const rows = [await run('balance'), await run('request')];
    return { rows, serverPeakRssMiB: round(await peakRss(child), 1) };
  } finally {
    child.stdin?.end();
    child.kill('SIGTERM');
  }
}
