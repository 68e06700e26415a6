import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/domain/clock.ts';
import type { PayoutStore } from '../../shared/domain/ports.ts';
import { PAYOUT_STATUSES, TRANSITIONS, type PayoutStatus } from '../../shared/domain/payout.ts';
import { adminPayoutView, PROCESS_STATUSES, type ProcessStatus } from '../../shared/schemas/admin.ts';
import { DynamoPayoutStore } from '../../shared/store/dynamodb/payout-store.ts';
import { processPayout } from '../../shared/usecases/admin-moves.ts';
import { createServices } from '../../shared/usecases/services.ts';
import { affiliate, tokenFor } from '../support/app.ts';
import { adminApp, type AdminApp } from '../support/admin.ts';
import { invoke } from '../support/http.ts';

const AMOUNT = 5_000;
const EARNED = 1_000_000;

/** The moves that lead from pending to a status, as the admin would make them. */
const PATH_TO: Record<PayoutStatus, { status: ProcessStatus; transaction_id?: string }[]> = {
  pending: [],
  processing: [{ status: 'processing' }],
  completed: [{ status: 'completed', transaction_id: 'TX-PATH' }],
  failed: [{ status: 'failed' }],
  cancelled: [{ status: 'cancelled' }],
  returned: [{ status: 'completed', transaction_id: 'TX-PATH' }, { status: 'returned' }],
};

/** What each legal move does to the affiliate's balance (paid, pending), per the lifecycle. */
const LEGAL: [PayoutStatus, ProcessStatus, { paid: number; pending: number }][] = [
  ['pending', 'processing', { paid: 0, pending: 0 }],
  ['pending', 'completed', { paid: AMOUNT, pending: -AMOUNT }],
  ['pending', 'failed', { paid: 0, pending: -AMOUNT }],
  ['pending', 'cancelled', { paid: 0, pending: -AMOUNT }],
  ['processing', 'completed', { paid: AMOUNT, pending: -AMOUNT }],
  ['processing', 'failed', { paid: 0, pending: -AMOUNT }],
  ['completed', 'returned', { paid: -AMOUNT, pending: 0 }],
];

const ILLEGAL = PAYOUT_STATUSES.flatMap((from) =>
  PROCESS_STATUSES.filter((to) => to !== from && !TRANSITIONS[from].includes(to)).map((to) => [from, to] as const),
);

describe('Admin lifecycle (POST /admin/payouts/{id}/process on DynamoDB Local)', () => {
  let app: AdminApp;
  let seq = 0;
  const affiliates = Array.from({ length: 40 }, (_, index) => affiliate(`l${index}`, { total_earned: EARNED }));

  /** A fresh affiliate (so its counters are its own) with one payout moved to `status`. */
  async function payoutIn(status: PayoutStatus) {
    const owner = affiliates[seq++];
    if (!owner) throw new Error('out of affiliates');
    const id = await app.request(owner.user_id, AMOUNT);
    for (const step of PATH_TO[status]) expect((await app.process(id, step)).status).toBe(200);
    return { id, owner };
  }

  beforeAll(async () => {
    app = await adminApp(affiliates);
  });
  afterAll(() => app.db.drop());

  it.each(LEGAL)('%s -> %s moves the balance by %j and records who and when', async (from, to, effect) => {
    // Prepare
    const { id, owner } = await payoutIn(from);
    const before = await app.balance(owner.user_id);
    const countersBefore = await app.counters(owner.affiliate_id);

    // Act
    const res = await app.process(id, {
      status: to,
      notes: `moved to ${to}`,
      ...(to === 'completed' ? { transaction_id: 'TX-9' } : {}),
    });

    // Assess
    expect(res.status).toBe(200);
    const payout = adminPayoutView.parse(res.json.data.payout);
    expect(payout).toMatchObject({ status: to, processed_by: 'admin-1', notes: `moved to ${to}` });
    expect(payout.processed_at).toBe(payout.history.at(-1)?.at);
    expect(payout.history.at(-1)).toMatchObject({ by: 'admin-1', from, to, note: `moved to ${to}` });
    if (to === 'completed') expect(payout.transaction_id).toBe('TX-9');
    const after = await app.balance(owner.user_id);
    expect({ paid: after.total_paid - before.total_paid, pending: after.pending - before.pending }).toEqual(effect);
    expect(after.available - before.available + effect.paid + effect.pending).toBe(0);
    const countersAfter = await app.counters(owner.affiliate_id);
    expect({
      paid: countersAfter.total_paid - countersBefore.total_paid,
      pending: countersAfter.total_pending - countersBefore.total_pending,
    }).toEqual(effect);
    expect((await app.stored(id))?.status).toBe(to);
  });

  it('gives a returned payout back to available: request, complete, return', async () => {
    const { id, owner } = await payoutIn('completed');
    expect((await app.balance(owner.user_id)).available).toBe(EARNED - AMOUNT);
    await app.process(id, { status: 'returned', notes: 'PayPal sent it back' });
    expect(await app.balance(owner.user_id)).toEqual({
      total_earned: EARNED,
      total_paid: 0,
      pending: 0,
      available: EARNED,
    });
  });

  describe('illegal moves', () => {
    const fixtures = new Map<PayoutStatus, Awaited<ReturnType<typeof payoutIn>>>();
    beforeAll(async () => {
      for (const status of PAYOUT_STATUSES) fixtures.set(status, await payoutIn(status));
    });

    it.each(ILLEGAL)('%s -> %s answers 409 naming both and changes nothing', async (from, to) => {
      // Prepare
      const { id, owner } = fixtures.get(from)!;
      const storedBefore = await app.stored(id);
      const countersBefore = await app.counters(owner.affiliate_id);

      // Act
      const res = await app.process(id, { status: to, transaction_id: 'TX-ILLEGAL', notes: 'should not stick' });

      // Assess
      expect(res.status).toBe(409);
      expect(res.json).toEqual({
        success: false,
        code: 'INVALID_TRANSITION',
        message: `Cannot move a payout from ${from} to ${to}.`,
      });
      expect(await app.stored(id)).toEqual(storedBefore);
      expect(await app.counters(owner.affiliate_id)).toEqual(countersBefore);
    });
  });

  it('answers a re-sent completion with the same transaction_id 200, unchanged; another transaction_id is a 409', async () => {
    // Prepare
    const { id, owner } = await payoutIn('pending');
    const first = await app.process(id, { status: 'completed', transaction_id: 'PP-42' });
    const counters = await app.counters(owner.affiliate_id);

    // Act
    const again = await app.process(id, { status: 'completed', transaction_id: 'PP-42' });
    const other = await app.process(id, { status: 'completed', transaction_id: 'PP-43' });

    // Assess
    expect(again.status).toBe(200);
    expect(again.json.message).toBe('Payout already completed');
    expect(again.json.data.payout).toEqual(first.json.data.payout);
    expect(other.status).toBe(409);
    expect(other.json.code).toBe('INVALID_TRANSITION');
    expect(other.json.message).toContain('from completed to completed');
    expect(await app.counters(owner.affiliate_id)).toEqual(counters);
    expect((await app.stored(id))?.history).toHaveLength(2);
  });

  it('answers a re-sent processing or failure 200 without a second history entry', async () => {
    const { id } = await payoutIn('processing');
    const again = await app.process(id, { status: 'processing' });
    expect(again.status).toBe(200);
    expect(again.json.message).toBe('Payout already processing');
    expect((await app.stored(id))?.history).toHaveLength(2);
  });

  it.each([
    ['completed without transaction_id', 400, 'TRANSACTION_ID_REQUIRED', { status: 'completed' }],
    ['an unknown status', 400, 'VALIDATION_ERROR', { status: 'paid' }],
    ['pending as a target', 400, 'VALIDATION_ERROR', { status: 'pending' }],
    ['an unknown field', 400, 'VALIDATION_ERROR', { status: 'failed', amount: 1 }],
    ['notes over 1000 characters', 400, 'VALIDATION_ERROR', { status: 'failed', notes: 'x'.repeat(1001) }],
  ])('refuses %s with %i %s and leaves the payout pending', async (_, status, code, body) => {
    const { id } = await payoutIn('pending');
    const res = await app.process(id, body);
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ success: false, code });
    expect((await app.stored(id))?.status).toBe('pending');
  });

  it('answers 404 for an unknown or malformed payout id, 415 for a non-JSON body', async () => {
    expect((await app.process('no-such-payout', { status: 'failed' })).json.code).toBe('PAYOUT_NOT_FOUND');
    expect((await app.process('%20bad id', { status: 'failed' })).status).toBe(404);
    expect((await app.get('/admin/payouts/no-such-payout')).status).toBe(404);
    const { id } = await payoutIn('pending');
    const res = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${id}/process`,
      token: app.adminToken,
      headers: { 'content-type': 'text/plain' },
      rawBody: 'status=failed',
    });
    expect(res.status).toBe(415);
  });

  it('shows one payout with its full history', async () => {
    const { id, owner } = await payoutIn('returned');
    const res = await app.get(`/admin/payouts/${id}`);
    expect(res.status).toBe(200);
    const payout = adminPayoutView.parse(res.json.data.payout);
    expect(payout.affiliate_id).toBe(owner.affiliate_id);
    expect(payout.history.map((change) => [change.from, change.to])).toEqual([
      [null, 'pending'],
      ['pending', 'completed'],
      ['completed', 'returned'],
    ]);
  });

  it('lets a cognito admin group in, and keeps an affiliate out with 403', async () => {
    const { id } = await payoutIn('pending');
    const groupAdmin = await tokenFor('ops-2', { 'cognito:groups': ['admin'] });
    expect((await app.process(id, { status: 'processing' }, groupAdmin)).json.data.payout.processed_by).toBe('ops-2');
    const affiliateToken = await app.affiliateToken(affiliates[0]!.user_id);
    const res = await app.process(id, { status: 'failed' }, affiliateToken);
    expect(res.status).toBe(403);
    expect((await app.stored(id))?.status).toBe('processing');
  });

  describe('two admins at the same moment', () => {
    it.each([1, 2, 3, 4, 5])('complete vs fail (round %i): one wins, the counters move once', async () => {
      // Prepare
      const { id, owner } = await payoutIn('pending');
      const before = await app.counters(owner.affiliate_id);

      // Act
      const [complete, fail] = await Promise.all([
        app.process(id, { status: 'completed', transaction_id: 'TX-RACE' }),
        app.process(id, { status: 'failed' }, await tokenFor('admin-2', { role: 'admin' })),
      ]);

      // Assess
      expect([complete.status, fail.status].sort()).toEqual([200, 409]);
      const winner = complete.status === 200 ? 'completed' : 'failed';
      const stored = await app.stored(id);
      expect(stored?.status).toBe(winner);
      expect(stored?.history).toHaveLength(2);
      const after = await app.counters(owner.affiliate_id);
      expect(after.total_pending - before.total_pending).toBe(-AMOUNT);
      expect(after.total_paid - before.total_paid).toBe(winner === 'completed' ? AMOUNT : 0);
    });

    it('when both read pending before either writes, the loser re-decides: a 409 for a fail, a safe retry for the same completion', async () => {
      // Prepare: a store whose reads wait for each other, so both moves start from the same pending payout.
      const store = new DynamoPayoutStore(app.runtime.client, app.runtime.config.tables);
      let waiting: (() => void)[] = [];
      const barrier = new Proxy(store, {
        get(target, name, receiver) {
          if (name !== 'getPayout') return Reflect.get(target, name, receiver);
          return async (payoutId: string) => {
            const payout = await target.getPayout(payoutId);
            await new Promise<void>((resolve) => {
              waiting.push(resolve);
              if (waiting.length === 2) for (const release of waiting) release();
            });
            return payout;
          };
        },
      }) as PayoutStore;
      const services = createServices({
        store: barrier,
        rules: app.runtime.config,
        clock: systemClock,
        cursorSecret: app.runtime.cursorSecret,
      });
      const admin = {
        process: (adminId: string, payoutId: string, body: { status: ProcessStatus; transaction_id?: string }) =>
          processPayout(services, adminId, payoutId, body),
      };
      const first = await payoutIn('pending');
      const second = await payoutIn('pending');
      const before = await app.counters(second.owner.affiliate_id);

      // Act
      const race = await Promise.allSettled([
        admin.process('admin-1', first.id, { status: 'completed', transaction_id: 'TX-A' }),
        admin.process('admin-2', first.id, { status: 'failed' }),
      ]);
      waiting = [];
      const same = await Promise.all([
        admin.process('admin-1', second.id, { status: 'completed', transaction_id: 'TX-B' }),
        admin.process('admin-2', second.id, { status: 'completed', transaction_id: 'TX-B' }),
      ]);

      // Assess
      expect(race.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = race.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect(same.map((result) => result.kind).sort()).toEqual(['moved', 'unchanged']);
      const after = await app.counters(second.owner.affiliate_id);
      expect(after.total_paid - before.total_paid).toBe(AMOUNT);
      expect((await app.stored(second.id))?.history).toHaveLength(2);
    });
  });
});
