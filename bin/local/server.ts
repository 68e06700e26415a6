import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { servePages } from './pages.ts';

export type FunctionUrlHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Function URLs cap request payloads at 6 MB; the handlers refuse far smaller bodies themselves. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+json)/i;

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(Object.assign(new Error('payload too large'), { statusCode: 413 }));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length ? Buffer.concat(chunks) : undefined));
    request.on('error', reject);
  });
}

/** Headers as a Function URL passes them: lower-case names, repeated headers joined with a comma. */
function eventHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    const value = raw[index + 1] as string;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/**
 * Turns one HTTP request into a Lambda Function URL event (payload format 2.0), the way the AWS service does:
 * raw path and query, comma-joined repeated query parameters, base64 for non-text bodies.
 */
export function toFunctionUrlEvent(request: IncomingMessage, body: Buffer | undefined): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers = eventHeaders(request);
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const text = body !== undefined && TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body: text ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body !== undefined && !text,
  };
}

function lambdaContext(requestId: string, functionName: string): Context {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body =
    result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, {
    ...Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)])),
    ...(result.cookies?.length ? { 'set-cookie': result.cookies } : {}),
  });
  response.end(body);
}

/**
 * Serves handlers like Function URLs: `/admin…` to the admin function, `/webhooks/…` to the provider-webhooks
 * function (when given), everything else to the payouts function.
 * With `pagesDir`, the built pages (`/`, `/console/`, `/assets/…`, `/config.json`) are served first.
 */
export function createLocalServer(handlers: {
  payouts: FunctionUrlHandler;
  admin: FunctionUrlHandler;
  webhooks?: FunctionUrlHandler;
  pagesDir?: string;
  /** What config.json tells the pages besides the (same-origin) URLs: whether e-mails go out. */
  pagesConfig?: { emails?: boolean };
}): Server {
  const server = createServer(async (request, response) => {
    try {
      if (handlers.pagesDir && (await servePages(handlers.pagesDir, request, response, handlers.pagesConfig))) return;
      const body = await readBody(request);
      const event = toFunctionUrlEvent(request, body);
      const isAdmin = event.rawPath === '/admin' || event.rawPath.startsWith('/admin/');
      const isWebhook = handlers.webhooks !== undefined && event.rawPath.startsWith('/webhooks/');
      const handler = isWebhook ? handlers.webhooks! : isAdmin ? handlers.admin : handlers.payouts;
      const name = isWebhook ? 'provider-webhooks' : isAdmin ? 'admin-payouts' : 'payouts';
      const result = await handler(event, lambdaContext(event.requestContext.requestId, name));
      writeResult(response, result);
    } catch (error) {
      const statusCode = (error as { statusCode?: number }).statusCode ?? 502;
      // What a Function URL answers when the function itself throws: the handler never does for a client error.
      if (!response.headersSent) {
        response.writeHead(statusCode, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            success: false,
            message: statusCode === 413 ? 'Request too large.' : 'The function failed.',
            code: statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'FUNCTION_ERROR',
          }),
        );
      }
    }
  });
  // Some clients and load tools send FIN right after the request. Node closes such a socket at once by default,
  // and the async handler's answer is then lost; keep the writing side open until the answer is sent. (A field of
  // http.Server that @types/node does not declare.)
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}
