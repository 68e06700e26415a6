import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { type AppError, NotPermittedError, NotFoundError } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';
import { idempotencyKeyHeader } from '../schemas/common.ts';
import type { Authenticator, Principal } from './auth.ts';
import { MethodNotAllowedError } from './errors.ts';
import { lowerCaseHeaders, parseWith, queryOf, readJsonObject } from './request.ts';
import type { HttpResponse } from './respond.ts';

/** What a route handler gets: its input already validated at the edge, and the verified caller. */
export interface RouteContext<P = Record<string, string>, Q = Record<string, string>, B = undefined> {
  event: APIGatewayProxyEventV2;
  headers: Record<string, string>;
  params: P;
  query: Q;
  body: B;
  /** The Idempotency-Key header, checked, on routes that take one. */
  idempotencyKey: string | undefined;
  principal: Principal;
  requestId: string;
  logger: Logger;
}

/**
 * A route and the schemas of its input. Path parameters that fail their schema answer the route's 404 (a
 * malformed id is as missing as an unknown one); query, header and body failures are a 400 naming the problem.
 */
export interface RouteSpec<P, Q, B> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. `/payouts/{payout_id}/cancel` or `/admin/tax/{year}.csv`; literal segments win over parameters. */
  path: string;
  /** `admin` routes answer 403 to any token without the admin role; `public` ones need no token (the contract). */
  access: 'affiliate' | 'admin' | 'public';
  params?: { schema: z.ZodMiniType<P>; notFound: () => AppError };
  query?: z.ZodMiniType<Q>;
  body?: z.ZodMiniType<B>;
  maxBodyBytes?: number;
  idempotencyKey?: boolean;
  /** One line for the route table in the README and the OpenAPI document. */
  summary: string;
  handle(context: RouteContext<P, Q, B>): Promise<HttpResponse>;
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds routes of every input type; each was checked by `route`.
export type Route = RouteSpec<any, any, any>;

/** Declares a route, its input types inferred from its schemas. */
export function route<P = Record<string, string>, Q = Record<string, string>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): Route {
  return spec;
}

interface CompiledRoute {
  route: Route;
  segments: string[];
}

function splitPath(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined; // malformed percent-encoding: no route can match
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const value = actual[index] as string;
    if (part.startsWith('{')) {
      // A parameter may carry a literal suffix: `{year}.csv` takes "2026.csv" as year "2026".
      const close = part.indexOf('}');
      const suffix = part.slice(close + 1);
      if (!value.endsWith(suffix) || value.length === suffix.length) return undefined;
      params[part.slice(1, close)] = value.slice(0, value.length - suffix.length);
    } else if (part !== value) return undefined;
  }
  return params;
}

/** The caller of a public route: no token was read, so no user and no role. */
const ANONYMOUS: Principal = Object.freeze({ userId: '', isAdmin: false });

const literalCount = ({ segments }: CompiledRoute) => segments.filter((part) => !part.startsWith('{')).length;

/**
 * A small router: 404 for an unknown path, 405 (with Allow) for a known path and another method, then the
 * token check (401/403), then the input (path parameters, query, Idempotency-Key, body), then the route.
 */
export function createRouter(routes: Route[], authenticate: Authenticator) {
  const compiled: CompiledRoute[] = routes
    .map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }))
    .sort((a, b) => literalCount(b) - literalCount(a));

  return async (event: APIGatewayProxyEventV2, requestId: string, logger: Logger): Promise<HttpResponse> => {
    const method = event.requestContext.http.method.toUpperCase();
    const actual = splitPath(event.rawPath ?? event.requestContext.http.path);
    const candidates = actual
      ? compiled.flatMap((entry) => {
          const params = matchSegments(entry.segments, actual);
          return params ? [{ entry, params }] : [];
        })
      : [];
    if (candidates.length === 0)
      throw new NotFoundError('ROUTE_NOT_FOUND', `No route matches ${method} ${event.rawPath}.`);
    // The most specific path wins before the method is looked at: GET /payouts/request is a 405, not a payout id.
    const specific = candidates.filter(
      (candidate) => literalCount(candidate.entry) === literalCount(candidates[0]!.entry),
    );
    const matched = specific.find((candidate) => candidate.entry.route.method === method);
    if (!matched)
      throw new MethodNotAllowedError(method, [...new Set(specific.map((c) => c.entry.route.method)), 'OPTIONS']);
    const { route } = matched.entry;
    const headers = lowerCaseHeaders(event);
    const principal = route.access === 'public' ? ANONYMOUS : await authenticate(headers.authorization);
    if (route.access === 'admin' && !principal.isAdmin) {
      throw new NotPermittedError('ADMIN_ONLY', 'This route is for administrators only.');
    }
    return route.handle({
      event,
      headers,
      params: paramsOf(route, matched.params),
      query: route.query ? parseWith(route.query, queryOf(event)) : queryOf(event),
      idempotencyKey: route.idempotencyKey
        ? parseWith(idempotencyKeyHeader, headers['idempotency-key'], 'INVALID_IDEMPOTENCY_KEY')
        : undefined,
      body: route.body
        ? parseWith(route.body, readJsonObject(event, headers, { maxBytes: route.maxBodyBytes }))
        : undefined,
      principal,
      requestId,
      logger,
    });
  };
}

function paramsOf(route: Route, raw: Record<string, string>): unknown {
  if (!route.params) return raw;
  const result = route.params.schema.safeParse(raw);
  if (!result.success) throw route.params.notFound();
  return result.data;
}
