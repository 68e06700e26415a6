import { readFile } from 'node:fs/promises';
import { fileResponse } from './respond.ts';
import { route } from './router.ts';

/**
 * Where the document is: the deployed bundles are built with `__OPENAPI_DOCUMENT__` naming the copy of openapi.json
 * the stack puts next to the handler; tests and `npm start` read the repository's own file. Read from disk on the
 * first call, so no byte of it is parsed on any route's cold start.
 */
declare const __OPENAPI_DOCUMENT__: string | undefined;
const DOCUMENT_URL =
  typeof __OPENAPI_DOCUMENT__ === 'string'
    ? new URL(__OPENAPI_DOCUMENT__, import.meta.url)
    : new URL('../../openapi.json', import.meta.url);

let document: Promise<string> | undefined;

/** GET /openapi.json on both functions, with no token: the contract, as `npm run openapi` wrote it from the zod schemas. */
export const openApiRoute = route({
  method: 'GET',
  path: '/openapi.json',
  access: 'public',
  summary: 'This OpenAPI 3.1 document (no token needed).',
  handle: async () => {
    document ??= readFile(DOCUMENT_URL, 'utf8').then((text) => JSON.stringify(JSON.parse(text)));
    document.catch(() => (document = undefined));
    return fileResponse(200, await document, 'application/json; charset=utf-8', {
      'Cache-Control': 'public, max-age=300',
    });
  },
});
