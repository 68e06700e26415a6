import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, MethodNotAllowedError, NotFoundError } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';
import type { Authenticator, Principal } from './auth.ts';
import { lowerCaseHeaders } from './request.ts';
import type { HttpResponse } from './respond.ts';

/** What a route handler gets: the event, lower-cased headers, path parameters and the verified caller. */
export interface RouteContext {
  event: APIGatewayProxyEventV2;
  headers: Record<string, string>;
  params: Record<string, string>;
  principal: Principal;
  requestId: string;
  logger: Logger;
}

export interface Route {
  method: 'GET' | 'POST';
  /** e.g. `/payouts/{payout_id}/cancel`; literal segments win over parameters. */
  path: string;
  /** `admin` routes answer 403 to any token without the admin role; `public` ones need no token (the contract). */
  access: 'affiliate' | 'admin' | 'public';
  handle(context: RouteContext): Promise<HttpResponse>;
}

interface CompiledRoute extends Route {
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
    if (part.startsWith('{')) params[part.slice(1, -1)] = value;
    else if (part !== value) return undefined;
  }
  return params;
}

/** The caller of a public route: no token was read, so no user and no role. */
const ANONYMOUS: Principal = Object.freeze({ userId: '', isAdmin: false });

const literalCount = (route: CompiledRoute) => route.segments.filter((part) => !part.startsWith('{')).length;

/**
 * A small router: 404 for an unknown path, 405 (with Allow) for a known path and another method, then the
 * token check (401/403), then the route.
 */
export function createRouter(routes: Route[], authenticate: Authenticator) {
  const compiled: CompiledRoute[] = routes
    .map((route) => ({ ...route, segments: route.path.split('/').filter(Boolean) }))
    .sort((a, b) => literalCount(b) - literalCount(a));

  return async (event: APIGatewayProxyEventV2, requestId: string, logger: Logger): Promise<HttpResponse> => {
    const method = event.requestContext.http.method.toUpperCase();
    const actual = splitPath(event.rawPath ?? event.requestContext.http.path);
    const candidates = actual
      ? compiled.flatMap((route) => {
          const params = matchSegments(route.segments, actual);
          return params ? [{ route, params }] : [];
        })
      : [];
    if (candidates.length === 0) throw new NotFoundError('ROUTE_NOT_FOUND', `No route matches ${method} ${event.rawPath}.`);
    // The most specific path wins before the method is looked at: GET /payouts/request is a 405, not a payout id.
    const specific = candidates.filter((candidate) => literalCount(candidate.route) === literalCount(candidates[0]!.route));
    const matched = specific.find((candidate) => candidate.route.method === method);
    if (!matched) throw new MethodNotAllowedError(method, [...new Set(specific.map((c) => c.route.method)), 'OPTIONS']);
    const headers = lowerCaseHeaders(event);
    const principal = matched.route.access === 'public' ? ANONYMOUS : await authenticate(headers.authorization);
    if (matched.route.access === 'admin' && !principal.isAdmin) {
      throw new ForbiddenError('ADMIN_ONLY', 'This route is for administrators only.');
    }
    return matched.route.handle({ event, headers, params: matched.params, principal, requestId, logger });
  };
}
