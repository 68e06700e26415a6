import { PROJECT_ROOT } from '../../lib/constructs/api-function.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf, synth, type Synthesized } from './helpers.ts';

/**
 * Size budget per bundle. Measured: ~435–450 KiB with both DynamoDB clients, Secrets Manager, jose, zod/mini and middy.
 * `import { z } from 'zod/mini'` instead of `import * as z`, or reaching through `z.core.util`, pulls in every locale
 * (~370 KiB) and would cross it.
 */
const BUDGET_BYTES = 768 * 1024;

/** Builds both bundles with the stack's own bundling (the local esbuild, never Docker), then loads each in Node. */
describe('Bundles: one per function', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({}, { bundle: true });
  });
  afterAll(() => s.cleanup());

  const functions = () => [
    { name: 'payouts', fn: s.stack.payouts.function },
    { name: 'admin-payouts', fn: s.stack.admin.function },
  ];

  const bundleDir = (fnId: string) => {
    const code = s.template.toJSON().Resources[fnId].Properties.Code as { S3Key: string };
    return join(s.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  };

  it('builds each as one minified ESM file with a source map, within the size budget', () => {
    for (const { name, fn } of functions()) {
      const dir = bundleDir(s.id(fn));
      const file = join(dir, 'index.mjs');
      expect(existsSync(file), `${name}: index.mjs`).toBe(true);
      expect(existsSync(`${file}.map`), `${name}: index.mjs.map`).toBe(true);
      const code = readFileSync(file, 'utf8');
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(code.length / code.split('\n').length, `${name}: minified (mean line length)`).toBeGreaterThan(1000);
      expect(statSync(file).size, `${name}: size`).toBeLessThan(BUDGET_BYTES);
    }
  });

  it('keeps pdf-lib out of the handler bundles: the receipt renderer is its own file, loaded on first use, and renders', () => {
    for (const { name, fn } of functions()) {
      const dir = bundleDir(s.id(fn));
      const handler = readFileSync(join(dir, 'index.mjs'), 'utf8');
      const renderer = join(dir, 'receipt-renderer.mjs');
      expect(existsSync(renderer), `${name}: receipt-renderer.mjs`).toBe(true);
      // pdf-lib's own strings: none in the handler, all in the renderer.
      for (const marker of ['StandardFonts', 'Helvetica-Bold', 'PDFDocument']) {
        expect(handler.includes(marker), `${name}: handler holds ${marker}`).toBe(false);
      }
      expect(handler).toContain('"./receipt-renderer.mjs"');
      expect(statSync(renderer).size, `${name}: renderer size`).toBeLessThan(BUDGET_BYTES);
      const output = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(process.argv[1]); const pdf = await m.renderReceipt({ issuer: { name: 'Op', address: [] }, receiptNumber: 'RCPT-2026-000001', rows: [['Amount', '$1.00 USD']], footer: 'x' }); process.stdout.write(Buffer.from(pdf).subarray(0, 5).toString());`,
          renderer,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(output, name).toBe('%PDF-');
    }
  });

  it('keeps the OpenAPI document out of the handler bundles: a copy of openapi.json next to each, read on its route only', () => {
    const document = readFileSync(join(PROJECT_ROOT, 'openapi.json'), 'utf8');
    for (const { name, fn } of functions()) {
      const dir = bundleDir(s.id(fn));
      expect(readFileSync(join(dir, 'openapi.json'), 'utf8'), `${name}: openapi.json`).toBe(document);
      const handler = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(handler).toContain('"./openapi.json"');
      expect(handler.includes('adminReconcile'), `${name}: handler holds the document`).toBe(false);
    }
  });

  it('loads each bundle in a fresh Node with the environment the stack gives it, exporting handler', () => {
    for (const { name, fn } of functions()) {
      const file = join(bundleDir(s.id(fn)), 'index.mjs');
      const env = Object.fromEntries(
        Object.entries(environmentOf(s.template, s.id(fn))).map(([key, value]) => [
          key,
          typeof value === 'string'
            ? value
            : key === 'JWT_SECRET_ARN'
              ? 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbCdEf'
              : `resolved-${key}`,
        ]),
      );
      const output = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          'const m = await import(process.argv[1]); process.stdout.write(typeof m.handler);',
          file,
        ],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...env,
          },
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect(output, name).toBe('function');
    }
  });
});
