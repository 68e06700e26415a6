import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, sizes, writeFigures } from './support/figures.ts';
import { executeOp, seedOf } from './support/operations.ts';
import { checkInvariants, type Acknowledged } from './support/invariants.ts';
import {
  linearize,
  resolve,
  scenarioArb,
  type Cmd,
  type Executed,
  type ModelAffiliate,
  type ModelState,
  type Op,
  type Resolver,
  type Scenario,
} from './support/model.ts';
import { absorbProviderStep, attachRails, checkRails, type Rails } from './support/rails.ts';
import { createSystem, snapshot, wipe, type System } from './support/system.ts';

/**
 * Model-based test of the whole lifecycle: fast-check generates command sequences (requests with and without
 * Idempotency-Keys, replays and mismatched replays, cancels, admin moves to every status including illegal ones,
 * bulk moves, commissions raising total_earned, balance and reconciliation reads, and concurrent groups of these),
 * runs them through the real handlers on DynamoDB Local, and after every step checks the model's predictions,
 * the tables against the model, and the money invariants recomputed from a Scan.
 */
describe('Model: the payout lifecycle through both functions on DynamoDB Local', () => {
  /** Independent shards (own tables, own seed) run side by side: DynamoDB Local waits more than it works. */
  const shards = replay.seed === undefined ? sizes.modelShards : 1;
  const systems: System[] = [];
  /** The provider rails of each shard (simulator, sender, webhooks, sweeper), attached once. */
  const rails = new Map<System, Rails>();
  const newFigures = () => ({
    runs: 0,
    steps: 0,
    concurrentSteps: 0,
    operations: 0,
    invariantChecks: 0,
    ordersExplored: 0,
    answers500: 0,
    /** How often each operation met each answer ("request 201 replayed", "move 409 INVALID_TRANSITION", …). */
    outcomes: {} as Record<string, number>,
    railRuns: 0,
    /** Wall time spent in each kind of step (ms, summed over the shards). */
    stepMs: {} as Record<string, number>,
  });
  /** The figures of the property running now (each `it` starts its own). */
  let figures = newFigures();
  const tally = ({ op, result }: Executed) => {
    if (op.t === 'provider') {
      figures.outcomes[`provider ${op.step.kind}`] = (figures.outcomes[`provider ${op.step.kind}`] ?? 0) + 1;
      return;
    }
    const answers =
      op.t === 'bulk' || op.t === 'bulkSend'
        ? ((result?.json?.data?.results ?? []) as { status_code: number; code?: string }[]).map(
            (item) => `bulk item ${item.status_code} ${item.code ?? ''}`,
          )
        : [
            `${op.t} ${result?.status ?? 'done'} ${result?.json?.code ?? ''}${result?.headers['Idempotent-Replayed'] ? 'replayed' : ''}`,
          ];
    for (const answer of answers) figures.outcomes[answer.trim()] = (figures.outcomes[answer.trim()] ?? 0) + 1;
    const codes =
      op.t === 'bulk' || op.t === 'bulkSend'
        ? ((result?.json?.data?.results ?? []) as { status_code: number }[]).map((item) => item.status_code)
        : [result?.status ?? 0];
    figures.answers500 += codes.filter((code) => code >= 500 && code !== 503).length;
  };

  beforeAll(async () => {
    for (let shard = 0; shard < shards; shard += 1) {
      const system = await createSystem();
      systems.push(system);
      rails.set(system, await attachRails(system));
    }
  });
  afterAll(async () => {
    await Promise.all([...rails.values()].map((one) => one.close()));
    await Promise.all(systems.map((system) => system.db.drop()));
  });

  const execute = (system: System, op: Op, affiliates: ModelAffiliate[]): Promise<Executed> => {
    figures.operations += 1;
    return executeOp(system, op, affiliates); // a provider step returns at once: the rails run it (runScenario)
  };

  const summarize = (executed: Executed[]) =>
    executed
      .map(
        ({ op, result }) =>
          `  ${JSON.stringify(op)} -> ${result ? `${result.status} ${result.body.slice(0, 300)}` : 'done'}`,
      )
      .join('\n');

  /**
   * One run: fresh affiliates, the commands one step at a time, every check after every step. With `withRails`,
   * the provider tables are part of every snapshot, provider steps run through the rails (checked, not predicted),
   * the rails' invariants are checked after every step, and the run ends by settling everything in flight.
   */
  const runScenario = async (system: System, scenario: Scenario, withRails = false) => {
    figures.runs += 1;
    const railsOfRun = withRails ? rails.get(system) : undefined;
    const provider = railsOfRun ? system.db.providerTables : undefined;
    const snapNow = () => snapshot(system.db.client, system.db.tables, undefined, provider);
    const prefix = `m${figures.runs}-${Date.now().toString(36)}`;
    await wipe(system.db.client, system.db.tables, await snapNow(), provider);
    railsOfRun?.reset();
    if (railsOfRun) figures.railRuns += 1;
    const affiliates: ModelAffiliate[] = scenario.affiliates.map((initial, index) => ({
      id: `aff-${prefix}-${index}`,
      user: `user-${prefix}-${index}`,
      status: initial.suspended ? 'suspended' : 'active',
      ...(initial.tier ? { tier: initial.tier } : {}),
      earned: initial.earned,
      method: initial.method,
      // With the rails, the simulator reads the recipient's flavor from the e-mail and the account.
      email: `${initial.flavor ? `${initial.flavor}-` : ''}${prefix}-${index}@example.com`,
      ...(initial.flavor ? { account: `acct_${initial.flavor}_${prefix.replaceAll('-', '_')}_${index}` } : {}),
    }));
    await system.db.seed(affiliates.map(seedOf));
    let state: ModelState = { affiliates, payouts: new Map(), keys: new Map() };
    const resolver: Resolver = { order: [], keyed: new Map() };
    const acknowledged: Acknowledged[] = [];

    for (const [index, cmd] of scenario.commands.entries()) {
      const concurrent = cmd.t === 'concurrent';
      const group = (concurrent ? cmd.ops : [cmd]) as Exclude<Cmd, { t: 'concurrent' }>[];
      const ops = group.map((one) => resolve(one, resolver, state));
      const providerStep = ops.length === 1 && ops[0]!.t === 'provider' ? ops[0] : undefined;
      const stepStarted = performance.now();
      const stepProblems = providerStep?.t === 'provider' && railsOfRun ? await railsOfRun.run(providerStep.step) : [];
      const executed = providerStep
        ? [{ op: providerStep }]
        : await Promise.all(ops.map((op) => execute(system, op, state.affiliates)));
      executed.forEach(tally);
      const kind = providerStep?.t === 'provider' ? providerStep.step.kind : concurrent ? 'concurrent' : ops[0]!.t;
      figures.stepMs[kind] = (figures.stepMs[kind] ?? 0) + Math.round(performance.now() - stepStarted);
      for (const { op, result } of executed) {
        if (op.t !== 'request' || result?.status !== 201) continue;
        const payout = result.json.data.payout;
        acknowledged.push({
          payoutId: payout.payout_id,
          userId: affiliates[op.aff]!.user,
          amount: payout.amount,
          ...(op.key ? { key: op.key } : {}),
        });
      }
      const snap = await snapNow();
      const verdict = providerStep
        ? { ...absorbProviderStep(state, snap), explored: 1 }
        : linearize(state, executed, snap, concurrent);
      const invariants = checkInvariants(snap, { acknowledged, everyPayoutAcknowledged: true });
      const railChecks = railsOfRun ? checkRails(snap, railsOfRun.sim.state(), false) : { violations: [], checks: 0 };
      railsOfRun?.collect(snap);
      figures.steps += 1;
      figures.concurrentSteps += concurrent ? 1 : 0;
      figures.invariantChecks += invariants.checks + railChecks.checks + 1;
      figures.ordersExplored += verdict.explored;
      const problems = [...stepProblems, ...verdict.problems, ...invariants.violations, ...railChecks.violations];
      if (problems.length > 0 || !verdict.state) {
        throw new Error(
          `step ${index + 1} of ${scenario.commands.length}${concurrent ? ' (concurrent)' : ''} broke the model:\n` +
            `${problems.map((problem) => `  - ${problem}`).join('\n')}\nanswers:\n${summarize(executed)}`,
        );
      }
      state = verdict.state;
      for (const id of state.payouts.keys()) if (!resolver.order.includes(id)) resolver.order.push(id);
    }
    if (!railsOfRun) return;
    // The end of the run: everything in flight delivered (stream, webhooks, a sweep) until nothing is left; then
    // the moves must be the provider's, and the money the provider moved must equal completed − returned.
    const settleStarted = performance.now();
    const settling = await railsOfRun.settle(snapNow);
    figures.stepMs.settle = (figures.stepMs.settle ?? 0) + Math.round(performance.now() - settleStarted);
    const snap = await snapNow();
    const verdict = absorbProviderStep(state, snap);
    const invariants = checkInvariants(snap, { acknowledged, everyPayoutAcknowledged: true });
    const railChecks = checkRails(snap, railsOfRun.sim.state(), true);
    figures.invariantChecks += invariants.checks + railChecks.checks + 1;
    const problems = [...settling, ...verdict.problems, ...invariants.violations, ...railChecks.violations];
    if (problems.length > 0)
      throw new Error(`settling the run broke the model:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    for (const payout of verdict.state?.payouts.values() ?? []) {
      const key = `settled ${payout.status}${payout.attempts ? ' via provider' : ''}`;
      figures.outcomes[key] = (figures.outcomes[key] ?? 0) + 1;
    }
  };

  /** Runs the property on every shard, writes its figures, and fails with a replay command on a counterexample. */
  const property = async (suite: string, runs: number, maxCommands: number, withRails: boolean) => {
    figures = newFigures();
    const started = performance.now();
    const baseSeed = replay.seed ?? Date.now() ^ (Math.random() * 0x7fffffff);
    const perShard = Math.ceil(runs / shards);
    const outcomes = await Promise.all(
      systems.map((system, shard) =>
        fc.check(
          fc.asyncProperty(scenarioArb(maxCommands, withRails), (scenario) => runScenario(system, scenario, withRails)),
          { numRuns: perShard, seed: baseSeed + shard, ...(replay.path ? { path: replay.path } : {}) },
        ),
      ),
    );
    const railFigures = withRails ? systems.map((system) => rails.get(system)?.figures) : undefined;
    writeFigures(suite, {
      ...figures,
      ...(railFigures ? { rails: railFigures } : {}),
      shards,
      durationMs: Math.round(performance.now() - started),
      seeds: outcomes.map((details) => details.seed),
      failed: outcomes.some((details) => details.failed),
    });
    for (const details of outcomes) {
      if (!details.failed) continue;
      const how = `RELIABILITY_SEED=${details.seed} RELIABILITY_PATH=${details.counterexamplePath ?? ''} npx vitest run --project reliability test/reliability/model.test.ts -t "${withRails ? 'provider rails' : 'over'}"`;
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `${fc.defaultReportMessage(details) ?? 'the model run failed'}\n\nThe failure: ${cause}\n\nReplay it: ${how}`,
      );
    }
    if (!replay.path) expect(outcomes.reduce((sum, details) => sum + details.numRuns, 0)).toBeGreaterThanOrEqual(runs);
    if (!replay.seed) expect(figures.concurrentSteps).toBeGreaterThan(0);
  };

  it(
    `keeps every answer, the tables and the money invariants right over ${sizes.modelRuns} runs`,
    () => property('model', sizes.modelRuns, sizes.modelMaxCommands, false),
    Math.max(300_000, sizes.modelRuns * 1_000),
  );

  it(
    `with the provider rails (send, bulk send, retry, the sender with its faults, webhooks, the sweeper): ${sizes.modelRailRuns} runs`,
    async () => {
      await property('model-rails', sizes.modelRailRuns, sizes.modelRailMaxCommands, true);
      if (replay.seed !== undefined) return;
      // The runs reached the rails' paths (a generator that never sends would pass vacuously).
      const seen = (prefix: string) =>
        Object.entries(figures.outcomes)
          .filter(([answer]) => answer.startsWith(prefix))
          .reduce((sum, [, count]) => sum + count, 0);
      expect(seen('send 202'), 'sends').toBeGreaterThan(0);
      expect(seen('bulk item 202'), 'bulk sends').toBeGreaterThan(0);
      expect(seen('provider sender'), 'sender steps').toBeGreaterThan(0);
      expect(seen('provider hooks'), 'webhook steps').toBeGreaterThan(0);
      expect(seen('settled completed via provider'), 'payouts the provider completed').toBeGreaterThan(0);
    },
    Math.max(300_000, sizes.modelRailRuns * 5_000),
  );
});
