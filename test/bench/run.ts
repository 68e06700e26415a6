/**
 * `npm run bench`: the performance suite of issue 6. Starts its own DynamoDB Local, builds the function bundles
 * as CDK does, runs each part, prints one table with PASS/FAIL against the targets, and writes the figures to
 * test/bench/results.json (a full run) or test/bench/out/results.json (BENCH_QUICK=1 or BENCH_ONLY=…).
 * Targets are checked here and never in `npm test`: timings are not pass/fail material for a shared CI box.
 *
 *   BENCH_QUICK=1            a 1–2 minute pass with fewer iterations, for development
 *   BENCH_ONLY=cold,warm     run some parts: cold, trips, warm, growth, throughput, memory, pages
 *   BENCH_NOTE="…"           how the machine was used during the run (quiet, shared…), written to results.json
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { bundle, OUT, ROOT, script, type Bundle } from './build.ts';
import { measureCold, type ColdCase, type ColdResult } from './cold.ts';
import { benchAffiliate, preloadPayouts, startBenchDb, tokenFor, type BenchDb } from './env.ts';
import { ADMIN_APP, loadAdminFactory, payoutsFactory, type HandlerFactory } from './functions.ts';
import { measureGrowth, type GrowthResult } from './growth.ts';
import { measureMemory, type MemoryResult } from './memory.ts';
import { measurePages, pagesTables, pagesTargets, type PagesResult } from './pages.ts';
import { markdown, table, verdict, type Cell } from './report.ts';
import { eventFor, prepareFixtures, type Actor, type RouteName } from './routes.ts';
import { round } from './stats.ts';
import { measureThroughput, type ThroughputResult } from './throughput.ts';
import { measureTrips, type TripResult } from './trips.ts';
import { measureReceipts, type ReceiptResult } from './receipt.ts';
import { measureWarm, type WarmResult } from './warm.ts';

const PARTS = ['cold', 'trips', 'warm', 'growth', 'throughput', 'memory', 'pages', 'receipts'] as const;
type Part = (typeof PARTS)[number];

const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = process.env.BENCH_ONLY
  ? (process.env.BENCH_ONLY.split(',').map((part) => part.trim()) as Part[])
  : undefined;
const wanted = (part: Part) => !ONLY || ONLY.includes(part);

const SETTINGS = QUICK
  ? {
      coldRuns: 9,
      warmIterations: 150,
      warmup: 20,
      growthLevels: [0, 100, 1_000, 10_000],
      growthRequests: 40,
      growthBalances: 5,
      seconds: 3,
      storm: 500,
      users: 50,
    }
  : {
      coldRuns: 21,
      warmIterations: 1_000,
      warmup: 100,
      growthLevels: [0, 100, 1_000, 10_000],
      growthRequests: 300,
      growthBalances: 21,
      seconds: 10,
      storm: 600,
      users: 100,
    };

/** Targets of issue 6. */
const TARGET = { coldRatio: 1.1, warmRatioP50: 1.1, growthRequest: 1.05 };

const PAYOUT_ROUTES: RouteName[] = ['request', 'balance', 'summary', 'history', 'get'];

interface Results {
  generated_at: string;
  mode: 'full' | 'quick';
  parts: Part[];
  machine: Record<string, unknown>;
  settings: typeof SETTINGS;
  bundles: { name: string; entry: string; kib: number }[];
  cold?: ColdResult[];
  trips?: TripResult[];
  warm?: WarmResult[];
  growth?: GrowthResult;
  throughput?: ThroughputResult;
  memory?: MemoryResult;
  pages?: PagesResult;
  receipts?: ReceiptResult;
  targets: { target: string; value: string; pass: boolean }[];
}

function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load_average_at_start: loadavg().map((value) => round(value, 2)),
    note: process.env.BENCH_NOTE ?? null,
  };
}

async function throughputUsers(db: BenchDb, count: number): Promise<Actor[]> {
  const users: Actor[] = [];
  for (let index = 0; index < count; index += 1) {
    const affiliate = benchAffiliate(`load-${index}`);
    await preloadPayouts(db, affiliate, 10);
    users.push({
      user: affiliate.user_id,
      affiliateId: affiliate.affiliate_id,
      token: await tokenFor(affiliate.user_id),
    });
  }
  return users;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = performance.now();
  const log = (message: string) =>
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  const results: Results = {
    generated_at: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    parts: PARTS.filter(wanted),
    machine: machine(),
    settings: SETTINGS,
    bundles: [],
    targets: [],
  };

  log('building bundles as CDK does');
  const adminFactory = await loadAdminFactory();
  const payouts = await bundle('payouts', 'lambdas/payouts/handler.ts');
  const admin: Bundle | undefined = adminFactory
    ? await bundle('admin-payouts', 'lambdas/admin-payouts/handler.ts')
    : undefined;
  const floor = await bundle('floor', 'test/bench/floor/handler.ts');
  const driver = await script('cold-driver', 'test/bench/entries/cold-driver.ts');
  results.bundles = [payouts, ...(admin ? [admin] : []), floor].map((b) => ({
    name: b.name,
    entry: b.entry,
    kib: round(b.bytes / 1024, 1),
  }));
  if (!adminFactory) log(`${ADMIN_APP} does not exist yet: the admin function is left out`);

  log('starting DynamoDB Local');
  const db = await startBenchDb();
  try {
    const movable = (SETTINGS.coldRuns + 1) * 2 + 4 + (SETTINGS.warmIterations + SETTINGS.warmup) * 2 + 10;
    const fx = await prepareFixtures(db, { movable: adminFactory ? movable : 0, cancellable: 4 });
    const functions: { fn: string; route: RouteName; factory: HandlerFactory }[] = [
      ...PAYOUT_ROUTES.map((route) => ({ fn: 'payouts', route, factory: payoutsFactory })),
      ...(adminFactory ? [{ fn: 'admin-payouts', route: 'process' as const, factory: adminFactory }] : []),
    ];

    if (wanted('receipts')) {
      log('receipts: the renderer bundle, warm and cold p50');
      results.receipts = await measureReceipts(QUICK ? { warm: 50, cold: 5 } : { warm: 300, cold: 15 });
      log(`receipts: ${JSON.stringify(results.receipts)}`);
    }

    if (wanted('cold')) {
      log(`cold start: ${SETTINGS.coldRuns} alternating runs per case`);
      const cases: ColdCase[] = [
        { fn: 'payouts', route: 'balance', bundle: payouts, floor, event: (side) => eventFor(fx, 'balance', side) },
        { fn: 'payouts', route: 'request', bundle: payouts, floor, event: (side) => eventFor(fx, 'request', side) },
        ...(admin
          ? [
              {
                fn: 'admin-payouts',
                route: 'process' as const,
                bundle: admin,
                floor,
                event: (side: 'ours' | 'floor') => eventFor(fx, 'process', side),
              },
            ]
          : []),
      ];
      results.cold = await measureCold(db, driver, cases, SETTINGS.coldRuns);
    }
    if (wanted('trips')) {
      log('round trips');
      results.trips = await measureTrips(db, fx, [
        ...functions.map((f) => ({ ...f, floor: true })),
        { fn: 'payouts', route: 'cancel', factory: payoutsFactory, floor: false },
      ]);
    }
    if (wanted('warm')) {
      log(`warm latency: ${SETTINGS.warmIterations} invocations per route, ours and floor interleaved`);
      results.warm = await measureWarm(db, fx, functions, {
        iterations: SETTINGS.warmIterations,
        warmup: SETTINGS.warmup,
      });
    }
    if (wanted('growth')) {
      log(`growth: affiliates with ${SETTINGS.growthLevels.join(', ')} past payouts`);
      results.growth = await measureGrowth(db, fx, payoutsFactory, {
        levels: SETTINGS.growthLevels,
        iterations: SETTINGS.growthRequests,
        balanceIterations: SETTINGS.growthBalances,
      });
    }
    let users: Actor[] | undefined;
    if (wanted('throughput') || wanted('memory')) users = await throughputUsers(db, SETTINGS.users);
    if (wanted('throughput') && users) {
      log(`throughput: autocannon, 50 connections, ${SETTINGS.seconds} s per route`);
      const server = (await bundle('bench-server', 'test/bench/entries/server.ts')).file;
      results.throughput = await measureThroughput(db, server, users, { seconds: SETTINGS.seconds, connections: 50 });
    }
    if (wanted('memory') && users) {
      log(`memory: ${SETTINGS.storm} concurrent invocations`);
      const storm = await bundle('storm', 'test/bench/entries/storm.ts');
      results.memory = await measureMemory(db, storm.file, users, { sequential: 100, storm: SETTINGS.storm });
    }
  } finally {
    await db.stop();
  }
  if (wanted('pages')) {
    log('pages: weight, and time to a usable dashboard in Chromium (test/bench/pages.ts)');
    results.pages = await measurePages({ log });
  }
  results.machine.load_average_at_end = loadavg().map((value) => round(value, 2));
  results.machine.duration_s = round((performance.now() - started) / 1000, 0);
  results.targets = targets(results);

  const { text, md } = render(results);
  process.stdout.write(`${text}\n`);
  const full = !QUICK && !ONLY;
  const file = full ? join(ROOT, 'test/bench/results.json') : join(OUT, 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(OUT, 'performance.md'), md);
  log(`wrote ${file.slice(ROOT.length + 1)} and test/bench/out/performance.md`);
}

function targets(results: Results): Results['targets'] {
  const list: Results['targets'] = [];
  for (const cold of results.cold ?? []) {
    list.push({
      target: `cold ${cold.fn} ${cold.route}: ours/floor ≤ ${TARGET.coldRatio}`,
      value: `${cold.ratio}`,
      pass: cold.ratio <= TARGET.coldRatio,
    });
  }
  for (const trip of results.trips ?? []) {
    list.push({
      target: `waves ${trip.fn} ${trip.route}: warm ≤ ${trip.target}, cold ≤ warm + 1 GSI lookup`,
      value: `${trip.warm.waves} warm, ${trip.cold.waves} cold`,
      pass: trip.pass,
    });
  }
  for (const warm of results.warm ?? []) {
    list.push({
      target: `warm ${warm.fn} ${warm.route}: p50 ours/floor ≤ ${TARGET.warmRatioP50}`,
      value: `${warm.ratioP50}`,
      pass: warm.ratioP50 <= TARGET.warmRatioP50,
    });
  }
  if (results.growth) {
    const g = results.growth;
    list.push({
      target: `growth request p50 latency, most / fewest past payouts ≤ ${TARGET.growthRequest}`,
      value: `${g.requestLatencyRatio}`,
      pass: g.requestLatencyRatio <= TARGET.growthRequest,
    });
    list.push({
      target: `growth request capacity, most / fewest past payouts ≤ ${TARGET.growthRequest}`,
      value: `${g.requestCapacityRatio}`,
      pass: g.requestCapacityRatio <= TARGET.growthRequest,
    });
  }
  if (results.pages) list.push(...pagesTargets(results.pages));
  return list;
}

function render(results: Results): { text: string; md: string } {
  const sections: { title: string; headers: string[]; rows: Cell[][] }[] = [];
  sections.push({
    title: 'Bundles (minified ESM, as CDK builds them)',
    headers: ['bundle', 'entry', 'KiB'],
    rows: results.bundles.map((b) => [b.name, b.entry, b.kib]),
  });
  if (results.cold) {
    sections.push({
      title: `1. Cold start proxy: fresh node, import + one request, median of ${results.settings.coldRuns} (ms)`,
      headers: [
        'function route',
        'KiB',
        'ours',
        'init',
        'invoke',
        'CPU',
        'floor KiB',
        'floor',
        'init',
        'invoke',
        'CPU',
        'node -e ""',
        'CPU ratio',
        'ratio',
        `≤ ${TARGET.coldRatio}`,
      ],
      rows: results.cold.map((c) => [
        `${c.fn} ${c.route}`,
        c.ours.kib,
        c.ours.wallMs,
        c.ours.initMs,
        c.ours.invokeMs,
        c.ours.cpuMs,
        c.floor.kib,
        c.floor.wallMs,
        c.floor.initMs,
        c.floor.invokeMs,
        c.floor.cpuMs,
        c.emptyNodeMs,
        c.cpuRatio,
        c.ratio,
        verdict(c.ratio <= TARGET.coldRatio),
      ]),
    });
  }
  if (results.trips) {
    sections.push({
      title: '2. Sequential DynamoDB waves per route (‖ = in parallel, → = after)',
      headers: ['function route', 'warm', 'cold', 'warm calls', 'cold calls', 'target', ''],
      rows: results.trips.map((t) => [
        `${t.fn} ${t.route}`,
        t.warm.waves,
        t.cold.waves,
        t.warm.calls,
        t.cold.calls,
        `≤ ${t.target}`,
        verdict(t.pass),
      ]),
    });
  }
  if (results.warm) {
    sections.push({
      title: `3. Warm latency, ${results.settings.warmIterations} in-process invocations per route (ms)`,
      headers: [
        'function route',
        'p50',
        'p99',
        'in DynamoDB',
        'floor p50',
        'floor p99',
        'in DynamoDB',
        'p50 ratio',
        'p99 ratio',
        `≤ ${TARGET.warmRatioP50}`,
      ],
      rows: results.warm.map((w) => [
        `${w.fn} ${w.route}`,
        w.ours.p50,
        w.ours.p99,
        w.ours.dynamo,
        w.floor.p50,
        w.floor.p99,
        w.floor.dynamo,
        w.ratioP50,
        w.ratioP99,
        verdict(w.ratioP50 <= TARGET.warmRatioP50),
      ]),
    });
  }
  if (results.growth) {
    const g = results.growth;
    sections.push({
      title: '4. Growth: p50 latency (ms) and consumed capacity units per call, by past payouts',
      headers: [
        'past payouts',
        'request p50',
        'request CU',
        'balance p50',
        'balance CU',
        'balance Query pages',
        'balance floor p50',
      ],
      rows: [
        ...g.rows.map((row) => [
          row.payouts,
          row.request.p50,
          row.request.capacity,
          row.balance.p50,
          row.balance.capacity,
          row.balance.queryPages,
          row.balance.floorP50,
        ]),
        [
          `${g.rows.at(-1)?.payouts ?? ''} / ${g.rows[0]?.payouts ?? ''}`,
          `${g.requestLatencyRatio} ${verdict(g.requestLatencyRatio <= TARGET.growthRequest)}`,
          `${g.requestCapacityRatio} ${verdict(g.requestCapacityRatio <= TARGET.growthRequest)}`,
          g.balanceLatencyRatio,
          g.balanceCapacityRatio,
          '',
          '',
        ],
      ],
    });
  }
  if (results.throughput) {
    const t = results.throughput;
    sections.push({
      title: `5. Throughput of the local server (autocannon, ${t.rows[0]?.connections ?? 50} connections); server peak RSS ${t.serverPeakRssMiB} MiB`,
      headers: ['route', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
      rows: t.rows.map((row) => [row.route, row.rps, row.p50, row.p99, row.requests, row.non2xx, row.errors]),
    });
  }
  if (results.memory) {
    const m = results.memory;
    sections.push({
      title: '6. Memory of the payouts function (MiB)',
      headers: [
        'after init',
        `after ${m.sequential} sequential`,
        'peak sequential',
        `peak, storm of ${m.storm} concurrent`,
        'storm ms',
        'statuses',
      ],
      rows: [
        [
          m.afterInitMiB,
          m.afterSequentialMiB,
          m.peakSequentialMiB,
          m.peakStormMiB,
          m.stormMs,
          Object.entries(m.statuses)
            .map(([status, n]) => `${status}×${n}`)
            .join(' '),
        ],
      ],
    });
  }
  if (results.pages) sections.push(...pagesTables(results.pages));
  sections.push({
    title: 'Targets',
    headers: ['target', 'measured', ''],
    rows: results.targets.map((t) => [t.target, t.value, verdict(t.pass)]),
  });
  const m = results.machine;
  const header = `Machine: ${String(m.cpu)}, ${String(m.cores)} cores, ${String(m.memory_gib)} GiB, node ${String(m.node)}; load average ${String(m.load_average_at_start)} → ${String(m.load_average_at_end)}${m.note ? `; ${String(m.note)}` : ''}`;
  const text = [header, ...sections.map((s) => table(s.title, s.headers, s.rows))].join('\n');
  const md = [header, '', ...sections.map((s) => markdown(s.title, s.headers, s.rows))].join('\n');
  return { text, md };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
