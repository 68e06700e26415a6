import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPayoutView, reconciliationView } from '../../shared/schemas/admin.ts';
import { affiliate, tokenFor } from '../support/app.ts';
import { call, startServer, type RunningServer } from '../support/server.ts';

/** Every admin route, with a body where it takes one. */
const ADMIN_ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/admin/payouts' },
  { method: 'GET', path: '/admin/payouts/export' },
  { method: 'GET', path: '/admin/payouts/some-payout' },
  { method: 'POST', path: '/admin/payouts/some-payout/process', body: { status: 'failed' } },
  { method: 'POST', path: '/admin/payouts/process', body: { items: [{ payout_id: 'some-payout', status: 'failed' }] } },
  { method: 'GET', path: '/admin/affiliates/aff-e1/balance' },
];

describe('Admin API through the server `npm start` runs', () => {
  let server: RunningServer;
  let adminToken: string;
  let affiliateToken: string;
  const owner = affiliate('e1', { total_earned: 250_000 });

  beforeAll(async () => {
    server = await startServer({ affiliates: [owner, affiliate('e2')] });
    adminToken = await tokenFor('ops-1', { role: 'admin' });
    affiliateToken = await tokenFor(owner.user_id);
  });
  afterAll(() => server?.stop());

  const asAffiliate = (path: string, init: { method?: string; body?: unknown } = {}) =>
    call(server.baseUrl, path, { ...init, token: affiliateToken });
  const asAdmin = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
    call(server.baseUrl, path, { token: adminToken, ...init });

  it.each(ADMIN_ROUTES)(
    '$method $path: 401 without a token, 403 with an affiliate token',
    async ({ method, path, body }) => {
      const anonymous = await call(server.baseUrl, path, { method, ...(body ? { body } : {}) });
      expect(anonymous.status).toBe(401);
      expect(anonymous.json).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      const forbidden = await call(server.baseUrl, path, { method, token: affiliateToken, ...(body ? { body } : {}) });
      expect(forbidden.status).toBe(403);
      expect(forbidden.json).toMatchObject({ success: false, code: 'ADMIN_ONLY' });
    },
  );

  it('runs a payout through its whole life: request, processing, completed, returned', async () => {
    // Request, as the affiliate.
    const requested = await asAffiliate('/payouts/request', { method: 'POST', body: { amount: 40_000 } });
    expect(requested.status).toBe(201);
    const id = requested.json.data.payout.payout_id as string;

    // The admin finds it in the pending queue.
    const queue = await asAdmin('/admin/payouts?status=pending');
    expect(queue.json.data.payouts.map((payout: { payout_id: string }) => payout.payout_id)).toContain(id);

    // processing -> completed, with a safe retry in between.
    expect(
      (await asAdmin(`/admin/payouts/${id}/process`, { method: 'POST', body: { status: 'processing' } })).status,
    ).toBe(200);
    const completed = await asAdmin(`/admin/payouts/${id}/process`, {
      method: 'POST',
      body: { status: 'completed', transaction_id: 'PAYPAL-77', notes: 'batch 12' },
    });
    expect(completed.status).toBe(200);
    expect(completed.json.data.payout).toMatchObject({
      status: 'completed',
      transaction_id: 'PAYPAL-77',
      processed_by: 'ops-1',
    });
    const retry = await asAdmin(`/admin/payouts/${id}/process`, {
      method: 'POST',
      body: { status: 'completed', transaction_id: 'PAYPAL-77' },
    });
    expect(retry.status).toBe(200);
    expect(retry.json.data.payout).toEqual(completed.json.data.payout);
    expect((await asAffiliate('/payouts/balance')).json.data.balance).toEqual({
      total_earned: 250_000,
      total_paid: 40_000,
      pending: 0,
      available: 210_000,
    });

    // An illegal move is a 409 naming both ends.
    const illegal = await asAdmin(`/admin/payouts/${id}/process`, { method: 'POST', body: { status: 'failed' } });
    expect(illegal.status).toBe(409);
    expect(illegal.json.message).toBe('Cannot move a payout from completed to failed.');

    // The provider sends it back: the money is available again.
    const returned = await asAdmin(`/admin/payouts/${id}/process`, {
      method: 'POST',
      body: { status: 'returned', notes: 'account closed' },
    });
    expect(returned.status).toBe(200);
    expect((await asAffiliate('/payouts/balance')).json.data.balance).toMatchObject({
      total_paid: 0,
      pending: 0,
      available: 250_000,
    });

    const detail = adminPayoutView.parse((await asAdmin(`/admin/payouts/${id}`)).json.data.payout);
    expect(detail.history.map((change) => `${change.from}->${change.to}:${change.by}`)).toEqual([
      'null->pending:user-e1',
      'pending->processing:ops-1',
      'processing->completed:ops-1',
      'completed->returned:ops-1',
    ]);
  });

  it('exports CSV that a spreadsheet reads safely: comma, quote, newline and a leading =', async () => {
    // Prepare
    const note = '=SUM(A1:A9), "urgent"\nsee ticket';
    const id = (await asAffiliate('/payouts/request', { method: 'POST', body: { amount: 12_345 } })).json.data.payout
      .payout_id as string;
    await asAdmin(`/admin/payouts/process`, {
      method: 'POST',
      body: { items: [{ payout_id: id, status: 'failed', notes: note }] },
    });

    // Act
    const res = await asAdmin('/admin/payouts/export?status=failed');

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="payouts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, ...rest] = res.text.split('\r\n');
    expect(header).toBe(
      'payout_id,affiliate_id,status,amount_cents,amount_dollars,currency,payment_method,payment_email,transaction_id,requested_at,processed_at,processed_by,notes',
    );
    const line = rest.find((row) => row.startsWith(id));
    expect(line).toMatch(
      new RegExp(`^${id},aff-e1,failed,12345,123\\.45,USD,paypal,e1@example\\.com,,[^,]+,[^,]+,ops-1,`),
    );
    expect(res.text).toContain(`,ops-1,"'=SUM(A1:A9), ""urgent""\nsee ticket"\r\n`);
  });

  it('reconciles the affiliate with zero drift after the mixed run', async () => {
    // One more pending and one cancelled by the affiliate, so every kind of change has happened.
    await asAffiliate('/payouts/request', { method: 'POST', body: { amount: 5_000 } });
    const cancelled = (await asAffiliate('/payouts/request', { method: 'POST', body: { amount: 6_000 } })).json.data
      .payout.payout_id;
    expect((await asAffiliate(`/payouts/${cancelled}/cancel`, { method: 'POST' })).status).toBe(200);

    const res = await asAdmin(`/admin/affiliates/${owner.affiliate_id}/balance`);
    expect(res.status).toBe(200);
    const data = reconciliationView.parse(res.json.data);
    expect(data).toEqual({
      affiliate_id: 'aff-e1',
      counters: { total_earned: 250_000, total_paid: 0, pending: 5_000, available: 245_000, payout_count: 4 },
      recomputed: { total_paid: 0, pending: 5_000, available: 245_000, payout_count: 4 },
      drift: { total_paid: 0, pending: 0, payout_count: 0 },
      in_sync: true,
    });
  });
});
