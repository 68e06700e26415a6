import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, openApiText } from '../../bin/openapi/document.ts';
import { adminRoutes } from '../../lambdas/admin-payouts/routes.ts';
import { providerEventRoutes } from '../../lambdas/admin-payouts/provider-event-routes.ts';
import { sendingRoutes } from '../../lambdas/admin-payouts/sending-routes.ts';
import { webhookRoutes, type WebhookRoutesDeps } from '../../lambdas/admin-payouts/webhook-routes.ts';
import { payoutRoutes } from '../../lambdas/payouts/routes.ts';
import { settingsRoutes } from '../../lambdas/payouts/settings-routes.ts';
import { adminSettingsRoutes } from '../../lambdas/admin-payouts/settings-routes.ts';
import type { Authenticator } from '../../shared/http/auth.ts';
import { createHttpHandler } from '../../shared/http/lambda.ts';
import type { Route } from '../../shared/http/router.ts';
import { createLogger } from '../../shared/logger.ts';
import type { PayoutSending } from '../../shared/usecases/payout-sending.ts';
import type { Services } from '../../shared/usecases/services.ts';
import { invoke } from '../support/http.ts';

const committed = readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8');
const document = JSON.parse(committed) as { paths: Record<string, Record<string, { security?: unknown[] }>> };

// The routers' own tables: their handlers are never called here, so the use cases can be empty stand-ins.
const tables = {
  payouts: [...payoutRoutes({} as Services, 10_000), ...settingsRoutes({} as Services, 10_000)],
  // With provider payments on (issue 10) the admin function also serves the sending routes.
  admin: [
    ...sendingRoutes({} as Services, {} as PayoutSending),
    ...adminSettingsRoutes({} as Services),
    ...webhookRoutes({} as WebhookRoutesDeps),
    ...providerEventRoutes({} as Services, {} as never),
    ...adminRoutes({} as Services),
  ],
};
const keysOf = (routes: Route[]) => routes.map((route) => `${route.method} ${route.path}`);
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

describe('The OpenAPI document (openapi.json)', () => {
  it('is what `npm run openapi` generates from the schemas today (run it after changing a schema or route)', () => {
    expect(committed).toBe(openApiText());
  });

  it('documents exactly the routes the two routers serve: none missing, none extra', () => {
    const served = new Set([...keysOf(tables.payouts), ...keysOf(tables.admin)]);
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((method) => HTTP_METHODS.has(method))
          .map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(
      [...served].filter((key) => !documented.has(key)),
      'served but not documented',
    ).toEqual([]);
    expect(
      [...documented].filter((key) => !served.has(key)),
      'documented but not served',
    ).toEqual([]);
    expect(Object.keys(OPERATIONS).sort()).toEqual([...documented].sort());
  });

  it('asks for a bearer token on every operation but GET /openapi.json', () => {
    expect(JSON.parse(committed).security).toEqual([{ bearerAuth: [] }]);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const operation of Object.values(item)) {
        if (path === '/openapi.json') expect(operation.security).toEqual([]);
        else expect(operation.security).toBeUndefined();
      }
    }
  });

  it.each([
    ['payouts', tables.payouts],
    ['admin-payouts', tables.admin],
  ])('is served by the %s function at GET /openapi.json with no token', async (_name, routes) => {
    // Prepare: an authenticator that refuses everything proves the route never asks for a token.
    const refuse: Authenticator = async () => {
      throw new Error('a public route must not read the token');
    };
    const handler = createHttpHandler({
      routes,
      authenticate: refuse,
      corsAllowedOrigins: ['*'],
      logger: createLogger('silent'),
    });

    // Act
    const res = await invoke(handler, { path: '/openapi.json' });

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual(JSON.parse(committed));
  });
});
