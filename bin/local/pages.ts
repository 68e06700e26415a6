import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { contentSecurityPolicy, LOCAL_SECURITY_HEADERS } from '../../web/headers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** The pages' own paths; every other path belongs to the API (the functions answer 404 for unknown ones). */
function fileFor(pathname: string): string | undefined {
  if (pathname === '/' || pathname === '/index.html') return 'index.html';
  if (pathname === '/console' || pathname === '/console/' || pathname === '/console/index.html')
    return 'console/index.html';
  if (pathname.startsWith('/assets/')) {
    const file = normalize(pathname.slice(1));
    return file.startsWith('assets/') && !file.includes('..') ? file : undefined;
  }
  return undefined;
}

/**
 * Serves the built pages (web/dist) on the API's port, with the headers CloudFront sends in AWS, and a config.json
 * with empty base URLs: locally the pages call their own origin. Answers true when it handled the request.
 */
export async function servePages(
  dir: string,
  request: IncomingMessage,
  response: ServerResponse,
  config: { emails?: boolean } = {},
): Promise<boolean> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  if (pathname === '/console') {
    response.writeHead(308, { location: '/console/' }).end();
    return true;
  }
  if (pathname === '/config.json') {
    response.writeHead(200, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' });
    response.end(
      request.method === 'HEAD'
        ? undefined
        : JSON.stringify({ payoutsUrl: '', adminUrl: '', emails: config.emails === true }),
    );
    return true;
  }
  const file = fileFor(pathname);
  if (file === undefined) return false;
  let body: Buffer;
  try {
    body = await readFile(join(dir, file));
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return true;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, {
    'content-type': type,
    'cache-control': 'no-cache',
    ...LOCAL_SECURITY_HEADERS,
    ...(type.startsWith('text/html') ? { 'content-security-policy': contentSecurityPolicy() } : {}),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
  return true;
}
