import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedAffiliate } from '../../bin/local/seed.ts';
import { replay, sizes, writeFigures } from './support/figures.ts';
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
import { createSystem, raiseEarned, snapshot, wipe, type System } from './support/system.ts';

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
  const figures = {
    runs: 0,
    steps: 0,
    concurrentSteps: 0,
    operations: 0,
    invariantChecks: 0,
    ordersExplored: 0,
    answers500: 0,
    /** How often each operation met each answer ("request 201 replayed", "move 409 INVALID_TRANSITION", …). */
    outcomes: {} as Record<string, number>,
  };
  const tally = ({ op, result }: Executed) => {
    const answers =
      op.t === 'bulk'
        ? ((result?.json?.data?.results ?? []) as { status_code: number; code?: string }[]).map(
            (item) => `bulk item ${item.status_code} ${item.code ?? ''}`,
          )
        : [
            `${op.t} ${result?.status ?? 'done'} ${result?.json?.code ?? ''}${result?.headers['Idempotent-Replayed'] ? 'replayed' : ''}`,
          ];
    for (const answer of answers) figures.outcomes[answer.trim()] = (figures.outcomes[answer.trim()] ?? 0) + 1;
    const codes =
      op.t === 'bulk'
        ? ((result?.json?.data?.results ?? []) as { status_code: number }[]).map((item) => item.status_code)
        : [result?.status ?? 0];
    figures.answers500 += codes.filter((code) => code >= 500 && code !== 503).length;
  };

  beforeAll(async () => {
    for (let shard = 0; shard < shards; shard += 1) systems.push(await createSystem());
  });
  afterAll(async () => {
    await Promise.all(systems.map((system) => system.db.drop()));
  });

  const execute = async (system: System, op: Op, affiliates: ModelAffiliate[]): Promise<Executed> => {
    figures.operations += 1;
    switch (op.t) {
      case 'request': {
        const user = affiliates[op.aff]!.user;
        const headers: Record<string, string> = op.key === undefined ? {} : { 'idempotency-key': op.key };
        return {
          op,
          result: await system.asUser(user, { method: 'POST', path: '/payouts/request', body: op.body, headers }),
        };
      }
      case 'cancel':
        return {
          op,
          result: await system.asUser(affiliates[op.aff]!.user, {
            method: 'POST',
            path: `/payouts/${op.payoutId}/cancel`,
          }),
        };
      case 'move': {
        const body = { status: op.to, ...(op.tx !== undefined ? { transaction_id: op.tx } : {}) };
        return {
          op,
          result: await system.asAdmin({ method: 'POST', path: `/admin/payouts/${op.payoutId}/process`, body }),
        };
      }
      case 'bulk': {
        const items = op.items.map((item) => ({
          payout_id: item.payoutId,
          status: item.to,
          ...(item.tx !== undefined ? { transaction_id: item.tx } : {}),
        }));
        return {
          op,
          result: await system.asAdmin({ method: 'POST', path: '/admin/payouts/process', body: { items } }),
        };
      }
      case 'earn':
        await raiseEarned(system.db.client, system.db.tables, affiliates[op.aff]!.id, op.cents);
        return { op };
      case 'balance':
        return { op, result: await system.asUser(affiliates[op.aff]!.user, { path: '/payouts/balance' }) };
      case 'reconcile':
        return { op, result: await system.asAdmin({ path: `/admin/affiliates/${affiliates[op.aff]!.id}/balance` }) };
    }
  };

  const summarize = (executed: Executed[]) =>
    executed
      .map(
        ({ op, result }) =>
          `  ${JSON.stringify(op)} -> ${result ? `${result.status} ${result.body.slice(0, 300)}` : 'done'}`,
      )
      .join('\n');

  /** One run: fresh affiliates, the commands one step at a time, every check after every step. */
  const runScenario = async (system: System, scenario: Scenario) => {
    figures.runs += 1;
    const prefix = `m${figures.runs}-${Date.now().toString(36)}`;
    await wipe(system.db.client, system.db.tables, await snapshot(system.db.client, system.db.tables));
    const affiliates: ModelAffiliate[] = scenario.affiliates.map((initial, index) => ({
      id: `aff-${prefix}-${index}`,
      user: `user-${prefix}-${index}`,
      status: initial.suspended ? 'suspended' : 'active',
      ...(initial.tier ? { tier: initial.tier } : {}),
      earned: initial.earned,
      method: initial.method,
      email: `${prefix}-${index}@example.com`,
    }));
    await system.db.seed(
      affiliates.map(
        (affiliate): SeedAffiliate => ({
          affiliate_id: affiliate.id,
          user_id: affiliate.user,
          status: affiliate.status,
          ...(affiliate.tier ? { tier: affiliate.tier } : {}),
          total_earned: affiliate.earned,
          payment_method: affiliate.method,
          payment_email: affiliate.email,
        }),
      ),
    );
    let state: ModelState = { affiliates, payouts: new Map(), keys: new Map() };
    const resolver: Resolver = { order: [], keyed: new Map() };
    const acknowledged: Acknowledged[] = [];

    for (const [index, cmd] of scenario.commands.entries()) {
      const concurrent = cmd.t === 'concurrent';
      const group = (concurrent ? cmd.ops : [cmd]) as Exclude<Cmd, { t: 'concurrent' }>[];
      const ops = group.map((one) => resolve(one, resolver, state));
      const executed = await Promise.all(ops.map((op) => execute(system, op, state.affiliates)));
      executed.forEach(tally);
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
      const snap = await snapshot(system.db.client, system.db.tables);
      const verdict = linearize(state, executed, snap, concurrent);
      const invariants = checkInvariants(snap, { acknowledged, everyPayoutAcknowledged: true });
      figures.steps += 1;
      figures.concurrentSteps += concurrent ? 1 : 0;
      figures.invariantChecks += invariants.checks + 1;
      figures.ordersExplored += verdict.explored;
      const problems = [...verdict.problems, ...invariants.violations];
      if (problems.length > 0 || !verdict.state) {
        throw new Error(
          `step ${index + 1} of ${scenario.commands.length}${concurrent ? ' (concurrent)' : ''} broke the model:\n` +
            `${problems.map((problem) => `  - ${problem}`).join('\n')}\nanswers:\n${summarize(executed)}`,
        );
      }
      state = verdict.state;
      for (const id of state.payouts.keys()) if (!resolver.order.includes(id)) resolver.order.push(id);
    }
  };

  it(
    `keeps every answer, the tables and the money invariants right over ${sizes.modelRuns} runs`,
    async () => {
      const started = performance.now();
      const baseSeed = replay.seed ?? Date.now() ^ (Math.random() * 0x7fffffff);
      const perShard = Math.ceil(sizes.modelRuns / shards);
      const outcomes = await Promise.all(
        systems.map((system, shard) =>
          fc.check(
            fc.asyncProperty(scenarioArb(sizes.modelMaxCommands), (scenario) => runScenario(system, scenario)),
            { numRuns: perShard, seed: baseSeed + shard, ...(replay.path ? { path: replay.path } : {}) },
          ),
        ),
      );
      writeFigures('model', {
        ...figures,
        shards,
        durationMs: Math.round(performance.now() - started),
        seeds: outcomes.map((details) => details.seed),
        failed: outcomes.some((details) => details.failed),
      });
      for (const details of outcomes) {
        if (!details.failed) continue;
        const how = `RELIABILITY_SEED=${details.seed} RELIABILITY_PATH=${details.counterexamplePath ?? ''} npx vitest run --project reliability test/reliability/model.test.ts`;
        const cause =
          details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new Error(
          `${fc.defaultReportMessage(details) ?? 'the model run failed'}\n\nThe failure: ${cause}\n\nReplay it: ${how}`,
        );
      }
      if (!replay.path)
        expect(outcomes.reduce((sum, details) => sum + details.numRuns, 0)).toBeGreaterThanOrEqual(sizes.modelRuns);
      expect(figures.concurrentSteps).toBeGreaterThan(0);
    },
    Math.max(300_000, sizes.modelRuns * 1_000),
  );
});
