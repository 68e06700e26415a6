import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '../../bin/local/server.ts';

describe('Function: createLocalServer', () => {
  const seen: { fn: string; event: APIGatewayProxyEventV2 }[] = [];
  const server = createLocalServer({
    payouts: async (event) => {
      seen.push({ fn: 'payouts', event });
      // A real handler awaits DynamoDB: the answer comes after the request has been read in full.
      if (event.rawPath === '/slow') await new Promise((resolve) => setTimeout(resolve, 30));
      return { statusCode: 200, headers: { 'x-fn': 'payouts' }, body: '{"answered":true}' };
    },
    admin: async (event) => (
      seen.push({ fn: 'admin', event }), { statusCode: 200, headers: { 'x-fn': 'admin' }, body: '{}' }
    ),
  });
  let port = 0;
  beforeAll(
    () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => ((port = (server.address() as AddressInfo).port), resolve())),
      ),
  );
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (
    path: string,
    {
      method = 'GET',
      headers = [] as [string, string][],
      body,
    }: { method?: string; headers?: [string, string][]; body?: Buffer } = {},
  ) =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path, method, headers: [['Host', `127.0.0.1:${port}`], ...headers].flat() },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['x-fn'])));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('sends /admin paths to the admin function and the rest to the payouts function', async () => {
    expect(await send('/admin/payouts')).toBe('admin');
    expect(await send('/administrator')).toBe('payouts');
    expect(await send('/payouts/balance')).toBe('payouts');
  });

  it('builds a payload 2.0 event: raw path and query, lower-case headers, repeated headers joined', async () => {
    await send('/payouts?limit=5&limit=6', {
      headers: [
        ['Authorization', 'Bearer a'],
        ['Authorization', 'Bearer b'],
        ['X-Thing', '1'],
      ],
    });
    const { event } = seen.at(-1)!;
    expect(event.version).toBe('2.0');
    expect(event.rawPath).toBe('/payouts');
    expect(event.rawQueryString).toBe('limit=5&limit=6');
    expect(event.queryStringParameters).toEqual({ limit: '5,6' });
    expect(event.headers.authorization).toBe('Bearer a,Bearer b');
    expect(event.headers['x-thing']).toBe('1');
    expect(event.requestContext.http.method).toBe('GET');
  });

  it('passes JSON bodies as text and other bodies base64-encoded, like a Function URL', async () => {
    await send('/payouts/request', {
      method: 'POST',
      headers: [['Content-Type', 'application/json']],
      body: Buffer.from('{"amount":1}'),
    });
    expect(seen.at(-1)!.event).toMatchObject({ body: '{"amount":1}', isBase64Encoded: false });
    await send('/payouts/request', {
      method: 'POST',
      headers: [['Content-Type', 'application/octet-stream']],
      body: Buffer.from([1, 2, 3]),
    });
    expect(seen.at(-1)!.event).toMatchObject({
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('still answers a client that half-closes its side (FIN) right after sending the request', async () => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise<void>((resolve, reject) => {
      socket.once('close', () => resolve());
      socket.once('error', reject);
    });
    socket.write(`GET /slow HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    socket.end();
    await closed;
    const answer = Buffer.concat(chunks).toString();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nx-fn: payouts\r\n/);
    // The whole chunked body, up to its closing zero-length chunk.
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe('11\r\n{"answered":true}\r\n0\r\n\r\n');
  });
});

describe('Function: createLocalServer, binary answers', () => {
  const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0x80]);
  const server = createLocalServer({
    payouts: async () => ({
      statusCode: 200,
      headers: { 'Content-Type': 'application/pdf' },
      body: pdf.toString('base64'),
      isBase64Encoded: true,
    }),
    admin: async () => ({ statusCode: 200, headers: {}, body: '{}' }),
  });
  let port = 0;
  beforeAll(
    () =>
      new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', () => ((port = (server.address() as AddressInfo).port), resolve())),
      ),
  );
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a base64 answer (a PDF receipt) as its bytes, as a Function URL does', async () => {
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/payouts/p-1/receipt.pdf' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(bytes.equals(pdf)).toBe(true);
  });
});
