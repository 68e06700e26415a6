/**
 * The pages' share of `npm run bench` (part "pages"), also runnable alone: `npx tsx test/bench/pages.ts`.
 *
 * - Page weight: every JavaScript file a page loads, gzipped (target ≤ 50 KB per page), and the stylesheet.
 * - Time to a usable dashboard in Debian's Chromium on the real local server: from navigation start to the balance
 *   on screen (the `payouts:usable` mark the dashboard sets), median of 9 fresh browser contexts (cold cache).
 * - The first screen's API calls: how many, and in how many sequential waves (target: one parallel wave).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { builtPages, PAGES } from '../../web/build.ts';
import { affiliate, tokenFor } from '../support/app.ts';
import { launchChromium } from '../support/browser.ts';
import { call, startServer } from '../support/server.ts';
import { table, verdict } from './report.ts';
import { median, round } from './stats.ts';

export const PAGES_TARGET = { jsGzipKB: 50, waves: 1 };

export interface PagesResult {
  weights: Array<{
    page: string;
    path: string;
    js_files: number;
    js_kb: number;
    js_gzip_kb: number;
    css_gzip_kb: number;
  }>;
  usable: { runs: number; median_ms: number; min_ms: number; max_ms: number; samples_ms: number[] };
  first_screen: { api_calls: string[]; waves: number };
}

interface Timing {
  name: string;
  startTime: number;
  responseEnd: number;
}

/** Groups requests into sequential waves: a request that starts after an earlier one ended begins a new wave. */
export function waves(timings: Timing[]): number {
  const sorted = [...timings].sort((a, b) => a.startTime - b.startTime);
  let count = 0;
  let earliestEnd = -Infinity;
  for (const timing of sorted) {
    // A request that starts after one of the current wave has answered waited for it: a new wave.
    if (count === 0 || timing.startTime >= earliestEnd) {
      count += 1;
      earliestEnd = timing.responseEnd;
    } else earliestEnd = Math.min(earliestEnd, timing.responseEnd);
  }
  return count;
}

function weights(): PagesResult['weights'] {
  const { outdir, metafile } = builtPages();
  const css = gzipSync(readFileSync(join(outdir, 'assets/styles.css'))).length;
  return PAGES.map((page) => {
    // Each page loads exactly the scripts its HTML names (one module bundle, nothing lazy).
    const html = readFileSync(join(outdir, page.out), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]+src="\/([^"]+)"/g)].map((match) => match[1]!);
    const bytes = scripts.map((file) => readFileSync(join(outdir, file)));
    const outputs = Object.keys(metafile.outputs).filter((file) => file.endsWith(`${page.name}.js`));
    if (outputs.length !== 1) throw new Error(`expected one bundle for ${page.name}`);
    return {
      page: page.name,
      path: page.path,
      js_files: scripts.length,
      js_kb: round(bytes.reduce((sum, file) => sum + file.length, 0) / 1000, 1),
      js_gzip_kb: round(bytes.reduce((sum, file) => sum + gzipSync(file, { level: 9 }).length, 0) / 1000, 1),
      css_gzip_kb: round(css / 1000, 1),
    };
  });
}

export async function measurePages({ runs = 9, log = (_: string) => {} } = {}): Promise<PagesResult> {
  const result: Partial<PagesResult> = { weights: weights() };
  const server = await startServer({
    affiliates: [affiliate('bench-pages', { tier: 'tier1', total_earned: 900_000 })],
  });
  const browser = await launchChromium();
  try {
    const token = await tokenFor('user-bench-pages');
    // A realistic history: a page of payouts to list.
    for (let index = 0; index < 12; index += 1) {
      await call(server.baseUrl, '/payouts/request', { method: 'POST', token, body: { amount: 5_000 + index } });
    }
    const samples: number[] = [];
    let firstScreen: PagesResult['first_screen'] | undefined;
    for (let run = 0; run <= runs; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/#token=${token}`);
      await page.waitForFunction(() => performance.getEntriesByName('payouts:usable').length > 0);
      // Let the wave finish so its timings are recorded.
      await page.getByRole('table', { name: 'Payout history' }).waitFor();
      const usable = (await page.evaluate('performance.getEntriesByName("payouts:usable")[0].startTime')) as number;
      const api = (
        (await page.evaluate(
          'performance.getEntriesByType("resource").map((e) => ({ name: e.name, startTime: e.startTime, responseEnd: e.responseEnd }))',
        )) as Timing[]
      ).filter((timing) => /\/payouts(\/|\?|$)/.test(new URL(timing.name).pathname + new URL(timing.name).search));
      await context.close();
      if (run === 0) continue; // the first run warms the server and DynamoDB Local
      samples.push(round(usable, 1));
      firstScreen ??= { api_calls: api.map((timing) => new URL(timing.name).pathname), waves: waves(api) };
      log(`run ${run}: usable after ${round(usable, 1)} ms`);
    }
    result.usable = {
      runs,
      median_ms: round(median(samples), 1),
      min_ms: Math.min(...samples),
      max_ms: Math.max(...samples),
      samples_ms: samples,
    };
    result.first_screen = firstScreen!;
  } finally {
    await browser.close();
    await server.stop();
  }
  return result as PagesResult;
}

export function pagesTargets(pages: PagesResult): Array<{ target: string; value: string; pass: boolean }> {
  return [
    ...pages.weights.map((weight) => ({
      target: `page ${weight.path}: all JavaScript gzipped ≤ ${PAGES_TARGET.jsGzipKB} KB`,
      value: `${weight.js_gzip_kb} KB`,
      pass: weight.js_gzip_kb <= PAGES_TARGET.jsGzipKB,
    })),
    {
      target: `dashboard first screen: API calls in ${PAGES_TARGET.waves} parallel wave`,
      value: `${pages.first_screen.api_calls.length} calls, ${pages.first_screen.waves} wave(s)`,
      pass: pages.first_screen.waves <= PAGES_TARGET.waves,
    },
  ];
}

export function pagesTables(
  pages: PagesResult,
): Array<{ title: string; headers: string[]; rows: Array<Array<string | number>> }> {
  return [
    {
      title: '7. Pages: weight (every script a page loads) and time to a usable dashboard in Chromium',
      headers: ['page', 'scripts', 'JS KB', 'JS gzip KB', `≤ ${PAGES_TARGET.jsGzipKB}`, 'CSS gzip KB'],
      rows: pages.weights.map((w) => [
        w.path,
        w.js_files,
        w.js_kb,
        w.js_gzip_kb,
        verdict(w.js_gzip_kb <= PAGES_TARGET.jsGzipKB),
        w.css_gzip_kb,
      ]),
    },
    {
      title: `   Dashboard: navigation → balance rendered, ${pages.usable.runs} fresh contexts (ms); first-screen API calls`,
      headers: ['median', 'min', 'max', 'API calls', 'waves', ''],
      rows: [
        [
          pages.usable.median_ms,
          pages.usable.min_ms,
          pages.usable.max_ms,
          pages.first_screen.api_calls.join(' ‖ '),
          pages.first_screen.waves,
          verdict(pages.first_screen.waves <= PAGES_TARGET.waves),
        ],
      ],
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  measurePages({ log: (message) => process.stderr.write(`[pages] ${message}\n`) })
    .then((pages) => {
      for (const section of pagesTables(pages))
        process.stdout.write(`${table(section.title, section.headers, section.rows)}\n`);
      process.stdout.write(
        `${table(
          'Targets',
          ['target', 'measured', ''],
          pagesTargets(pages).map((t) => [t.target, t.value, verdict(t.pass)]),
        )}\n`,
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`pages bench failed: ${String(error)}\n`);
      process.exit(1);
    });
}
