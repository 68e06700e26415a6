/**
 * Run by a fresh `node`: the payouts function bundle (as Lambda loads it), a few requests one at a time, then a
 * storm of many concurrent mixed invocations; prints RSS at each stage (MiB) and the answers' statuses.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { handler } from '../../../lambdas/payouts/handler.ts';
import { functionUrlEvent, lambdaContext } from '../../support/http.ts';

interface StormSpec {
  users: { user: string; token: string }[];
  sequential: number;
  storm: number;
  amount: number;
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as StormSpec;
const MiB = 1024 * 1024;
const rss = () => process.memoryUsage().rss / MiB;
const peak = () => process.resourceUsage().maxRSS / 1024;

function event(index: number) {
  const who = spec.users[index % spec.users.length]!;
  const headers = { authorization: `Bearer ${who.token}` };
  switch (index % 4) {
    case 0:
      return functionUrlEvent({ path: '/payouts/balance', headers });
    case 1:
      return functionUrlEvent({ path: '/payouts/summary', headers });
    case 2:
      return functionUrlEvent({ path: '/payouts', headers, query: { limit: '50' } });
    default:
      return functionUrlEvent({
        method: 'POST',
        path: '/payouts/request',
        headers: { ...headers, 'idempotency-key': randomUUID() },
        body: { amount: spec.amount },
      });
  }
}

const statuses: Record<string, number> = {};
const count = (status: number | undefined) => void (statuses[String(status)] = (statuses[String(status)] ?? 0) + 1);

const afterInit = rss();
for (let i = 0; i < spec.sequential; i += 1) count((await handler(event(i), lambdaContext())).statusCode);
const afterSequential = rss();
const peakSequential = peak();
const started = performance.now();
const answers = await Promise.all(Array.from({ length: spec.storm }, (_, i) => handler(event(i), lambdaContext())));
const stormMs = performance.now() - started;
for (const answer of answers) count(answer.statusCode);
const line = { afterInit, afterSequential, peakSequential, peakStorm: peak(), stormMs, statuses };
process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
