import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedAffiliate } from '../../bin/local/seed.ts';
import { scheduledPayoutId } from '../../shared/usecases/request-payout.ts';
import { steppingClock } from '../support/admin.ts';
import { testRuntime } from '../support/app.ts';
import { createTestTables } from '../support/dynamo.ts';
import { replay, writeFigures } from './support/figures.ts';
import { type Acknowledged, checkInvariants } from './support/invariants.ts';
import { type Item, type Snapshot, raiseEarned, snapshot, type System, systemOn, wipe } from './support/system.ts';

/**
 * Model-based test of issue 13 beside the lifecycle model (test/reliability/model.test.ts, which stays as it is):
 * fast-check generates sequences of settings changes (a new e-mail starts the cool-down; schedules on and off),
 * payout requests (now and future-dated), scheduler runs (repeated, and two at once), cool-down clears, payments of
 * future-dated payouts, clock moves, earnings, and a request racing a settings change. Each answer is checked
 * against a small model of the cool-downs and dates, and after every step the tables must hold the money
 * invariants plus these: at most one scheduled payout per affiliate and period (its id and its key the period's);
 * no payout requested inside a cool-down; no future-dated payout paid before its date.
 */
const RUNS = Number(process.env.SELF_SERVICE_RUNS ?? (replay.seed === undefined ? 25 : 1));
const COOLDOWN_MS = 48 * 3_600_000;
const DAY = 86_400_000;
const START = Date.parse('2026-12-07T09:00:00.000Z'); // a Monday

type Cmd =
  | { t: 'settings'; aff: number; what: 'email' | 'weekly' | 'monthly' | 'manual' }
  | { t: 'request'; aff: number; amount: number; ahead?: number }
  | { t: 'run'; day: number; twice: boolean }
  | { t: 'advance'; hours: number }
  | { t: 'clear'; aff: number }
  | { t: 'pay'; pick: number }
  | { t: 'race'; aff: number; amount: number }
  | { t: 'earn'; aff: number; cents: number };

const aff = fc.integer({ min: 0, max: 1 });
const amount = fc.integer({ min: 1_000, max: 40_000 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('settings' as const),
      aff,
      what: fc.constantFrom('email', 'weekly', 'monthly', 'manual' as const),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      { t: fc.constant('request' as const), aff, amount, ahead: fc.integer({ min: 0, max: 95 }) },
      { requiredKeys: ['t', 'aff', 'amount'] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('run' as const), // Mondays (0, 7, 14) and the 1st (25) are due days: weighted so runs request often.
      day: fc.oneof(fc.constantFrom(0, 7, 14, 25), fc.integer({ min: 0, max: 35 })),
      twice: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const), aff }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('pay' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('race' as const), aff, amount }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('earn' as const), aff, cents: fc.integer({ min: 1_000, max: 50_000 }) }),
  },
);
const scenarioArb = fc.record({
  earned: fc.tuple(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 0, max: 120_000 })),
  schedules: fc.tuple(fc.constantFrom('weekly', 'monthly', 'manual'), fc.constantFrom('weekly', 'monthly', 'manual')),
  commands: fc.array(cmdArb, { minLength: 1, maxLength: 14 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

/** Cool-down windows per affiliate: [start, end) in ms; a clear ends the open one. */
type Windows = Array<Array<[number, number]>>;

describe('Model: settings, cool-downs, future-dated payouts and schedule runs', () => {
  const clock = steppingClock(START);
  let system: System;
  const figures = { runs: 0, steps: 0, answers: {} as Record<string, number>, scheduledPayouts: 0, checks: 0 };

  beforeAll(async () => {
    const db = await createTestTables();
    system = systemOn(db, testRuntime(db, {}, clock));
  });
  afterAll(() => system.db.drop());

  const count = (label: string) => {
    figures.answers[label] = (figures.answers[label] ?? 0) + 1;
  };

  /** The invariants of this issue, on the tables as they are now. */
  function selfServiceViolations(snap: Snapshot, ids: string[], windows: Windows): string[] {
    const problems: string[] = [];
    const periods = new Map<string, string>();
    for (const payout of snap.payouts) {
      const owner = ids.indexOf(String(payout.affiliate_id));
      const requested = Date.parse(String(payout.requested_at));
      for (const [start, end] of windows[owner] ?? []) {
        if (requested > start && requested < end)
          problems.push(`payout ${payout.payout_id} requested at ${payout.requested_at}, inside a cool-down`);
      }
      if (typeof payout.schedule_period === 'string') {
        const slot = `${payout.affiliate_id} ${payout.schedule_period}`;
        if (periods.has(slot))
          problems.push(`two scheduled payouts for ${slot}: ${periods.get(slot)} and ${payout.payout_id}`);
        periods.set(slot, String(payout.payout_id));
        if (payout.payout_id !== scheduledPayoutId(String(payout.affiliate_id), payout.schedule_period))
          problems.push(`scheduled payout ${payout.payout_id} does not carry its period's id`);
      }
      if (typeof payout.scheduled_for === 'string') {
        for (const change of (payout.history ?? []) as { at: string; from: string | null; to: string }[]) {
          if (
            change.from === 'pending' &&
            (change.to === 'processing' || change.to === 'completed') &&
            change.at.slice(0, 10) < payout.scheduled_for
          )
            problems.push(`payout ${payout.payout_id} scheduled for ${payout.scheduled_for} was paid on ${change.at}`);
        }
      }
    }
    for (const record of snap.idempotency) {
      const key = String(record.idempotency_key);
      const match = /^scheduler:#schedule:(.+):([^:]+)$/.exec(key);
      if (!match) continue;
      if (record.payout_id !== scheduledPayoutId(match[1] as string, match[2] as string))
        problems.push(`scheduler key ${key} points at ${String(record.payout_id)}`);
    }
    return problems;
  }

  const runScenario = async (scenario: Scenario) => {
    figures.runs += 1;
    clock.set(new Date(START).toISOString());
    const before = await snapshot(system.db.client, system.db.tables);
    await wipe(system.db.client, system.db.tables, before);
    const prefix = `ss${figures.runs}-${Date.now().toString(36)}`;
    const ids = [0, 1].map((index) => `aff-${prefix}-${index}`);
    const users = [0, 1].map((index) => `user-${prefix}-${index}`);
    await system.db.seed(
      [0, 1].map(
        (index): SeedAffiliate => ({
          affiliate_id: ids[index] as string,
          user_id: users[index] as string,
          status: 'active',
          total_earned: scenario.earned[index] as number,
          payment_method: 'paypal',
          payment_email: `${prefix}-${index}@example.com`,
          schedule: scenario.schedules[index] as 'weekly' | 'monthly' | 'manual',
        }),
      ),
    );
    const windows: Windows = [[], []];
    const acknowledged: Acknowledged[] = [];
    const requested: { id: string; scheduledFor?: string }[] = [];
    let emails = 0;
    const now = () => clock.now().getTime();
    const inCooldown = (index: number) => (windows[index] ?? []).some(([start, end]) => now() >= start && now() < end);
    const changeEmail = async (index: number) => {
      emails += 1;
      const res = await system.asUser(users[index] as string, {
        method: 'PUT',
        path: '/payouts/settings',
        body: { payment_email: `${prefix}-${index}-new${emails}@example.com` },
      });
      return res;
    };
    const request = async (index: number, body: Record<string, unknown>) => {
      const res = await system.asUser(users[index] as string, { method: 'POST', path: '/payouts/request', body });
      if (res.status === 201) {
        const payout = res.json.data.payout;
        acknowledged.push({ payoutId: payout.payout_id, userId: users[index] as string, amount: payout.amount });
        requested.push({
          id: payout.payout_id,
          ...(payout.scheduled_for ? { scheduledFor: payout.scheduled_for } : {}),
        });
      }
      return res;
    };

    for (const [step, cmd] of scenario.commands.entries()) {
      const fail = (message: string) => {
        throw new Error(`step ${step + 1} ${JSON.stringify(cmd)}: ${message}`);
      };
      switch (cmd.t) {
        case 'settings': {
          if (cmd.what === 'email') {
            const res = await changeEmail(cmd.aff);
            if (res.status !== 200) fail(`settings answered ${res.status} ${res.body}`);
            const until = now() + COOLDOWN_MS;
            if (res.json.data.cooldown_until !== new Date(until).toISOString())
              fail(`cool-down ${res.json.data.cooldown_until}`);
            windows[cmd.aff]?.push([now(), until]);
            count('settings email 200');
          } else {
            const res = await system.asUser(users[cmd.aff] as string, {
              method: 'PUT',
              path: '/payouts/settings',
              body: { schedule: cmd.what },
            });
            if (res.status !== 200 || res.json.data.schedule !== cmd.what)
              fail(`settings answered ${res.status} ${res.body}`);
            count('settings schedule 200');
          }
          break;
        }
        case 'request': {
          const today = clock.now().toISOString().slice(0, 10);
          const date =
            cmd.ahead === undefined
              ? undefined
              : new Date(Date.parse(`${today}T00:00:00Z`) + cmd.ahead * DAY).toISOString().slice(0, 10);
          const res = await request(cmd.aff, { amount: cmd.amount, ...(date ? { scheduled_for: date } : {}) });
          count(`request ${res.status} ${res.json?.code ?? ''}`.trim());
          if (cmd.ahead !== undefined && cmd.ahead > 90) {
            if (res.status !== 400) fail(`a date ${cmd.ahead} days ahead answered ${res.status}`);
          } else if (inCooldown(cmd.aff)) {
            if (res.json?.code !== 'PAYOUT_METHOD_COOLDOWN') fail(`during a cool-down: ${res.status} ${res.body}`);
          } else if (res.status !== 201 && res.status !== 400) fail(`answered ${res.status} ${res.body}`);
          break;
        }
        case 'run': {
          const at = new Date(Date.parse('2026-12-07T00:00:00.000Z') + cmd.day * DAY).toISOString();
          const runs = await Promise.all(
            Array.from({ length: cmd.twice ? 2 : 1 }, () =>
              system.asAdmin({ method: 'POST', path: '/admin/schedules/run', body: { at } }),
            ),
          );
          for (const res of runs) {
            if (res.status !== 200) fail(`run answered ${res.status} ${res.body}`);
            const { considered, requested: made, skipped } = res.json.data;
            const total = made + Object.values(skipped as Record<string, number>).reduce((sum, n) => sum + n, 0);
            if (total !== considered) fail(`run counted ${total} of ${considered}`);
            figures.scheduledPayouts += made;
            count(`run requested ${made}`);
          }
          break;
        }
        case 'advance':
          clock.tick(cmd.hours * 3_600_000);
          break;
        case 'clear': {
          const res = await system.asAdmin({
            method: 'POST',
            path: `/admin/affiliates/${ids[cmd.aff]}/cooldown/clear`,
          });
          if (res.status !== 200) fail(`clear answered ${res.status}`);
          for (const window of windows[cmd.aff] ?? []) if (window[1] > now()) window[1] = now();
          break;
        }
        case 'pay': {
          const target = requested[cmd.pick % Math.max(1, requested.length)];
          if (!target) break;
          const res = await system.asAdmin({
            method: 'POST',
            path: `/admin/payouts/${target.id}/process`,
            body: { status: 'completed', transaction_id: `T-${target.id}`, confirm_duplicate_destination: true },
          });
          count(`pay ${res.status} ${res.json?.code ?? ''}`.trim());
          const early =
            target.scheduledFor !== undefined && clock.now().toISOString().slice(0, 10) < target.scheduledFor;
          if (early && res.json?.code !== 'NOT_DUE' && res.status !== 409)
            fail(`paid before its date: ${res.status} ${res.body}`);
          if (!early && res.json?.code === 'NOT_DUE') fail('refused as not due on or after its date');
          break;
        }
        case 'race': {
          const [requestRes, changeRes] = await Promise.all([
            request(cmd.aff, { amount: cmd.amount }),
            changeEmail(cmd.aff),
          ]);
          if (changeRes.status !== 200) fail(`settings answered ${changeRes.status}`);
          windows[cmd.aff]?.push([now(), now() + COOLDOWN_MS]);
          count(`race request ${requestRes.status} ${requestRes.json?.code ?? ''}`.trim());
          if (![201, 400, 409].includes(requestRes.status)) fail(`race request answered ${requestRes.status}`);
          break;
        }
        case 'earn':
          await raiseEarned(system.db.client, system.db.tables, ids[cmd.aff] as string, cmd.cents);
          break;
      }
      const snap = await snapshot(system.db.client, system.db.tables);
      // The scheduler's keys are scoped to the scheduler, not to a user: checked here, not by the shared invariants.
      const forShared = {
        ...snap,
        idempotency: snap.idempotency.filter((item: Item) => !String(item.idempotency_key).startsWith('scheduler:#')),
      };
      const shared = checkInvariants(forShared, { acknowledged, everyPayoutAcknowledged: false });
      const own = selfServiceViolations(snap, ids, windows);
      figures.steps += 1;
      figures.checks += shared.checks + snap.payouts.length;
      const problems = [...shared.violations, ...own];
      if (problems.length > 0) fail(`broke an invariant:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  };

  it(`keeps the invariants over ${RUNS} generated runs`, async () => {
    const started = performance.now();
    const details = await fc.check(fc.asyncProperty(scenarioArb, runScenario), {
      numRuns: RUNS,
      ...(replay.seed !== undefined ? { seed: replay.seed } : {}),
      ...(replay.path ? { path: replay.path } : {}),
    });
    writeFigures('self-service-model', {
      ...figures,
      durationMs: Math.round(performance.now() - started),
      seed: details.seed,
    });
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `${fc.defaultReportMessage(details) ?? 'failed'}\n${cause}\nReplay: RELIABILITY_SEED=${details.seed} RELIABILITY_PATH=${details.counterexamplePath ?? ''} npx vitest run test/reliability/self-service-model.test.ts`,
      );
    }
    // The generated runs reached the interesting answers.
    expect(figures.steps).toBeGreaterThan(RUNS);
  }, 300_000);
});
