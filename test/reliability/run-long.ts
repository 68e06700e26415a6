/**
 * `npm run test:reliability`: the reliability suites in their long mode, then one table of figures.
 *
 *   npx tsx test/reliability/run-long.ts            5,000 model runs (+1,000 with the provider rails), a 2,000-request storm, 1,000 random fault plans
 *   npx tsx test/reliability/run-long.ts --quick    a reduced run (1,000 + 200 / 1,000 / 200) for a quick look
 *   RELIABILITY_RUNS=20000 npx tsx test/reliability/run-long.ts    any size set in the environment wins
 *
 * Arguments after `--` go to vitest (e.g. `-- test/reliability/storm.test.ts`). Each suite writes its figures to
 * test/reliability/out/<suite>.json; this script clears them, runs `vitest run --project reliability`, reads them
 * and prints the table. It exits non-zero when a suite failed or a figure that must be zero is not.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outDir = join(here, 'out');

const args = process.argv.slice(2);
const separator = args.indexOf('--');
const own = separator === -1 ? args : args.slice(0, separator);
const passThrough = separator === -1 ? [] : args.slice(separator + 1);
const unknown = own.filter((arg) => arg !== '--quick');
if (unknown.length > 0) {
  console.error(`Unknown argument(s): ${unknown.join(' ')}. Use --quick, and put vitest's own arguments after --.`);
  process.exit(2);
}
const quick = own.includes('--quick');
const preset: Record<string, string> = quick
  ? { RELIABILITY_RUNS: '1000', RELIABILITY_RAIL_RUNS: '200', STORM_REQUESTS: '1000', FAULT_FUZZ_RUNS: '200' }
  : { RELIABILITY_RUNS: '5000', RELIABILITY_RAIL_RUNS: '1000', STORM_REQUESTS: '2000', FAULT_FUZZ_RUNS: '1000' };
// Sizes already in the environment win over the preset.
const sizes = Object.fromEntries(Object.entries(preset).map(([name, value]) => [name, process.env[name] || value]));

// biome-ignore lint/suspicious/noExplicitAny: the suites' figures, of every shape, printed as they come.
type Figures = Record<string, any>;

function runVitest(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'reliability', ...passThrough],
      {
        cwd: root,
        stdio: 'inherit',
        // The long suites need longer than the default per-test timeout of the project.
        env: { ...process.env, ...sizes, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function read(): Record<string, Figures> {
  if (!existsSync(outDir)) return {};
  const files = readdirSync(outDir).filter((name) => name.endsWith('.json'));
  return Object.fromEntries(
    files.map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(join(outDir, name), 'utf8')) as Figures]),
  );
}

const n = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US') : '—');
const seconds = (ms: unknown) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '—');

function table(figures: Record<string, Figures>): { text: string; red: string[] } {
  const { model = {}, faults = {}, storm = {}, hostile = {} } = figures;
  const rails: Figures = figures['model-rails'] ?? {};
  const railShards = (rails.rails ?? []) as Figures[];
  const railSum = (pick: (shard: Figures) => Record<string, number> | number | undefined) =>
    railShards.reduce((total, shard) => {
      const value = pick(shard);
      return total + (typeof value === 'number' ? value : Object.values(value ?? {}).reduce((a, b) => a + b, 0));
    }, 0);
  const sum = (...values: unknown[]) =>
    values.reduce<number>((total, value) => total + (typeof value === 'number' ? value : 0), 0);
  const answers500 = sum(model.answers500, rails.answers500, faults.answers500, storm.answers500, hostile.answers500);
  const rows: [string, string][] = [
    [
      'Cases tried (model runs + fault cases + fault plans + storm requests + hostile cases)',
      n(sum(model.runs, faults.cases, faults.fuzzRuns, storm.requests, hostile.cases)),
    ],
    [
      'Model: runs / steps (concurrent) / operations',
      `${n(model.runs)} / ${n(model.steps)} (${n(model.concurrentSteps)}) / ${n(model.operations)}`,
    ],
    [
      'Model with the provider rails: runs / steps (concurrent) / operations',
      `${n(rails.runs)} / ${n(rails.steps)} (${n(rails.concurrentSteps)}) / ${n(rails.operations)}`,
    ],
    [
      'Rails: stream records / sender faults injected / webhooks delivered (forged) / runs settled',
      `${n(railSum((shard) => shard.streamRecords))} / ${n(railSum((shard) => Object.fromEntries(Object.entries((shard.faults ?? {}) as Record<string, number>).filter(([fault]) => fault !== 'none'))))} / ${n(railSum((shard) => shard.webhooks))} (${n(railSum((shard) => shard.forged))}) / ${n(railSum((shard) => shard.settles))}`,
    ],
    [
      'Invariant checks (model + rails + storm)',
      n(sum(model.invariantChecks, rails.invariantChecks, storm.invariantChecks)),
    ],
    ['Model: orders tried to linearize the steps', n(model.ordersExplored)],
    [
      'Faults: call sites / matrix cases / random plans',
      `${n(faults.callSites)} / ${n(faults.cases)} / ${n(faults.fuzzRuns)}`,
    ],
    [
      'Faults injected (absorbed by SDK retries / retryable answers / client retries)',
      `${n(faults.faultsInjected)} (${n(faults.sdkAbsorbed)} / ${n(faults.retryableAnswers)} / ${n(faults.clientRetries)})`,
    ],
    ['Hung DynamoDB answered 503 after', seconds(faults.blackHoleMs)],
    [
      'Storm: requests / affiliates / function instances',
      `${n(storm.requests)} / ${n(storm.affiliates)} / ${n(storm.instances)}`,
    ],
    ['Storm: duration / requests per second', `${seconds(storm.durationMs)} / ${n(storm.requestsPerSecond)}`],
    [
      'Storm: payouts created / overdrafts / drifting affiliates',
      `${n(storm.payoutsCreated)} / ${n(storm.overdrafts)} / ${n(storm.driftingAffiliates)}`,
    ],
    ['Hostile cases (4xx as expected, writes)', `${n(hostile.cases)} (${n(hostile.writes)} writes)`],
    ['Money lost (cents)', n(storm.moneyLost)],
    ['Money duplicated (cents)', n(storm.moneyDuplicated)],
    ['500s', n(answers500)],
    [
      'Wall time: model / model with rails / faults / storm / hostile',
      `${seconds(model.durationMs)} / ${seconds(rails.durationMs)} / ${seconds(faults.durationMs)} / ${seconds(storm.durationMs)} / ${seconds(hostile.durationMs)}`,
    ],
  ];
  const red = [
    ...(storm.moneyLost ? [`money lost: ${storm.moneyLost}`] : []),
    ...(storm.moneyDuplicated ? [`money duplicated: ${storm.moneyDuplicated}`] : []),
    ...(answers500 ? [`500s: ${answers500}`] : []),
    ...(storm.overdrafts ? [`overdrafts: ${storm.overdrafts}`] : []),
    ...(storm.driftingAffiliates ? [`drifting affiliates: ${storm.driftingAffiliates}`] : []),
    ...(hostile.writes ? [`hostile writes: ${hostile.writes}`] : []),
    ...(['model', 'model-rails', 'faults', 'storm', 'hostile'] as const)
      .filter((suite) => !figures[suite])
      .map((suite) => `no figures from the ${suite} suite`),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const text = [
    `| ${'Figure'.padEnd(width)} | Value |`,
    `| ${'-'.repeat(width)} | ----- |`,
    ...rows.map(([label, value]) => `| ${label.padEnd(width)} | ${value} |`),
  ].join('\n');
  return { text, red };
}

rmSync(outDir, { recursive: true, force: true });
console.log(
  `Reliability, ${quick ? 'quick' : 'long'} mode: ${Object.entries(sizes)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')}\n`,
);
const started = Date.now();
const code = await runVitest();
const { text, red } = table(read());
console.log(
  `\nReliability figures (${quick ? 'quick' : 'long'} mode, ${((Date.now() - started) / 60_000).toFixed(1)} min):\n\n${text}\n`,
);
if (code !== 0) console.error(`vitest exited with ${code}: a suite failed.`);
if (red.length > 0 && passThrough.length === 0) console.error(`Figures that must be zero are not: ${red.join(', ')}`);
process.exit(code !== 0 || (red.length > 0 && passThrough.length === 0) ? 1 : 0);
