/**
 * Builds the pages into web/dist with the project's esbuild: one minified ESM bundle per page (Preact and htm
 * included, nothing from a CDN), the HTML shells and the stylesheet. Synchronous and ~100 ms, so `npm start`, the
 * CDK stack (its BucketDeployment needs the directory at synth) and the tests can all call it before use.
 *
 *   web/dist/index.html            the affiliate dashboard (/)
 *   web/dist/console/index.html    the admin console (/console/)
 *   web/dist/assets/{dashboard,console}.js, styles.css
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';

export const WEB_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const WEB_DIST = join(WEB_ROOT, 'dist');

/** The pages: where each is served, its entry and its HTML shell. */
export const PAGES = [
  { name: 'dashboard', path: '/', entry: 'dashboard/main.ts', html: 'dashboard/index.html', out: 'index.html' },
  {
    name: 'console',
    path: '/console/',
    entry: 'console/main.ts',
    html: 'console/index.html',
    out: 'console/index.html',
  },
] as const;

export interface BuiltPages {
  outdir: string;
  metafile: Metafile;
}

export function buildPages({
  outdir = WEB_DIST,
  minify = true,
}: {
  outdir?: string;
  minify?: boolean;
} = {}): BuiltPages {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  mkdirSync(join(outdir, 'console'), { recursive: true });
  const result = buildSync({
    entryPoints: Object.fromEntries(PAGES.map((page) => [page.name, join(WEB_ROOT, page.entry)])),
    outdir: join(outdir, 'assets'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    minify,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const page of PAGES) copyFileSync(join(WEB_ROOT, page.html), join(outdir, page.out));
  copyFileSync(join(WEB_ROOT, 'lib/styles.css'), join(outdir, 'assets/styles.css'));
  return { outdir, metafile: result.metafile };
}

let built: BuiltPages | undefined;

/**
 * The pages built once per process into a directory of its own: servers and synths running side by side (as the
 * tests do) never see another one's half-written build.
 */
export function builtPages(): BuiltPages {
  built ??= buildPages({ outdir: mkdtempSync(join(tmpdir(), 'payouts-pages-')) });
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outdir } = buildPages();
  console.log(`pages built in ${outdir}`);
}
