import type { SeedAffiliate } from '../../bin/local/seed.ts';
import { affiliate, tokenFor } from '../support/app.ts';
import { call, startServer, type RunningServer } from '../support/server.ts';

/** The affiliates the page tests and the screenshots use: one per scenario, so tests never share a balance. */
export const PAGE_AFFILIATES: SeedAffiliate[] = [
  affiliate('flow', { tier: 'tier1', total_earned: 150_000 }),
  affiliate('double', { tier: 'tier1', total_earned: 80_000 }),
  affiliate('stale', { tier: 'tier1', total_earned: 60_000 }),
  affiliate('admin', { tier: 'tier1', total_earned: 90_000 }),
  affiliate('csv', { tier: 'tier1', total_earned: 500_000 }),
  affiliate('phone', { tier: 'tier1', total_earned: 40_000 }),
  affiliate('tax', { tier: 'tier1', total_earned: 600_000, payment_method: 'zelle', payment_email: 'tax@example.com' }),
  // Issue 12: the "we e-mailed you" notes and the console's webhooks.
  affiliate('notify', { tier: 'tier1', total_earned: 70_000, payment_email: 'notify@example.com' }),
  // The provider rails (the simulator picks outcomes by recipient): paid, failed by PayPal, refused for our balance.
  affiliate('rail', { tier: 'tier1', total_earned: 90_000, payment_email: 'rail-ok@example.com' }),
  affiliate('rail-fail', { tier: 'tier1', total_earned: 90_000, payment_email: 'rail-fail@example.com' }),
  affiliate('rail-low', { tier: 'tier1', total_earned: 90_000, payment_email: 'rail-lowbalance@example.com' }),
  affiliate('show', {
    tier: 'tier2',
    total_earned: 1_284_050,
    payment_method: 'paypal',
    payment_email: 'maya@example.com',
  }),
  // Issue 13: a destination change (the cool-down), an automatic schedule, and one destination on two affiliates.
  affiliate('moved', { tier: 'tier1', total_earned: 70_000 }),
  affiliate('auto', { tier: 'tier1', total_earned: 90_000, schedule: 'weekly' }),
  affiliate('twin1', { tier: 'tier1', total_earned: 50_000, payment_email: 'shared@example.com' }),
  affiliate('twin2', { tier: 'tier1', total_earned: 50_000, payment_email: 'shared@example.com' }),
];

/**
 * The server's environment for pages: a $5,000 tax form threshold, so the tax form gate can be reached with one
 * payout (`aff-tax`) while every other scenario stays under it.
 */
export const PAGE_ENV = { TAX_FORM_THRESHOLD_CENTS: '500000' };

export const adminToken = () => tokenFor('admin-pages', { role: 'admin' });

/** Requests a payout through the API, as another tab of the same affiliate would. */
export async function requestPayout(baseUrl: string, token: string, amount: number): Promise<string> {
  const response = await call(baseUrl, '/payouts/request', { method: 'POST', token, body: { amount } });
  if (response.status !== 201) throw new Error(`payout request failed: ${response.status} ${response.text}`);
  return response.json.data.payout.payout_id as string;
}

export async function moveTo(
  baseUrl: string,
  token: string,
  payoutId: string,
  body: Record<string, string>,
): Promise<void> {
  const response = await call(baseUrl, `/admin/payouts/${payoutId}/process`, { method: 'POST', token, body });
  if (response.status !== 200) throw new Error(`move failed: ${response.status} ${response.text}`);
}

/** A realistic history for the showcase affiliate: paid, failed, cancelled, processing and pending payouts. */
export async function seedShowcase(baseUrl: string): Promise<void> {
  const token = await tokenFor('user-show');
  const admin = await adminToken();
  const plan: Array<[number, Record<string, string> | 'cancel' | undefined]> = [
    [125_000, { status: 'completed', transaction_id: 'PAYPAL-7KQ21904', notes: 'PayPal batch 2026-11-02' }],
    [48_020, { status: 'completed', transaction_id: 'PAYPAL-7KQ33815' }],
    [20_000, { status: 'failed', notes: 'PayPal account closed; update your e-mail' }],
    [35_000, 'cancel'],
    [62_500, { status: 'processing' }],
    [30_000, undefined],
  ];
  for (const [amount, then] of plan) {
    const id = await requestPayout(baseUrl, token, amount);
    if (then === 'cancel') await call(baseUrl, `/payouts/${id}/cancel`, { method: 'POST', token });
    else if (then) await moveTo(baseUrl, admin, id, then);
  }
}

/**
 * The `npm start` server for the page tests, started a second time if the first start fails: on a saturated shared
 * machine DynamoDB Local can miss the seed's 2 s request timeout, which says nothing about the pages.
 */
export async function startPagesServer(): Promise<RunningServer> {
  try {
    return await startServer({ affiliates: PAGE_AFFILIATES, env: PAGE_ENV });
  } catch (error) {
    process.stderr.write(
      `page tests: the server did not start, trying once more (${String(error).split('\n')[1] ?? ''})\n`,
    );
    return startServer({ affiliates: PAGE_AFFILIATES, env: PAGE_ENV });
  }
}
