import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryView } from '../../shared/schemas/payouts.ts';
import { scheduleRunView, settingsView } from '../../shared/schemas/settings.ts';
import { affiliate, tokenFor } from '../support/app.ts';
import { call, startServer, type RunningServer } from '../support/server.ts';

const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
/** The next Monday strictly after today, at 00:00 UTC (the scheduler's run time). */
function nextMonday(after = 0): string {
  const today = Date.parse(`${dateIn(0)}T00:00:00Z`);
  const weekday = new Date(today).getUTCDay();
  return new Date(today + (((8 - weekday) % 7 || 7) + 7 * after) * DAY).toISOString();
}

describe('Issue 13 over HTTP (`npm start`): settings, the cool-down, duplicates, future-dated and automatic payouts', () => {
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  let admin: string;

  beforeAll(async () => {
    server = await startServer({
      affiliates: [
        affiliate('mover', { total_earned: 100_000 }),
        // Seeded on one destination: both flagged at seed time (SEED_FILE destinations are claimed too).
        affiliate('twin1', { total_earned: 100_000, payment_email: 'shared@example.com' }),
        affiliate('twin2', { total_earned: 100_000, payment_email: 'Shared@Example.com' }),
        affiliate('later', { total_earned: 100_000 }),
        affiliate('auto', { total_earned: 100_000, schedule: 'weekly' }),
      ],
      env: { PAYOUT_METHOD_COOLDOWN_HOURS: '2' },
    });
    for (const id of ['mover', 'twin1', 'twin2', 'later', 'auto']) tokens[id] = await tokenFor(`user-${id}`);
    admin = await tokenFor('admin-e2e', { role: 'admin' });
  });
  afterAll(() => server.stop());

  it('a changed e-mail holds payout requests for PAYOUT_METHOD_COOLDOWN_HOURS; an admin can end it', async () => {
    const before = await call(server.baseUrl, '/payouts/settings', { token: tokens.mover });
    expect(settingsView.parse(before.json.data)).toMatchObject({ schedule: 'manual', cooldown_until: null });
    const bad = await call(server.baseUrl, '/payouts/settings', {
      method: 'PUT',
      token: tokens.mover,
      body: { payment_email: 'new@example.com', tier: 'tier4' },
    });
    expect(bad.status).toBe(400);
    const changed = await call(server.baseUrl, '/payouts/settings', {
      method: 'PUT',
      token: tokens.mover,
      body: { payment_email: 'new@example.com' },
    });
    expect(changed.status).toBe(200);
    const until = Date.parse(settingsView.parse(changed.json.data).cooldown_until ?? '');
    expect(Math.abs(until - (Date.now() + 2 * 3_600_000))).toBeLessThan(60_000);
    const refused = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: tokens.mover,
      body: { amount: 5_000 },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('PAYOUT_METHOD_COOLDOWN');
    const summary = summaryView.parse(
      (await call(server.baseUrl, '/payouts/summary', { token: tokens.mover })).json.data,
    );
    expect(summary.blockers.map((blocker) => blocker.code)).toEqual(['PAYOUT_METHOD_COOLDOWN']);
    const cleared = await call(server.baseUrl, '/admin/affiliates/aff-mover/cooldown/clear', {
      method: 'POST',
      token: admin,
    });
    expect(cleared.status).toBe(200);
    const ok = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: tokens.mover,
      body: { amount: 5_000 },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.data.payout.status_reason).toMatch(/^Waiting for review/);
  });

  it('a destination on two affiliates: both under review, requests accepted, sending needs a confirmation', async () => {
    for (const id of ['twin1', 'twin2']) {
      const summary = (await call(server.baseUrl, '/payouts/summary', { token: tokens[id] })).json.data;
      expect(summary.blockers.map((blocker: { code: string }) => blocker.code)).toContain('UNDER_REVIEW');
    }
    const created = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: tokens.twin2,
      body: { amount: 5_000 },
    });
    expect(created.status).toBe(201);
    const id = created.json.data.payout.payout_id;
    const queue = await call(server.baseUrl, '/admin/payouts?affiliate_id=aff-twin2', { token: admin });
    expect(queue.json.data.payouts[0]).toMatchObject({ payout_id: id, flags: ['DUPLICATE_PAYOUT_DESTINATION'] });
    const refused = await call(server.baseUrl, `/admin/payouts/${id}/process`, {
      method: 'POST',
      token: admin,
      body: { status: 'completed', transaction_id: 'ZELLE-1' },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('DUPLICATE_PAYOUT_DESTINATION');
    const confirmed = await call(server.baseUrl, `/admin/payouts/${id}/process`, {
      method: 'POST',
      token: admin,
      body: { status: 'completed', transaction_id: 'ZELLE-1', confirm_duplicate_destination: true },
    });
    expect(confirmed.status).toBe(200);

    // Set later: a third affiliate taking the same address is flagged with them.
    const later = await call(server.baseUrl, '/payouts/settings', {
      method: 'PUT',
      token: tokens.later,
      body: { payment_email: 'SHARED@example.com' },
    });
    expect(later.status).toBe(200);
    const summary = (await call(server.baseUrl, '/payouts/summary', { token: tokens.later })).json.data;
    expect(summary.blockers.map((blocker: { code: string }) => blocker.code)).toEqual(
      expect.arrayContaining(['UNDER_REVIEW', 'PAYOUT_METHOD_COOLDOWN']),
    );
  });

  it('a future-dated payout: reserved now, NOT_DUE before its date, listed as not due, cancellable', async () => {
    const tooFar = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: tokens.mover,
      body: { amount: 5_000, scheduled_for: dateIn(91) },
    });
    expect(tooFar.status).toBe(400);
    const created = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: tokens.mover,
      body: { amount: 5_000, scheduled_for: dateIn(3) },
    });
    expect(created.status).toBe(201);
    const id = created.json.data.payout.payout_id;
    expect(created.json.data.payout).toMatchObject({ scheduled_for: dateIn(3), status: 'pending' });
    const due = await call(server.baseUrl, '/admin/payouts?due=true&affiliate_id=aff-mover', { token: admin });
    expect(due.json.data.payouts.map((p: { payout_id: string }) => p.payout_id)).not.toContain(id);
    const notDue = await call(server.baseUrl, '/admin/payouts?due=false', { token: admin });
    expect(notDue.json.data.payouts.map((p: { payout_id: string }) => p.payout_id)).toEqual([id]);
    const early = await call(server.baseUrl, `/admin/payouts/${id}/process`, {
      method: 'POST',
      token: admin,
      body: { status: 'processing' },
    });
    expect(early.json.code).toBe('NOT_DUE');
    const cancel = await call(server.baseUrl, `/payouts/${id}/cancel`, { method: 'POST', token: tokens.mover });
    expect(cancel.status).toBe(200);
  });

  it('POST /admin/schedules/run: the weekly affiliate is paid once per week, whatever re-runs', async () => {
    const at = nextMonday();
    const before = summaryView.parse(
      (await call(server.baseUrl, '/payouts/summary', { token: tokens.auto })).json.data,
    );
    expect(before.next_payout).toEqual({ scheduled_for: at.slice(0, 10), estimated_amount: 100_000 });
    const first = await call(server.baseUrl, '/admin/schedules/run', { method: 'POST', token: admin, body: { at } });
    expect(first.status).toBe(200);
    expect(scheduleRunView.parse(first.json.data)).toMatchObject({ considered: 1, requested: 1 });
    const runs = await Promise.all([
      call(server.baseUrl, '/admin/schedules/run', { method: 'POST', token: admin, body: { at } }),
      call(server.baseUrl, '/admin/schedules/run', { method: 'POST', token: admin, body: { at } }),
    ]);
    expect(runs.map((run) => run.json.data.requested)).toEqual([0, 0]);
    const history = await call(server.baseUrl, '/payouts', { token: tokens.auto });
    expect(history.json.data.payouts).toHaveLength(1);
    expect(history.json.data.payouts[0]).toMatchObject({ amount: 100_000, status: 'pending' });
    const notMonday = new Date(Date.parse(at) + DAY).toISOString();
    expect(
      (await call(server.baseUrl, '/admin/schedules/run', { method: 'POST', token: admin, body: { at: notMonday } }))
        .json.data.skipped,
    ).toEqual({ NOT_DUE: 1 });
  });
});
