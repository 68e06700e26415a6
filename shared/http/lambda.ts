import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { BusyError } from '../domain/errors.ts';
import { describeError, type Logger } from '../logger.ts';
import { countRefusal, noTelemetry, type Telemetry } from '../telemetry.ts';
import type { Authenticator } from './auth.ts';
import { errorResponse, type HttpResponse } from './respond.ts';
import { createRouter, type Route } from './router.ts';

export interface HttpHandlerOptions {
  routes: Route[];
  authenticate: Authenticator;
  corsAllowedOrigins: string[];
  logger: Logger;
  /** Guard refusals are counted here, where every error answer is made. */
  telemetry?: Telemetry;
  /** Run before CORS: the Lambda context on the log lines, the metrics flush (shared/observability.ts). */
  middlewares?: middy.MiddlewareObj[];
}

/**
 * How long before the function's own timeout a request still running is answered 503 with Retry-After. Past the
 * timeout, Lambda kills the invocation and the Function URL answers a bare 502 that no client knows to retry.
 */
export const DEADLINE_MARGIN_MS = 1_000;

/** The work, or a BusyError once the invocation is about to time out (the work may still commit: a retry is safe). */
async function withinDeadline<T>(work: Promise<T>, context: Context): Promise<T> {
  const remaining = context.getRemainingTimeInMillis?.();
  if (!remaining) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BusyError(
            'The request ran out of time before it finished; it may have taken effect. Retry it (with the same Idempotency-Key) or check its state.',
          ),
        ),
      Math.max(0, remaining - DEADLINE_MARGIN_MS),
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export type LambdaHttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

/**
 * Wraps a route table into a Lambda handler for Function URL events (payload 2.0): routing, errors mapped to
 * statuses in one place, one structured log line per request, and CORS — here and nowhere else (the Function
 * URL has no CORS config, so a preflight gets exactly one Access-Control-Allow-Origin).
 */
export function createHttpHandler({
  routes,
  authenticate,
  corsAllowedOrigins,
  logger,
  telemetry = noTelemetry,
  middlewares = [],
}: HttpHandlerOptions): LambdaHttpHandler {
  const route = createRouter(routes, authenticate);

  const core = async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> => {
    const started = performance.now();
    const requestId = context.awsRequestId;
    const requestLogger = logger.child({ request_id: requestId });
    let response: HttpResponse;
    let code: string | undefined;
    try {
      response = await withinDeadline(route(event, requestId, requestLogger), context);
    } catch (error) {
      response = errorResponse(error, requestId);
      code = (error as { code?: string }).code;
      countRefusal(telemetry, code);
      if (response.statusCode >= 500)
        requestLogger.error('request failed', { status: response.statusCode, ...describeError(error) });
    }
    requestLogger.info('request', {
      method: event.requestContext.http.method,
      // Hostile paths can be 10 KB long; the first 200 characters identify the route.
      path: event.rawPath?.slice(0, 200),
      status: response.statusCode,
      ...(code ? { code } : {}),
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return response;
  };

  // Middy's own early time-out throws (a 502): the deadline above answers a 503 instead.
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>(core, { timeoutEarlyInMillis: 0 }).use([
    ...middlewares,
    httpCors({
      origins: corsAllowedOrigins,
      disableBeforePreflightResponse: false,
      headers: 'Authorization, Content-Type, Idempotency-Key',
      methods: 'GET, POST, PUT, DELETE, OPTIONS',
      exposeHeaders: 'Idempotent-Replayed, Retry-After, WWW-Authenticate, X-Next-Cursor, Link, Content-Disposition',
      maxAge: 600,
    }),
  ]) as unknown as LambdaHttpHandler;
}
