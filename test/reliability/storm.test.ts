import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeResult } from '../support/http.ts';
import { testRuntime } from '../support/app.ts';
import type { TestTables } from '../support/dynamo.ts';
import { FaultInjector } from './support/faults.ts';
import { sizes, writeFigures } from './support/figures.ts';
import { checkInvariants, countersOf, type Acknowledged } from './support/invariants.ts';
import { createSystem, raiseEarned, snapshot, systemOn, type System } from './support/system.ts';
import { mulberry } from './support/random.ts';

/**
 * The storm: hundreds of requests at once across 10 affiliates — payout requests (with and without keys, twins
 * racing on one key, mismatched bodies), cancels, admin moves and bulk moves to every status, balance and
 * reconciliation reads, and commissions raising total_earned — all through the real handlers on DynamoDB Local.
 * Afterwards: no overdraft, not one cent lost or duplicated, counters equal to a recomputation, drift zero for
 * every affiliate, at most one payout per Idempotency-Key, and no 500.
 *
 * Requests run the way Lambda runs them: each function instance (its own runtime and DynamoDB client) serves one
 * request at a time, and instances are started on demand up to STORM_INSTANCES (the function's concurrency);
 * requests beyond it wait for a free instance, as behind reserved concurrency.
 */

const AFFILIATES = 10;
const EARNED = 100_000;
const SEEDED_PAYOUTS = 6;
/** The API functions' timeout (lib/constructs/api-function.ts): the storm runs under Lambda's real budget. */
const LAMBDA_TIMEOUT_MS = 10_000;
const TARGETS = ['processing', 'completed', 'failed', 'returned', 'cancelled'] as const;

type Action =
  | { t: 'request'; aff: number; amount: number; key?: string }
  | { t: 'cancel'; aff: number; payout: string }
  | { t: 'move'; payout: string; to: (typeof TARGETS)[number] }
  | { t: 'bulk'; items: { payout: string; to: (typeof TARGETS)[number] }[] }
  | { t: 'balance'; aff: number }
  | { t: 'reconcile'; aff: number }
  | { t: 'earn'; aff: number; cents: number };

/** What each kind of action may answer under contention; anything else (and any 5xx but 503) fails the storm. */
const ALLOWED: Record<Action['t'], number[]> = {
  request: [201, 400, 409, 422, 503],
  cancel: [200, 404, 409, 503],
  move: [200, 409, 503],
  // A bulk still running 1 s before the function's timeout answers 503 (each item it did is its own transaction).
  bulk: [200, 503],
  balance: [200, 503],
  reconcile: [200, 503],
  earn: [0],
};

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) ?? 0) };
}

/** Function instances started on demand, each serving one request at a time. */
class Instances {
  private readonly idle: System[] = [];
  private readonly waiting: ((instance: System) => void)[] = [];
  /** Each instance's DynamoDB calls, recorded (no faults): how many transactions one request took. */
  readonly recorders = new Map<System, FaultInjector>();
  started = 0;

  constructor(
    private readonly db: TestTables,
    private readonly max: number,
  ) {}

  async run<T>(task: (instance: System) => Promise<T>): Promise<T> {
    let instance = this.idle.pop();
    if (!instance && this.started < this.max) {
      this.started += 1;
      instance = systemOn(this.db, testRuntime(this.db), LAMBDA_TIMEOUT_MS);
      this.recorders.set(instance, FaultInjector.install(instance.runtime.client));
    }
    instance ??= await new Promise<System>((resolve) => this.waiting.push(resolve));
    try {
      return await task(instance);
    } finally {
      const next = this.waiting.shift();
      if (next) next(instance);
      else this.idle.push(instance);
    }
  }

  /**
   * Waits until no instance has a DynamoDB call open: a request answered 503 at its deadline may still be working
   * (in Lambda the environment would freeze it), and the books are read only once it has finished.
   */
  async settled(): Promise<void> {
    const busy = () => [...this.recorders.values()].some((recorder) => recorder.inFlight > 0);
    for (let quietPolls = 0, waited = 0; quietPolls < 2 && waited < 30_000; waited += 100) {
      quietPolls = busy() ? 0 : quietPolls + 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    for (const instance of this.idle) instance.runtime.client.destroy();
  }
}

describe(`Storm: ${sizes.stormRequests} concurrent requests across ${AFFILIATES} affiliates`, () => {
  let system: System;
  const affiliate = (index: number) => ({ id: `aff-storm-${index}`, user: `user-storm-${index}` });
  const seeded: { id: string; aff: number; amount: number }[] = [];
  const acknowledged: Acknowledged[] = [];

  beforeAll(async () => {
    system = await createSystem();
    await system.db.seed(
      Array.from({ length: AFFILIATES }, (_, index) => ({
        affiliate_id: affiliate(index).id,
        user_id: affiliate(index).user,
        status: 'active',
        total_earned: EARNED,
        payment_method: 'paypal' as const,
        payment_email: `storm-${index}@example.com`,
      })),
    );
    // Payouts to cancel and move during the storm, made before it.
    await Promise.all(
      Array.from({ length: AFFILIATES }, async (_, aff) => {
        for (let n = 0; n < SEEDED_PAYOUTS; n += 1) {
          const amount = 2_000 + n * 500;
          const result = await system.asUser(affiliate(aff).user, {
            method: 'POST',
            path: '/payouts/request',
            body: { amount },
          });
          if (result.status !== 201) throw new Error(`seeding: ${result.status} ${result.body}`);
          seeded.push({ id: result.json.data.payout.payout_id, aff, amount });
          acknowledged.push({ payoutId: result.json.data.payout.payout_id, userId: affiliate(aff).user, amount });
        }
      }),
    );
  });
  afterAll(async () => {
    await system?.db.drop();
  });

  it(
    'loses and duplicates no cent, overdraws no affiliate, answers no 500, and reconciles with zero drift',
    async () => {
      const seed = Number(process.env.STORM_SEED ?? Date.now() % 1_000_000);
      const rng = mulberry(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
      const keyAmounts = new Map<string, number>();
      const actions: Action[] = Array.from({ length: sizes.stormRequests }, (): Action => {
        const roll = rng();
        const aff = Math.floor(rng() * AFFILIATES);
        if (roll < 0.4) {
          const amount = 1_000 + Math.floor(rng() * 19_000);
          if (rng() < 0.35) return { t: 'request', aff, amount };
          // A small key space per affiliate: about a third of keyed requests race a twin with the same key.
          const key = `storm-${aff}-${Math.floor(rng() * (sizes.stormRequests / 40))}`;
          const bound = keyAmounts.get(key) ?? amount;
          keyAmounts.set(key, bound);
          return { t: 'request', aff, key, amount: rng() < 0.1 ? bound + 1 : bound };
        }
        if (roll < 0.55) {
          // Mostly their own payouts; one in five is someone else's and must be a 404.
          const own = seeded.filter((payout) => payout.aff === aff);
          return { t: 'cancel', aff, payout: (rng() < 0.8 ? pick(own) : pick(seeded)).id };
        }
        if (roll < 0.7) return { t: 'move', payout: pick(seeded).id, to: pick(TARGETS) };
        if (roll < 0.75)
          return {
            t: 'bulk',
            items: Array.from({ length: 2 + Math.floor(rng() * 3) }, () => ({
              payout: pick(seeded).id,
              to: pick(TARGETS),
            })),
          };
        if (roll < 0.9) return { t: 'balance', aff };
        if (roll < 0.95) return { t: 'reconcile', aff };
        return { t: 'earn', aff, cents: 1_000 + Math.floor(rng() * 4_000) };
      });

      const serve = async (system: System, action: Action): Promise<InvokeResult | undefined> => {
        switch (action.t) {
          case 'request':
            return system.asUser(affiliate(action.aff).user, {
              method: 'POST',
              path: '/payouts/request',
              body: { amount: action.amount },
              ...(action.key ? { headers: { 'idempotency-key': action.key } } : {}),
            });
          case 'cancel':
            return system.asUser(affiliate(action.aff).user, {
              method: 'POST',
              path: `/payouts/${action.payout}/cancel`,
            });
          case 'move':
            return system.asAdmin({
              method: 'POST',
              path: `/admin/payouts/${action.payout}/process`,
              body: { status: action.to, transaction_id: 'TX-STORM' },
            });
          case 'bulk':
            return system.asAdmin({
              method: 'POST',
              path: '/admin/payouts/process',
              body: {
                items: action.items.map((item) => ({
                  payout_id: item.payout,
                  status: item.to,
                  transaction_id: 'TX-STORM',
                })),
              },
            });
          case 'balance':
            return system.asUser(affiliate(action.aff).user, { path: '/payouts/balance' });
          case 'reconcile':
            return system.asAdmin({ path: `/admin/affiliates/${affiliate(action.aff).id}/balance` });
          case 'earn':
            await raiseEarned(system.db.client, system.db.tables, affiliate(action.aff).id, action.cents);
            return undefined;
        }
      };

      const instances = new Instances(system.db, sizes.stormInstances);
      const latencies: number[] = [];
      const transactions: number[] = [];
      let functionTimeouts = 0;
      /** One request on a free instance; a handler that runs past the function's timeout is what Lambda answers 502 to. */
      const run = async (action: Action) => {
        if (action.t === 'earn') return serve(system, action);
        return instances.run(async (instance) => {
          const begun = performance.now();
          const recorder = instances.recorders.get(instance)!;
          recorder.arm([]);
          try {
            return await serve(instance, action);
          } catch (error) {
            functionTimeouts += 1;
            return {
              status: 502,
              headers: {},
              json: { code: 'FUNCTION_TIMEOUT' },
              body: String(error),
            } as InvokeResult;
          } finally {
            latencies.push(performance.now() - begun);
            if (action.t === 'request')
              transactions.push(recorder.calls.filter((call) => call.startsWith('TransactWriteItems')).length);
          }
        });
      };

      // Tokens are minted before the clock starts: the storm measures the service, not the signing.
      await Promise.all([
        ...Array.from({ length: AFFILIATES }, (_, index) => system.token(affiliate(index).user)),
        system.token('admin-reliability', true),
      ]);
      const started = performance.now();
      const results = await Promise.all(actions.map(run));
      const durationMs = performance.now() - started;
      await instances.settled();
      instances.close();

      const problems: string[] = [];
      const statuses: Record<string, number> = {};
      let answers500 = 0;
      let inconsistentBalances = 0;
      let transientDriftReads = 0;
      for (const [index, action] of actions.entries()) {
        const result = results[index];
        const status = result?.status ?? 0;
        const label = `${action.t} ${status}${result?.json?.code ? ` ${result.json.code}` : ''}${result?.headers['Idempotent-Replayed'] ? ' replayed' : ''}`;
        statuses[label] = (statuses[label] ?? 0) + 1;
        if (status >= 500 && status !== 503) answers500 += 1;
        if (!ALLOWED[action.t].includes(status))
          problems.push(`${JSON.stringify(action)} answered ${status} ${result?.body.slice(0, 300)}`);
        if (status === 503 && !result?.headers['Retry-After'])
          problems.push(`${JSON.stringify(action)}: 503 without Retry-After`);
        if (action.t === 'request' && status === 201) {
          const payout = result!.json.data.payout;
          acknowledged.push({
            payoutId: payout.payout_id,
            userId: affiliate(action.aff).user,
            amount: payout.amount,
            ...(action.key ? { key: action.key } : {}),
          });
        }
        if (action.t === 'bulk' && status === 200) {
          for (const item of result!.json.data.results as { status_code: number }[]) {
            if (![200, 404, 409, 503].includes(item.status_code))
              problems.push(`bulk item answered ${item.status_code}: ${JSON.stringify(item).slice(0, 300)}`);
            if (item.status_code >= 500 && item.status_code !== 503) answers500 += 1;
          }
        }
        // The reconciliation reads counters and payouts side by side; under load it may see one before the other.
        if (action.t === 'reconcile' && status === 200 && result!.json.data.in_sync !== true) transientDriftReads += 1;
        if (action.t === 'balance' && status === 200) {
          const { total_earned, total_paid, pending, available } = result!.json.data.balance;
          if (available + pending + total_paid !== total_earned || available < 0 || pending < 0 || total_paid < 0)
            inconsistentBalances += 1;
        }
      }

      // The books afterwards: every cent accounted for, from a Scan of the tables.
      const snap = await snapshot(system.db.client, system.db.tables);
      const stored = new Map(snap.payouts.map((item) => [String(item.payout_id), item]));
      const acknowledgedIds = new Set(acknowledged.map((ack) => ack.payoutId));
      let moneyLost = 0;
      let moneyDuplicated = 0;
      for (const ack of new Map(acknowledged.map((entry) => [entry.payoutId, entry])).values())
        if (!stored.has(ack.payoutId)) moneyLost += ack.amount;
      // A request that answered 503 may still have committed (its answer was lost, or it ran out of time): such a
      // payout is that request's, not a duplicate. Each unanswered request accounts for at most one payout of its amount.
      const unanswered = actions.flatMap((action, index) =>
        action.t === 'request' && results[index]?.status === 503 ? [{ aff: action.aff, amount: action.amount }] : [],
      );
      let lateCommits = 0;
      for (const [id, item] of stored) {
        if (acknowledgedIds.has(id)) continue;
        const match = unanswered.findIndex(
          (entry) => affiliate(entry.aff).id === item.affiliate_id && entry.amount === item.amount,
        );
        if (match >= 0) {
          const [entry] = unanswered.splice(match, 1);
          lateCommits += 1;
          acknowledged.push({ payoutId: id, userId: affiliate(entry!.aff).user, amount: Number(item.amount) });
          continue;
        }
        moneyDuplicated += Number(item.amount);
      }
      const invariants = checkInvariants(snap, { acknowledged, everyPayoutAcknowledged: true });
      const byKey = new Map<string, Set<string>>();
      for (const ack of acknowledged)
        if (ack.key) byKey.set(ack.key, (byKey.get(ack.key) ?? new Set()).add(ack.payoutId));
      for (const ids of byKey.values())
        for (const id of [...ids].slice(1)) moneyDuplicated += Number(stored.get(id)?.amount ?? 0);
      const earnedBy = new Map<number, number>();
      for (const action of actions)
        if (action.t === 'earn') earnedBy.set(action.aff, (earnedBy.get(action.aff) ?? 0) + action.cents);
      let overdrafts = 0;
      const drifts: Record<string, unknown>[] = [];
      for (let aff = 0; aff < AFFILIATES; aff += 1) {
        const { id } = affiliate(aff);
        const counters = countersOf(snap, id);
        const expectedEarned = EARNED + (earnedBy.get(aff) ?? 0);
        moneyLost += Math.max(0, expectedEarned - counters.earned);
        moneyDuplicated += Math.max(0, counters.earned - expectedEarned);
        if (counters.paid + counters.pending > counters.earned) overdrafts += 1;
        const reconciliation = await system.asAdmin({ path: `/admin/affiliates/${id}/balance` });
        const { drift, in_sync: inSync } = reconciliation.json?.data ?? {};
        if (
          reconciliation.status !== 200 ||
          inSync !== true ||
          drift.total_paid !== 0 ||
          drift.pending !== 0 ||
          drift.payout_count !== 0
        ) {
          drifts.push({ id, status: reconciliation.status, drift });
        }
        // Counter drift in either direction is money the books cannot account for.
        const own = snap.payouts.filter((item) => item.affiliate_id === id);
        const recomputed = own.reduce(
          (sum, item) =>
            sum + (['pending', 'processing', 'completed'].includes(String(item.status)) ? Number(item.amount) : 0),
          0,
        );
        moneyLost += Math.max(0, recomputed - (counters.paid + counters.pending));
        moneyDuplicated += Math.max(0, counters.paid + counters.pending - recomputed);
      }

      const figures = {
        requests: actions.length,
        affiliates: AFFILIATES,
        instances: instances.started,
        lateCommits,
        seed,
        durationMs: Math.round(durationMs),
        requestsPerSecond: Math.round((actions.length / durationMs) * 1000),
        latencyMs: percentiles(latencies),
        transactionsPerPayoutRequest: percentiles(transactions),
        functionTimeouts,
        payoutsCreated: acknowledged.length - seeded.length,
        moneyLost,
        moneyDuplicated,
        overdrafts,
        answers500,
        driftingAffiliates: drifts.length,
        inconsistentBalanceReads: inconsistentBalances,
        reconcileReadsOutOfSyncDuringStorm: transientDriftReads,
        invariantChecks: invariants.checks,
        statuses,
      };
      writeFigures('storm', figures);
      console.info(
        `storm: ${actions.length} requests in ${figures.durationMs} ms (${figures.requestsPerSecond} requests/s), seed ${seed}`,
      );

      expect(problems.slice(0, 20), `STORM_SEED=${seed}`).toEqual([]);
      expect(invariants.violations.slice(0, 20), `STORM_SEED=${seed}`).toEqual([]);
      expect({ moneyLost, moneyDuplicated, overdrafts, answers500, drifts, inconsistentBalances }).toEqual({
        moneyLost: 0,
        moneyDuplicated: 0,
        overdrafts: 0,
        answers500: 0,
        drifts: [],
        inconsistentBalances: 0,
      });
      // The storm must have been a storm: contention on balances, keys and payouts actually happened.
      expect(figures.payoutsCreated).toBeGreaterThan(0);
      expect(Object.keys(statuses).some((label) => label.startsWith('request 201'))).toBe(true);
      expect(Object.keys(statuses).some((label) => label.startsWith('request 400 INSUFFICIENT_BALANCE'))).toBe(true);
      expect(Object.keys(statuses).some((label) => label.startsWith('move 409'))).toBe(true);
    },
    Math.max(300_000, sizes.stormRequests * 200),
  );
});
