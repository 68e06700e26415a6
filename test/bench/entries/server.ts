/**
 * The local server (bin/local/server.ts) with both real function handlers, bundled like the functions and run
 * by a plain `node`, for the throughput part. Prints `listening <port>`; any line on stdin answers its peak RSS.
 */
import type { AddressInfo } from 'node:net';
import { createLocalServer, type FunctionUrlHandler } from '../../../bin/local/server.ts';
import { handler as admin } from '../../../lambdas/admin-payouts/handler.ts';
import { handler as payouts } from '../../../lambdas/payouts/handler.ts';

const server = createLocalServer({
  payouts: payouts as FunctionUrlHandler,
  admin: admin as unknown as FunctionUrlHandler,
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.stdin.on('data', () =>
  process.stdout.write(`${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`),
);
process.stdin.on('end', () => server.close(() => process.exit(0)));
