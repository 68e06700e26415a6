import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault proxy between the provider adapters and the simulator, for the call sites the simulator's own controls
 * do not reach (its 500-once and time-out-after-commit cover only the two creations): every request is forwarded
 * unless its call site is armed, then it answers 500 without forwarding, or forwards (the provider acts) and never
 * answers (the client times out).
 */
export type CallSite =
  | 'stripe.transfer.create'
  | 'stripe.transfer.get'
  | 'paypal.oauth'
  | 'paypal.payout.create'
  | 'paypal.batch.get'
  | 'paypal.item.get'
  | 'paypal.verify'
  | 'other';
export type Fault = '500' | 'timeout';

export function callSiteOf(method: string, path: string): CallSite {
  if (method === 'POST' && path === '/v1/transfers') return 'stripe.transfer.create';
  if (method === 'GET' && /^\/v1\/transfers\/[^/]+$/.test(path)) return 'stripe.transfer.get';
  if (method === 'POST' && path === '/v1/oauth2/token') return 'paypal.oauth';
  if (method === 'POST' && path === '/v1/payments/payouts') return 'paypal.payout.create';
  if (method === 'GET' && /^\/v1\/payments\/payouts\/[^/]+$/.test(path)) return 'paypal.batch.get';
  if (method === 'GET' && /^\/v1\/payments\/payouts-item\/[^/]+$/.test(path)) return 'paypal.item.get';
  if (method === 'POST' && path === '/v1/notifications/verify-webhook-signature') return 'paypal.verify';
  return 'other';
}

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export async function startFaultProxy(target: string) {
  const armed = new Map<CallSite, Fault[]>();
  const hits: Partial<Record<CallSite, number>> = {};
  const injected: { site: CallSite; fault: Fault }[] = [];
  const hanging = new Set<NodeJS.Timeout>();

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const site = callSiteOf(request.method ?? 'GET', url.pathname);
    hits[site] = (hits[site] ?? 0) + 1;
    const body = await readBody(request);
    const fault = armed.get(site)?.shift();
    if (fault) injected.push({ site, fault });
    if (fault === '500') {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { type: 'api_error', message: 'injected 500' },
          name: 'INTERNAL_SERVER_ERROR',
          message: 'injected 500',
        }),
      );
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
    let forwarded: Response;
    let answer: Buffer;
    try {
      forwarded = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      answer = Buffer.from(await forwarded.arrayBuffer());
    } catch {
      // The simulator dropped the connection (its own time-out control, or it is closing): so does the proxy.
      response.destroy();
      return;
    }
    if (fault === 'timeout') {
      // The provider acted; its answer is lost. The socket is dropped long after the client gave up.
      const timer = setTimeout(() => {
        hanging.delete(timer);
        response.destroy();
      }, 10_000);
      hanging.add(timer);
      return;
    }
    const out: Record<string, string> = {};
    forwarded.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) out[name] = value;
    });
    response.writeHead(forwarded.status, out);
    response.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The next `times` calls at `site` get `fault`. */
    arm(site: CallSite, fault: Fault, times = 1) {
      armed.set(site, [...(armed.get(site) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    disarm() {
      armed.clear();
    },
    hits,
    injected,
    async close() {
      for (const timer of hanging) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;
