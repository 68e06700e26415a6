/**
 * Builds function bundles exactly as the CDK stack's NodejsFunction does (ESM, minified, source maps, node22,
 * everything bundled, the createRequire banner), so the sizes and cold starts measured are the deployed ones.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'test/bench/out');

/** The bundling settings of lib/ (STACK.md): keep in step with the stack's NodejsFunction defaults. */
export const CDK_BUNDLING: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  external: [],
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  // As the stack: the receipt renderer is a file of its own next to the handler (lib/constructs/api-function.ts).
  define: {
    __RECEIPT_RENDERER__: JSON.stringify('./receipt-renderer.mjs'),
    __OPENAPI_DOCUMENT__: JSON.stringify('./openapi.json'),
  },
  logLevel: 'error',
};

export interface Bundle {
  name: string;
  entry: string;
  file: string;
  /** Minified bytes of the .mjs, without its source map. */
  bytes: number;
}

/** Bundles one entry (a path relative to the repository root) into test/bench/out/<name>.mjs. */
export async function bundle(name: string, entry: string, options: BuildOptions = {}): Promise<Bundle> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.mjs`);
  await build({ ...CDK_BUNDLING, ...options, entryPoints: [join(ROOT, entry)], outfile: file });
  return { name, entry, file, bytes: statSync(file).size };
}

/** Builds a helper script (a driver, not a function) unminified: its size is not what is measured. */
export async function script(name: string, entry: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.mjs`);
  await build({ ...CDK_BUNDLING, minify: false, sourcemap: false, entryPoints: [join(ROOT, entry)], outfile: file });
  return file;
}

export const exists = (path: string) => existsSync(join(ROOT, path));
