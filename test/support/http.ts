import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { LambdaHttpHandler } from '../../shared/http/lambda.ts';

export interface EventOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Send `body` as it is (a string), not JSON-encoded. */
  rawBody?: string;
  isBase64Encoded?: boolean;
}

/** A Lambda Function URL event (payload 2.0) as AWS would deliver it. */
export function functionUrlEvent({
  method = 'GET',
  path,
  headers = {},
  query,
  body,
  rawBody,
  isBase64Encoded = false,
}: EventOptions): APIGatewayProxyEventV2 {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  if (body !== undefined && !('content-type' in lower)) lower['content-type'] = 'application/json';
  const text = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const queryString = query ? new URLSearchParams(query).toString() : '';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: queryString,
    headers: lower,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'test',
      domainName: 'test.lambda-url.us-east-1.on.aws',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(text === undefined ? {} : { body: text }),
    isBase64Encoded,
  };
}

/** A Lambda context; `remainingMs` is what getRemainingTimeInMillis answers (the function's timeout is 10 s). */
export function lambdaContext(remainingMs = 10_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface InvokeResult {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers of every route's shape; the e2e suite parses them with the zod schemas.
  json: any;
  body: string;
}

/** Invokes a handler with a Function URL event and parses the JSON answer. */
export async function invoke(
  handler: LambdaHttpHandler,
  options: EventOptions & { token?: string; remainingMs?: number },
): Promise<InvokeResult> {
  const headers = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
  const response = await handler(functionUrlEvent({ ...options, headers }), lambdaContext(options.remainingMs));
  const body = response.body ?? '';
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, json, body };
}
