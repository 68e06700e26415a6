import { fileResponse } from './respond.ts';
import { route } from './router.ts';

let document: string | undefined;

/**
 * GET /openapi.json on both functions, with no token: the contract, as `npm run openapi` wrote it from the zod
 * schemas. Imported on the first call only, so the other routes' cold start never parses it.
 */
export const openApiRoute = route({
  method: 'GET',
  path: '/openapi.json',
  access: 'public',
  summary: 'This OpenAPI 3.1 document (no token needed).',
  handle: async () => {
    document ??= JSON.stringify((await import('../../openapi.json', { with: { type: 'json' } })).default);
    return fileResponse(200, document, 'application/json; charset=utf-8', { 'Cache-Control': 'public, max-age=300' });
  },
});
