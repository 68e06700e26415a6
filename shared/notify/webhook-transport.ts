/**
 * Sending one signed webhook, safely. The rules (issue 12, "Safety"):
 * - in AWS an endpoint is `https` and every address its name resolves to is public (no private, loopback,
 *   link-local, unique-local, CGNAT, multicast or reserved range, no IPv4-mapped trick); checked when the endpoint
 *   is created AND at every try, with our own DNS lookup, and the connection goes to the address we checked (no
 *   second lookup a DNS rebinding could answer differently);
 * - redirects are never followed (a 3xx is a failed try);
 * - locally (ALLOW_LOCAL_WEBHOOKS=true, npm start) http and loopback addresses are allowed, nothing else private;
 * - the receiver's answer is kept as a 200-character excerpt at most.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { SignedRequest, TryResult } from '../domain/notifications.ts';

/** Answers a host name's addresses; tests inject one that answers 10.0.0.1 for a hostile name. */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Addresses that are never a public endpoint. */
// (IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry: see mappedIPv4. A ::ffff:0:0/96 rule
// would also match every plain IPv4 address, which BlockList compares in mapped form.)
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10],
  ['ff00::', 8], // multicast
] as const)
  BLOCKED.addSubnet(network, prefix, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d or ::ffff:7f00:1), if it is one. */
function mappedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * May a webhook connect to this address?
 * @example addressAllowed('169.254.169.254', false) // false
 */
export function addressAllowed(address: string, allowLocal: boolean): boolean {
  const mapped = mappedIPv4(address);
  if (mapped) return addressAllowed(mapped, allowLocal);
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allowLocal && LOOPBACK.check(address, type)) return true;
  return !BLOCKED.check(address, type);
}

/** Why a URL or its address was refused, in a sentence an operator can act on. */
export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

/**
 * Checks an endpoint URL's shape: https (http only when local ones are allowed), no user or password, a host.
 * The URL parser has already turned `127.1`, `0x7f000001` and `2130706433` into 127.0.0.1.
 */
export function checkUrlShape(raw: string, allowLocal: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('The url must be an absolute URL, e.g. https://example.com/webhooks.');
  }
  if (url.protocol !== 'https:' && !(allowLocal && url.protocol === 'http:'))
    throw new UnsafeUrlError(allowLocal ? 'The url must be http or https.' : 'The url must be https.');
  if (url.username || url.password) throw new UnsafeUrlError('The url must not carry a user name or password.');
  if (!url.hostname) throw new UnsafeUrlError('The url must name a host.');
  // An address written in another form (127.1, 0x7f000001, 2130706433, 127.0.0.1., [::ffff:127.0.0.1]) is a
  // trick with no honest use: refused in every mode, even where loopback is allowed.
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(raw.trim())?.[1]?.toLowerCase();
  const parsed = url.hostname.toLowerCase();
  if ((isIP(parsed) || parsed.startsWith('[')) && written !== parsed)
    throw new UnsafeUrlError(`The url's host must be a name or a plain IP address, not "${written}".`);
  return url;
}

/** Resolves the URL's host and checks every address; answers the one to connect to. */
export async function resolveSafely(
  url: URL,
  allowLocal: boolean,
  resolve: Resolver,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UnsafeUrlError(`The host ${host} does not resolve.`);
    }
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`The host ${host} does not resolve.`);
  // Every answer must be allowed: a name that also resolves to 10.x could be pointed there on the next lookup.
  const refused = addresses.find(({ address }) => !addressAllowed(address, allowLocal));
  if (refused)
    throw new UnsafeUrlError(
      `The url resolves to a private, loopback or link-local address (${refused.address}); webhooks go to public addresses only.`,
    );
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A full check of an endpoint URL (shape + addresses), as the create route and every try run it. */
export async function checkEndpointUrl(raw: string, allowLocal: boolean, resolve: Resolver = systemResolver) {
  const url = checkUrlShape(raw, allowLocal);
  return { url, ...(await resolveSafely(url, allowLocal, resolve)) };
}

export const EXCERPT_CHARS = 200;
const READ_LIMIT = 4_096;

export type { SignedRequest } from '../domain/notifications.ts';

export interface TransportOptions {
  allowLocal: boolean;
  timeoutMs: number;
  resolve?: Resolver;
}

/** The Standard Webhooks headers of a body: webhook-id, webhook-timestamp (seconds), webhook-signature (v1,…). */
export function signedHeaders(request: Pick<SignedRequest, 'secret' | 'id' | 'body' | 'timestamp'>) {
  const timestamp = new Date(Math.floor(request.timestamp.getTime() / 1000) * 1000);
  return {
    'webhook-id': request.id,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': new Webhook(request.secret).sign(request.id, timestamp, request.body),
  };
}

/**
 * One try: the URL and its address checked again, a POST to the checked address (SNI and Host from the URL), a
 * 2xx within the timeout is success. Never throws: every outcome is a TryResult.
 */
export async function sendSigned(request: SignedRequest, options: TransportOptions): Promise<TryResult> {
  let target: Awaited<ReturnType<typeof checkEndpointUrl>>;
  try {
    target = await checkEndpointUrl(request.url, options.allowLocal, options.resolve);
  } catch (error) {
    return { ok: false, error: error instanceof UnsafeUrlError ? `blocked: ${error.message}` : 'blocked' };
  }
  const { url, address, family } = target;
  const body = Buffer.from(request.body, 'utf8');
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': 'affiliate-payouts-webhooks/1.0',
    ...signedHeaders(request),
  };
  const agent = url.protocol === 'https:' ? https : http;
  return new Promise<TryResult>((resolve) => {
    let settled = false;
    const finish = (result: TryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = agent.request(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
        // Connect to the address we checked, never to a second answer of the resolver.
        lookup: ((_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
          if (opts?.all) callback(null, [{ address, family }]);
          else callback(null, address, family);
        }) as never,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < READ_LIMIT) chunks.push(chunk);
          size += chunk.length;
          if (size >= READ_LIMIT) response.destroy();
        });
        const done = () => {
          const status = response.statusCode ?? 0;
          const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
          finish(
            status >= 200 && status < 300
              ? { ok: true, status, excerpt }
              : {
                  ok: false,
                  status,
                  excerpt,
                  error: status >= 300 && status < 400 ? 'redirect not followed' : `HTTP ${status}`,
                },
          );
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: `no answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, error: error.code ? `connection failed (${error.code})` : 'connection failed' }),
    );
    req.end(body);
  });
}
