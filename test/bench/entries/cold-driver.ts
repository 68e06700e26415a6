/**
 * Run by a fresh `node`: imports one function bundle (its init), invokes its handler with one Function URL
 * event, prints one JSON line and exits. The parent times from spawn to that line.
 */
import { pathToFileURL } from 'node:url';

const [bundle] = process.argv.slice(2);
const event = JSON.parse(process.env.BENCH_EVENT ?? '{}');
const context = { awsRequestId: event.requestContext?.requestId ?? 'cold', getRemainingTimeInMillis: () => 10_000 };

const started = performance.now();
const module = (await import(pathToFileURL(bundle ?? '').href)) as {
  handler: (event: unknown, context: unknown) => Promise<{ statusCode?: number }>;
};
const imported = performance.now();
const response = await module.handler(event, context);
const answered = performance.now();
const cpu = process.cpuUsage();
const line = JSON.stringify({
  status: response.statusCode,
  boot: started,
  init: imported - started,
  invoke: answered - imported,
  cpu: (cpu.user + cpu.system) / 1000,
});
process.stdout.write(`${line}\n`, () => process.exit(0));
