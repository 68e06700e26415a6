import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import { scheduledPayoutId } from '../../shared/usecases/request-payout.ts';
import { affiliate, testProviderConfig, testRuntime } from '../support/app.ts';
import { adminApp, steppingClock, type AdminApp } from '../support/admin.ts';
import { hookCommands } from '../support/hooks.ts';
import { invoke } from '../support/http.ts';

// 2026-12-07 is a Monday; 2027-01-01 a Friday (the 1st).
const MONDAY = '2026-12-07T09:00:00.000Z';

describe('Payout settings: validation, the cool-down and its guard', () => {
  const clock = steppingClock(Date.parse(MONDAY));
  let app: AdminApp;
  const ann = affiliate('ann', { tier: 'tier1', total_earned: 500_000 });
  const bob = affiliate('bob', { total_earned: 500_000 });
  const cat = affiliate('cat', { total_earned: 500_000 });
  const dee = affiliate('dee', { total_earned: 500_000, payment_method: undefined, payment_email: undefined });
  const put = async (userId: string, body: unknown) =>
    invoke(app.payouts, { method: 'PUT', path: '/payouts/settings', token: await app.affiliateToken(userId), body });
  const request = async (userId: string, body: Record<string, unknown>) =>
    invoke(app.payouts, {
      method: 'POST',
      path: '/payouts/request',
      token: await app.affiliateToken(userId),
      body,
    });
  const item = async (id: string) =>
    (
      await app.db.client.send(
        new GetCommand({ TableName: app.db.tables.affiliates, Key: { affiliate_id: id }, ConsistentRead: true }),
      )
    ).Item;

  beforeAll(async () => {
    app = await adminApp([ann, bob, cat, dee], { clock });
  });
  afterAll(() => app.db.drop());

  it('a request naming a destination other than the settings is accepted but marked for the admin (no way around the cool-down unseen)', async () => {
    const elsewhere = await request(cat.user_id, { amount: 2_000, payment_email: 'elsewhere@example.com' });
    expect(elsewhere.status).toBe(201);
    const id = elsewhere.json.data.payout.payout_id as string;
    expect((await app.get(`/admin/payouts/${id}`)).json.data.payout.flags).toEqual(['DESTINATION_NOT_ON_FILE']);
    const own = await invoke(app.payouts, { path: `/payouts/${id}`, token: await app.affiliateToken(cat.user_id) });
    expect(own.json.data.payout.status_reason).toMatch(/not the one in your payout settings/);
    // The same destination as on file, written differently, is no override: no mark.
    const same = await request(cat.user_id, {
      amount: 2_000,
      payment_method: 'paypal',
      payment_email: 'CAT@example.com',
    });
    expect(same.status).toBe(201);
    expect((await app.get(`/admin/payouts/${same.json.data.payout.payout_id}`)).json.data.payout.flags ?? []).toEqual(
      [],
    );
    // A mark, not a gate: the admin still completes it (the original API's override keeps working).
    expect((await app.process(id, { status: 'completed', transaction_id: 'T-elsewhere' })).status).toBe(200);
  });

  it('GET answers the settings as stored, with the tier minimum as auto_minimum and no cool-down', async () => {
    const res = await invoke(app.payouts, { path: '/payouts/settings', token: await app.affiliateToken(ann.user_id) });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({
      payment_method: 'paypal',
      payment_email: 'ann@example.com',
      stripe_account_id: null,
      schedule: 'manual',
      auto_minimum: 5_000,
      cooldown_until: null,
    });
  });

  it.each([
    [{ payment_email: 'x@example.com', status: 'active' }, 'VALIDATION_ERROR'],
    [{ payment_email: 'not-an-email' }, 'VALIDATION_ERROR'],
    [{ schedule: 'daily' }, 'VALIDATION_ERROR'],
    [{}, 'VALIDATION_ERROR'],
    [{ auto_minimum: 10.5 }, 'VALIDATION_ERROR'],
    [{ stripe_account_id: 'acct bad' }, 'VALIDATION_ERROR'],
    [{ payment_method: 'stripe' }, 'STRIPE_ACCOUNT_REQUIRED'],
    [{ auto_minimum: 4_999 }, 'BELOW_MINIMUM'],
  ])('PUT %j -> 400 %s, nothing written', async (body, code) => {
    const before = await item(ann.affiliate_id);
    const res = await put(ann.user_id, body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code });
    expect(await item(ann.affiliate_id)).toEqual(before);
  });

  it('a schedule change starts no cool-down; a new e-mail starts one, and a request during it is refused', async () => {
    const scheduleOnly = await put(ann.user_id, { schedule: 'weekly', auto_minimum: 6_000 });
    expect(scheduleOnly.status).toBe(200);
    expect(scheduleOnly.json.data).toMatchObject({ schedule: 'weekly', auto_minimum: 6_000, cooldown_until: null });

    const changed = await put(ann.user_id, { payment_email: 'Ann.New@example.com' });
    expect(changed.status).toBe(200);
    const until = new Date(Date.parse(MONDAY) + 48 * 3_600_000).toISOString();
    expect(changed.json.data).toMatchObject({ payment_email: 'Ann.New@example.com', cooldown_until: until });
    // What the notifier (issue 12) will need: where money went before, and when it changed.
    expect(await item(ann.affiliate_id)).toMatchObject({
      previous_destination: { payment_method: 'paypal', payment_email: 'ann@example.com' },
      destination_changed_at: MONDAY,
    });

    const refused = await request(ann.user_id, { amount: 10_000 });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('PAYOUT_METHOD_COOLDOWN');
    expect(refused.json.message).toContain(until);
    const summary = await invoke(app.payouts, {
      path: '/payouts/summary',
      token: await app.affiliateToken(ann.user_id),
    });
    expect(summary.json.data.blockers).toContainEqual(
      expect.objectContaining({ code: 'PAYOUT_METHOD_COOLDOWN', until }),
    );
    expect(await app.counters(ann.affiliate_id)).toMatchObject({ total_pending: 0, payout_count: 0 });
  });

  it('an admin ends the cool-down; the request then goes through', async () => {
    const notAdmin = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/affiliates/${ann.affiliate_id}/cooldown/clear`,
      token: await app.affiliateToken(ann.user_id),
    });
    expect(notAdmin.status).toBe(403);
    const missing = await invoke(app.admin, {
      method: 'POST',
      path: '/admin/affiliates/aff-nobody/cooldown/clear',
      token: app.adminToken,
    });
    expect(missing.status).toBe(404);
    const cleared = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/affiliates/${ann.affiliate_id}/cooldown/clear`,
      token: app.adminToken,
    });
    expect(cleared.status).toBe(200);
    expect(cleared.json.data).toMatchObject({ affiliate_id: ann.affiliate_id, cooldown_until: null });
    const ok = await request(ann.user_id, { amount: 10_000 });
    expect(ok.status).toBe(201);
    expect(ok.json.data.payout.payment_email).toBe('Ann.New@example.com');
  });

  it('the cool-down ends by itself after PAYOUT_METHOD_COOLDOWN_HOURS', async () => {
    await put(cat.user_id, { payment_method: 'zelle' });
    expect((await request(cat.user_id, { amount: 5_000 })).status).toBe(409);
    clock.tick(48 * 3_600_000 + 1);
    expect((await request(cat.user_id, { amount: 5_000 })).status).toBe(201);
    clock.set(MONDAY);
  });

  it('a request racing a settings change never escapes the cool-down: the guard is in the transaction', async () => {
    // The request read the affiliate before the change; the change commits right before the request's transaction.
    let changed = false;
    const unhook = hookCommands(app.runtime.client, async (call, send) => {
      if (
        call.command === 'TransactWriteItemsCommand' &&
        !changed &&
        JSON.stringify(call.input).includes('total_pending')
      ) {
        changed = true;
        const res = await put(bob.user_id, { payment_email: 'thief@example.com' });
        expect(res.status).toBe(200);
      }
      return send();
    });
    try {
      const res = await request(bob.user_id, { amount: 5_000 });
      expect(changed).toBe(true);
      expect(res.status).toBe(409);
      expect(res.json.code).toBe('PAYOUT_METHOD_COOLDOWN');
    } finally {
      unhook();
    }
    expect(await app.counters(bob.affiliate_id)).toMatchObject({ total_pending: 0, payout_count: 0 });
  });

  it('stripe needs a valid acct_ id; setting the first destination also starts the cool-down', async () => {
    const stripe = await put(dee.user_id, { payment_method: 'stripe', stripe_account_id: 'acct_1Dee' });
    expect(stripe.status).toBe(200);
    expect(stripe.json.data).toMatchObject({ payment_method: 'stripe', stripe_account_id: 'acct_1Dee' });
    expect(stripe.json.data.cooldown_until).not.toBeNull();
  });
});

describe('Duplicate destinations: both flagged, requests accepted, sending needs a confirmation', () => {
  const clock = steppingClock(Date.parse(MONDAY));
  let app: AdminApp;
  const eve = affiliate('eve', { total_earned: 500_000 });
  const fay = affiliate('fay', { total_earned: 500_000 });
  const twinA = affiliate('twa', { total_earned: 500_000, payment_email: 'twins@example.com' });
  const twinB = affiliate('twb', { total_earned: 500_000, payment_email: 'TWINS@example.com' });
  const clearCooldown = (id: string) =>
    invoke(app.admin, { method: 'POST', path: `/admin/affiliates/${id}/cooldown/clear`, token: app.adminToken });

  beforeAll(async () => {
    app = await adminApp([eve, fay, twinA, twinB], { clock, env: { PAYOUT_METHOD_COOLDOWN_HOURS: '1' } });
  });
  afterAll(() => app.db.drop());

  it('seeded affiliates sharing a destination are flagged, with no scan', async () => {
    const summary = await invoke(app.payouts, {
      path: '/payouts/summary',
      token: await app.affiliateToken(twinB.user_id),
    });
    expect(summary.json.data.blockers.map((b: { code: string }) => b.code)).toContain('UNDER_REVIEW');
  });

  it('a second affiliate setting the same e-mail flags both; the payouts carry the flag; moves need a confirmation', async () => {
    const before = await app.request(eve.user_id, 5_000);
    const res = await invoke(app.payouts, {
      method: 'PUT',
      path: '/payouts/settings',
      token: await app.affiliateToken(fay.user_id),
      body: { payment_email: ' EVE@example.com' },
    });
    // A leading space is no e-mail: refused.
    expect(res.status).toBe(400);
    const same = await invoke(app.payouts, {
      method: 'PUT',
      path: '/payouts/settings',
      token: await app.affiliateToken(fay.user_id),
      body: { payment_email: 'EVE@example.com' },
    });
    expect(same.status).toBe(200);
    for (const who of [eve, fay]) {
      const summary = await invoke(app.payouts, {
        path: '/payouts/summary',
        token: await app.affiliateToken(who.user_id),
      });
      expect(summary.json.data.blockers.map((b: { code: string }) => b.code)).toContain('UNDER_REVIEW');
    }
    await clearCooldown(fay.affiliate_id);
    const flagged = await app.request(fay.user_id, 5_000);
    const listed = await app.get('/admin/payouts', { status: 'pending' });
    const row = listed.json.data.payouts.find((p: { payout_id: string }) => p.payout_id === flagged);
    expect(row.flags).toEqual(['DUPLICATE_PAYOUT_DESTINATION']);
    const detail = await app.get(`/admin/payouts/${flagged}`);
    expect(detail.json.data.payout.flags).toEqual(['DUPLICATE_PAYOUT_DESTINATION']);
    const own = await invoke(app.payouts, {
      path: `/payouts/${flagged}`,
      token: await app.affiliateToken(fay.user_id),
    });
    expect(own.json.data.payout.status_reason).toMatch(/^Under review/);

    // Completing (by hand) or sending (through the provider) without the confirmation: 409, nothing moves.
    const refused = await app.process(flagged, { status: 'completed', transaction_id: 'T-1' });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('DUPLICATE_PAYOUT_DESTINATION');
    const send = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${flagged}/send`,
      token: app.adminToken,
    });
    expect(send.status).toBe(409);
    expect(send.json.code).toBe('DUPLICATE_PAYOUT_DESTINATION');
    // The payout requested before the flag: the guard is the affiliate's flag, checked in the move's transaction.
    const early = await app.process(before, { status: 'processing' });
    expect(early.status).toBe(409);
    expect((await app.stored(before))?.status).toBe('pending');

    const confirmed = await invoke(app.admin, {
      method: 'POST',
      path: `/admin/payouts/${flagged}/send`,
      token: app.adminToken,
      body: { confirm_duplicate_destination: true },
    });
    expect(confirmed.status).toBe(202);
    const completed = await app.process(before, {
      status: 'completed',
      transaction_id: 'T-2',
      confirm_duplicate_destination: true,
    });
    expect(completed.status).toBe(200);
  });

  it('an admin clears the flag after review: the blocker goes, the confirmation ends, later requests are unmarked', async () => {
    const marked = await app.request(twinA.user_id, 5_000);
    const clear = (id: string, token = app.adminToken) =>
      invoke(app.admin, { method: 'POST', path: `/admin/affiliates/${id}/duplicate-destination/clear`, token });
    expect((await clear(twinA.affiliate_id, await app.affiliateToken(twinA.user_id))).status).toBe(403);
    expect((await clear('aff-nobody')).json).toMatchObject({ code: 'AFFILIATE_NOT_FOUND' });

    const cleared = await clear(twinA.affiliate_id);
    expect(cleared.status).toBe(200);
    expect(cleared.json.data).toEqual({ affiliate_id: twinA.affiliate_id, flags: [] });
    // Cleared twice: the same answer, nothing else changes.
    expect((await clear(twinA.affiliate_id)).json.data).toEqual({ affiliate_id: twinA.affiliate_id, flags: [] });
    const affiliateRecord = await app.db.client.send(
      new GetCommand({ TableName: app.db.tables.affiliates, Key: { affiliate_id: twinA.affiliate_id } }),
    );
    expect(affiliateRecord.Item).toMatchObject({ duplicate_reviewed_by: expect.any(String) });
    const summary = await invoke(app.payouts, {
      path: '/payouts/summary',
      token: await app.affiliateToken(twinA.user_id),
    });
    expect(summary.json.data.blockers.map((b: { code: string }) => b.code)).not.toContain('UNDER_REVIEW');

    const later = await app.request(twinA.user_id, 6_000);
    expect((await app.get(`/admin/payouts/${later}`)).json.data.payout.flags ?? []).toEqual([]);
    expect((await app.process(later, { status: 'processing' })).status).toBe(200);
    // The payout requested while flagged keeps its mark (a record), but the review ends its confirmation too: the
    // guard is the affiliate's flag, in the move's transaction. The twin stays flagged until reviewed itself.
    expect((await app.get(`/admin/payouts/${marked}`)).json.data.payout.flags).toEqual([
      'DUPLICATE_PAYOUT_DESTINATION',
    ]);
    expect((await app.process(marked, { status: 'processing' })).status).toBe(200);
    const twin = await invoke(app.payouts, {
      path: '/payouts/summary',
      token: await app.affiliateToken(twinB.user_id),
    });
    expect(twin.json.data.blockers.map((b: { code: string }) => b.code)).toContain('UNDER_REVIEW');
  });
});

describe('Future-dated payouts', () => {
  const clock = steppingClock(Date.parse(MONDAY));
  let app: AdminApp;
  const gus = affiliate('gus', { total_earned: 500_000 });
  const request = async (body: Record<string, unknown>) =>
    invoke(app.payouts, {
      method: 'POST',
      path: '/payouts/request',
      token: await app.affiliateToken(gus.user_id),
      body,
    });

  beforeAll(async () => {
    app = await adminApp([gus], { clock });
  });
  afterAll(() => app.db.drop());

  it.each(['2026-12-06', '2027-03-08', '2026-02-30', '12/24/2026', 20261224])(
    'scheduled_for %j -> 400, nothing written',
    async (date) => {
      const res = await request({ amount: 5_000, scheduled_for: date });
      expect(res.status).toBe(400);
      expect(await app.counters(gus.affiliate_id)).toMatchObject({ payout_count: 0 });
    },
  );

  it('reserves at once, cannot be sent or completed before its date, is listed as not due, and can be cancelled', async () => {
    const today = await request({ amount: 5_000, scheduled_for: '2026-12-07' });
    expect(today.status).toBe(201);
    const last = await request({ amount: 5_000, scheduled_for: '2027-03-07' });
    expect(last.status).toBe(201);
    const future = await request({ amount: 7_000, scheduled_for: '2026-12-24' });
    expect(future.status).toBe(201);
    const id = future.json.data.payout.payout_id;
    expect(future.json.data.payout).toMatchObject({ status: 'pending', scheduled_for: '2026-12-24' });
    expect(future.json.data.payout.status_reason).toMatch(/^Scheduled for 2026-12-24/);
    expect((await app.balance(gus.user_id)).pending).toBe(17_000);

    for (const body of [{ status: 'completed', transaction_id: 'T-EARLY' }, { status: 'processing' }]) {
      const early = await app.process(id, body);
      expect(early.status).toBe(409);
      expect(early.json.code).toBe('NOT_DUE');
    }
    const send = await invoke(app.admin, { method: 'POST', path: `/admin/payouts/${id}/send`, token: app.adminToken });
    expect(send.json.code).toBe('NOT_DUE');

    const due = await app.get('/admin/payouts', { due: 'true' });
    expect(due.json.data.payouts.map((p: { payout_id: string }) => p.payout_id)).toEqual([
      today.json.data.payout.payout_id,
    ]);
    const notDue = await app.get('/admin/payouts', { due: 'false', affiliate_id: gus.affiliate_id });
    expect(notDue.json.data.payouts.map((p: { payout_id: string }) => p.payout_id).sort()).toEqual(
      [id, last.json.data.payout.payout_id].sort(),
    );
    expect((await app.get('/admin/payouts', { due: 'true', status: 'completed' })).status).toBe(400);
    expect((await app.get('/admin/payouts', { due: 'yes' })).status).toBe(400);

    const list = await invoke(app.payouts, { path: '/payouts', token: await app.affiliateToken(gus.user_id) });
    const listed = list.json.data.payouts.find((p: { payout_id: string }) => p.payout_id === id);
    expect(listed).toMatchObject({
      scheduled_for: '2026-12-24',
      status_reason: expect.stringMatching(/^Scheduled for/),
    });

    // On its day it moves like any payout.
    clock.set('2026-12-24T08:00:00.000Z');
    expect((await app.get('/admin/payouts', { due: 'true' })).json.data.payouts).toHaveLength(2);
    const done = await app.process(id, { status: 'completed', transaction_id: 'T-ON-TIME' });
    expect(done.status).toBe(200);
    const cancel = await invoke(app.payouts, {
      method: 'POST',
      path: `/payouts/${last.json.data.payout.payout_id}/cancel`,
      token: await app.affiliateToken(gus.user_id),
    });
    expect(cancel.status).toBe(200);
    clock.set(MONDAY);
  });
});

describe('The scheduler: due rules, one payout per affiliate and period', () => {
  const clock = steppingClock(Date.parse(MONDAY));
  let app: AdminApp;
  const weekly = affiliate('wk', { total_earned: 80_000, schedule: 'weekly' });
  const monthly = affiliate('mo', { total_earned: 80_000, schedule: 'monthly', auto_minimum: 20_000 });
  const poor = affiliate('po', { total_earned: 500, schedule: 'weekly' });
  const manual = affiliate('ma', { total_earned: 80_000 });
  const cooling = affiliate('co', { total_earned: 80_000, schedule: 'weekly' });
  const run = (at?: string, handler = app.admin) =>
    invoke(handler, { method: 'POST', path: '/admin/schedules/run', token: app.adminToken, body: at ? { at } : {} });
  const payoutsOf = async (affiliateId: string) =>
    (
      await app.db.client.send(
        new QueryCommand({
          TableName: app.db.tables.payouts,
          IndexName: 'affiliate-payouts-index',
          KeyConditionExpression: 'affiliate_id = :id',
          ExpressionAttributeValues: { ':id': affiliateId },
        }),
      )
    ).Items ?? [];

  beforeAll(async () => {
    app = await adminApp([weekly, monthly, poor, manual, cooling], { clock });
  });
  afterAll(() => app.db.drop());

  it('refuses a bad body', async () => {
    expect((await run('yesterday')).status).toBe(400);
    expect(
      (await invoke(app.admin, { method: 'POST', path: '/admin/schedules/run', token: app.adminToken, body: { x: 1 } }))
        .status,
    ).toBe(400);
  });

  it('on a Tuesday nothing is due; the manual affiliate is not even considered (sparse index)', async () => {
    const res = await run('2026-12-08T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({
      at: '2026-12-08T00:00:00.000Z',
      considered: 4,
      requested: 0,
      skipped: { NOT_DUE: 4 },
    });
  });

  it('on a Monday: the whole available amount, through the request guard; a cool-down waits; re-runs add nothing', async () => {
    const change = await invoke(app.payouts, {
      method: 'PUT',
      path: '/payouts/settings',
      token: await app.affiliateToken(cooling.user_id),
      body: { payment_email: 'co-new@example.com' },
    });
    expect(change.status).toBe(200);
    const first = await run('2026-12-07T00:00:00Z');
    expect(first.json.data).toMatchObject({
      considered: 4,
      requested: 1,
      skipped: { NOT_DUE: 1, BELOW_AUTO_MINIMUM: 1, PAYOUT_METHOD_COOLDOWN: 1 },
    });
    const [payout] = await payoutsOf(weekly.affiliate_id);
    expect(payout).toMatchObject({ amount: 80_000, status: 'pending' });
    expect(payout?.payout_id).toBe(scheduledPayoutId(weekly.affiliate_id, '2026-W50'));
    const stored = await app.stored(String(payout?.payout_id));
    expect(stored).toMatchObject({ schedule_period: '2026-W50', history: [{ by: 'scheduler', to: 'pending' }] });
    const key = await app.db.client.send(
      new GetCommand({
        TableName: app.db.tables.idempotency,
        Key: { idempotency_key: `scheduler:#schedule:${weekly.affiliate_id}:2026-W50` },
      }),
    );
    expect(key.Item?.payout_id).toBe(payout?.payout_id);

    // More earned since: a re-run, two runs at once on two function instances, and a run after the key expired
    // would all pay it, and all find the period taken.
    await app.db.client.send(
      new UpdateCommand({
        TableName: app.db.tables.affiliates,
        Key: { affiliate_id: weekly.affiliate_id },
        UpdateExpression: 'ADD total_earned :more',
        ExpressionAttributeValues: { ':more': 50_000 },
      }),
    );
    const again = await run('2026-12-07T00:00:00Z');
    expect(again.json.data).toMatchObject({ requested: 0, skipped: { ALREADY_REQUESTED: 1 } });
    const other = createAdminPayoutsHandler(testRuntime(app.db, {}, clock), testProviderConfig(app.db));
    const both = await Promise.all([run('2026-12-07T00:00:00Z'), run('2026-12-07T00:00:00Z', other)]);
    expect(both.map((res) => res.json.data.requested)).toEqual([0, 0]);
    expect(both.map((res) => res.json.data.skipped.ALREADY_REQUESTED)).toEqual([1, 1]);
    await app.db.client.send(
      new DeleteCommand({
        TableName: app.db.tables.idempotency,
        Key: { idempotency_key: `scheduler:#schedule:${weekly.affiliate_id}:2026-W50` },
      }),
    );
    const expired = await run('2026-12-07T12:00:00Z');
    expect(expired.json.data.requested).toBe(0);
    expect(await payoutsOf(weekly.affiliate_id)).toHaveLength(1);

    // The cool-down (48 h) ends on Wednesday: the held payout is requested by Wednesday's run, once.
    clock.set('2026-12-09T10:00:00.000Z');
    const wednesday = await run('2026-12-10T00:00:00Z');
    expect(wednesday.json.data.requested).toBe(1);
    expect(await payoutsOf(cooling.affiliate_id)).toHaveLength(1);
    expect((await run('2026-12-11T00:00:00Z')).json.data.requested).toBe(0);
  });

  it('two concurrent runs on a new period: exactly one payout per affiliate', async () => {
    const other = createAdminPayoutsHandler(testRuntime(app.db, {}, clock), testProviderConfig(app.db));
    const runs = await Promise.all([run('2026-12-14T00:00:00Z'), run('2026-12-14T00:00:00Z', other)]);
    expect(runs.reduce((sum, res) => sum + res.json.data.requested, 0)).toBe(1);
    const periods = (await payoutsOf(weekly.affiliate_id)).length;
    expect(periods).toBe(2);
  });

  it('monthly on the 1st, at or above auto_minimum', async () => {
    const res = await run('2027-01-01T00:00:00Z');
    expect(res.json.data.requested).toBe(1);
    const [payout] = await payoutsOf(monthly.affiliate_id);
    expect(payout?.payout_id).toBe(scheduledPayoutId(monthly.affiliate_id, '2027-01'));
  });
});

describe('Blockers and next_payout', () => {
  const clock = steppingClock(Date.parse('2026-12-03T09:00:00.000Z'));
  let app: AdminApp;
  const low = affiliate('lo', { tier: 'tier2', total_earned: 4_000, schedule: 'weekly' });
  const none = affiliate('nm', { total_earned: 50_000, payment_method: undefined, payment_email: undefined });
  const off = affiliate('of', { total_earned: 50_000, status: 'suspended' });
  const neg = affiliate('ng', { total_earned: 50_000 });
  const summary = async (userId: string) =>
    (await invoke(app.payouts, { path: '/payouts/summary', token: await app.affiliateToken(userId) })).json.data;

  beforeAll(async () => {
    app = await adminApp([low, none, off, neg], { clock });
  });
  afterAll(() => app.db.drop());

  it('names each blocker with what to do', async () => {
    const lowSummary = await summary(low.user_id);
    expect(lowSummary.blockers).toEqual([
      expect.objectContaining({ code: 'BELOW_MINIMUM', minimum: 10_000, amount_to_earn: 6_000 }),
    ]);
    expect(lowSummary.next_payout).toEqual({ scheduled_for: '2026-12-07', estimated_amount: 4_000 });
    expect((await summary(none.user_id)).blockers.map((b: { code: string }) => b.code)).toEqual(['NO_PAYOUT_METHOD']);
    expect((await summary(none.user_id)).next_payout).toBeNull();
    expect((await summary(off.user_id)).blockers.map((b: { code: string }) => b.code)).toContain('AFFILIATE_INACTIVE');
  });

  it('NEGATIVE_BALANCE: commissions refunded after they were paid out, with the amount to recover', async () => {
    const id = await app.request(neg.user_id, 40_000);
    expect((await app.process(id, { status: 'completed', transaction_id: 'T-NEG' })).status).toBe(200);
    await app.db.client.send(
      new UpdateCommand({
        TableName: app.db.tables.affiliates,
        Key: { affiliate_id: neg.affiliate_id },
        UpdateExpression: 'SET total_earned = :earned',
        ExpressionAttributeValues: { ':earned': 30_000 },
      }),
    );
    const blockers = (await summary(neg.user_id)).blockers;
    expect(blockers).toEqual([expect.objectContaining({ code: 'NEGATIVE_BALANCE', amount_to_recover: 10_000 })]);
  });
});
