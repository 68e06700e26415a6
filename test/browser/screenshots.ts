/**
 * `npm run screenshots`: the pages at 1280 px and 360 px wide, on the real local server with a seeded history,
 * written to web/screenshots/ (committed; the README shows them).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_ROOT } from '../../web/build.ts';
import { tokenFor } from '../support/app.ts';
import { launchChromium } from '../support/browser.ts';
import { startReceiver } from '../support/notify.ts';
import Stripe from 'stripe';
import { SIM_STRIPE_WEBHOOK_SECRET } from '../../bin/local/provider-simulator.ts';
import { call, startServer } from '../support/server.ts';
import { adminToken, moveTo, PAGE_AFFILIATES, PAGE_ENV, requestPayout, seedShowcase } from './fixtures.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const OUT = join(WEB_ROOT, 'screenshots');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startServer({ affiliates: PAGE_AFFILIATES, env: PAGE_ENV });
  const browser = await launchChromium();
  const receiver = await startReceiver();
  try {
    // Issue 12: an endpoint that receives the showcase's events, so the console lists deliveries.
    await call(server.baseUrl, '/admin/webhook-endpoints', {
      method: 'POST',
      token: await adminToken(),
      body: { url: `${receiver.url}/showcase`, description: 'Books sync' },
    });
    await seedShowcase(server.baseUrl);
    const affiliate = await tokenFor('user-show');
    const admin = await adminToken();
    // aff-tax: paid the page server's whole tax form threshold this year, no form on file, so the gate shows.
    const taxed = await tokenFor('user-tax');
    await moveTo(server.baseUrl, admin, await requestPayout(server.baseUrl, taxed, 500_000), {
      status: 'completed',
      transaction_id: 'ZELLE-0042',
    });
    // Issue 13: a changed e-mail (the cool-down) for aff-moved, a future-dated payout for aff-auto, and a payout of a
    // flagged affiliate (aff-twin2 shares its e-mail with aff-twin1) in the queue.
    const moved = await tokenFor('user-moved');
    await call(server.baseUrl, '/payouts/settings', {
      method: 'PUT',
      token: moved,
      body: { payment_email: 'moved-new@example.com', schedule: 'monthly' },
    });
    const auto = await tokenFor('user-auto');
    const later = new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10);
    await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: auto,
      body: { amount: 25_000, scheduled_for: later },
    });
    await requestPayout(server.baseUrl, await tokenFor('user-twin2'), 12_500);
    // The provider rails: one payout paid through PayPal, one refused for the platform's balance (Retry shows), and
    // a Stripe event for a payout this service never made (review list).
    const railPaid = await requestPayout(server.baseUrl, await tokenFor('user-rail'), 42_000);
    const railLow = await requestPayout(server.baseUrl, await tokenFor('user-rail-low'), 18_500);
    for (const id of [railPaid, railLow])
      await call(server.baseUrl, `/admin/payouts/${id}/send`, { method: 'POST', token: admin });
    const payload = JSON.stringify({
      id: 'evt_1QshowcaseReversal',
      object: 'event',
      type: 'transfer.created',
      data: { object: { id: 'tr_1Qunknown', amount: 12_000, currency: 'usd', metadata: { payout_id: 'payout-8812' } } },
    });
    await fetch(`${server.baseUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SIM_STRIPE_WEBHOOK_SECRET }),
      },
      body: payload,
    });
    for (let waited = 0; waited < 15_000; waited += 200) {
      const attempts = (await call(server.baseUrl, `/admin/payouts/${railLow}`, { token: admin })).json.data.attempts;
      if (attempts?.[0]?.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const width of [1280, 360]) {
      const phone = width < 400;
      const context = await browser.newContext({
        viewport: { width, height: phone ? 800 : 900 },
        deviceScaleFactor: phone ? 2 : 1,
      });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/#token=${affiliate}`);
      await page.getByRole('table', { name: 'Payout history' }).waitFor();
      await page.screenshot({ path: join(OUT, `dashboard-${width}.png`), fullPage: !phone });
      if (phone) {
        await page.getByRole('table', { name: 'Payout history' }).getByRole('row').nth(3).scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(OUT, `dashboard-history-${width}.png`) });
      }
      const gated = await context.newPage();
      await gated.goto(`${server.baseUrl}/#token=${taxed}`);
      await gated.getByText('We need your tax form').waitFor();
      await gated
        .getByRole('region', { name: 'Request a payout' })
        .screenshot({ path: join(OUT, `dashboard-gate-${width}.png`) });
      await gated.close();
      // A completed payout: its receipt number and the receipt download; the year's totals beside it.
      await page.getByRole('button', { name: /^View payout of \$1,250\.00/ }).click();
      await page.getByRole('button', { name: 'Download receipt' }).waitFor();
      if (phone) await page.getByRole('button', { name: 'Download receipt' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUT, `dashboard-receipt-${width}.png`), fullPage: !phone });
      await page.getByRole('button', { name: /^View payout of \$300\.00/ }).click();
      await page.getByRole('button', { name: 'Cancel payout' }).click();
      await page.getByRole('alertdialog').waitFor();
      if (phone) await page.getByRole('button', { name: 'Keep payout' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUT, `dashboard-detail-${width}.png`), fullPage: !phone });

      // Issue 13: the settings card in its cool-down, with the blocker above Request payout.
      const movedPage = await context.newPage();
      await movedPage.goto(`${server.baseUrl}/#token=${moved}`);
      await movedPage.getByText('Payouts are on hold until').waitFor();
      await movedPage.locator('#payout-blockers').waitFor();
      if (phone) {
        await movedPage
          .getByRole('region', { name: 'Request a payout' })
          .screenshot({ path: join(OUT, `dashboard-blockers-${width}.png`) });
        await movedPage
          .getByRole('region', { name: 'Payout settings' })
          .screenshot({ path: join(OUT, `dashboard-settings-${width}.png`) });
      } else await movedPage.screenshot({ path: join(OUT, `dashboard-settings-${width}.png`), fullPage: true });
      await movedPage.close();
      // A failed payout: where and when we e-mailed the affiliate, and what to do.
      await page.getByRole('button', { name: /^View payout of \$200\.00/ }).click();
      await page.locator('#emailed-note').waitFor();
      if (phone) await page.locator('#emailed-note').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUT, `dashboard-emailed-${width}.png`), fullPage: !phone });

      const consolePage = await context.newPage();
      await consolePage.goto(`${server.baseUrl}/console/#token=${admin}`);
      await consolePage.getByRole('table', { name: 'Payouts' }).waitFor();
      await consolePage.getByRole('button', { name: 'Reconcile aff-show' }).first().click();
      await consolePage.getByRole('table', { name: 'Reconciliation of aff-show' }).waitFor();
      const first = consolePage.getByRole('button', { name: /^Details of / }).first();
      await first.click();
      await consolePage.getByRole('heading', { name: 'Payout details' }).waitFor();
      if (phone) await consolePage.getByRole('heading', { name: 'Payout queue' }).scrollIntoViewIfNeeded();
      await consolePage.screenshot({ path: join(OUT, `console-${width}.png`), fullPage: !phone });
      // The tax form recorded for the affiliate, beside the tax year export.
      const taxForm = consolePage.getByRole('region', { name: 'Tax form' });
      await taxForm.getByLabel('Received on').fill(`${new Date().getUTCFullYear()}-01-15`);
      await taxForm.getByLabel('Last 4 of TIN (optional)').fill('6789');
      await taxForm.getByRole('button', { name: 'Record tax form' }).click();
      await taxForm.getByRole('status').waitFor();
      await taxForm.scrollIntoViewIfNeeded();
      await consolePage.screenshot({ path: join(OUT, `console-tax-${width}.png`) });
      if (phone) {
        await consolePage
          .getByRole('checkbox', { name: /^[0-9a-f-]{36}$/ })
          .first()
          .check();
        await consolePage.locator('.queue tbody tr').first().scrollIntoViewIfNeeded();
        await consolePage.screenshot({ path: join(OUT, `console-queue-${width}.png`) });
      }
      // Issue 13: the pending queue with its review marks, and the cool-down panel.
      const flagged = await context.newPage();
      await flagged.goto(`${server.baseUrl}/console/?status=pending#token=${admin}`);
      await flagged.getByRole('table', { name: 'Payouts' }).getByText('Shared destination').waitFor();
      if (phone) {
        await flagged.getByText('Shared destination').scrollIntoViewIfNeeded();
        await flagged.screenshot({ path: join(OUT, `console-flags-${width}.png`) });
      } else await flagged.screenshot({ path: join(OUT, `console-flags-${width}.png`), fullPage: true });
      // The affiliate review panel after a shared destination was reviewed (aff-twin1's flag cleared).
      const review = flagged.getByRole('region', { name: 'Affiliate review' });
      await review.getByLabel('Affiliate id').fill('aff-twin1');
      await review.getByRole('button', { name: 'Clear shared-destination flag' }).click();
      await review.getByText('Shared-destination flag cleared').waitFor();
      await review.screenshot({ path: join(OUT, `console-review-${width}.png`) });
      await flagged.close();
      // Webhooks: a new endpoint's secret shown once (1280 px), an endpoint's deliveries with Redeliver.
      const hooksPage = await context.newPage();
      await hooksPage.goto(`${server.baseUrl}/console/#token=${admin}`);
      const webhooks = hooksPage.getByRole('region', { name: 'Webhooks' });
      await webhooks.getByRole('button', { name: `Deliveries to ${receiver.url}/showcase` }).waitFor();
      if (!phone) {
        await webhooks.getByLabel('Endpoint URL').fill(`${receiver.url}/ledger`);
        await webhooks.getByLabel('Description (optional)').fill('Ledger');
        await webhooks.getByRole('checkbox', { name: 'payout.completed' }).check();
        await webhooks.getByRole('button', { name: 'Add endpoint' }).click();
        await webhooks.locator('#webhook-secret').waitFor();
        // The list has reloaded with the new endpoint before anything else is clicked.
        await webhooks.getByRole('button', { name: `Deliveries to ${receiver.url}/ledger` }).waitFor();
      }
      await webhooks.getByRole('button', { name: `Deliveries to ${receiver.url}/showcase` }).click();
      await webhooks.getByRole('table', { name: `Deliveries to ${receiver.url}/showcase` }).waitFor();
      if (phone) {
        // One screen: the endpoint and its first deliveries as cards.
        await webhooks
          .getByRole('button', { name: `Deliveries to ${receiver.url}/showcase` })
          .evaluate((button) => button.closest('li')?.scrollIntoView({ block: 'start' }));
        await hooksPage.screenshot({ path: join(OUT, `console-webhooks-${width}.png`) });
      } else await webhooks.screenshot({ path: join(OUT, `console-webhooks-${width}.png`) });
      // The provider rails: a payout whose attempt failed on our side (Retry), and the events to review.
      await consolePage.getByLabel('Affiliate', { exact: true }).fill('aff-rail-low');
      await consolePage.getByRole('button', { name: 'Apply filters' }).click();
      await consolePage.getByRole('button', { name: `Details of ${railLow}` }).click();
      const detail = consolePage.getByRole('region', { name: 'Payout details' });
      await detail.getByRole('button', { name: 'Retry with a new attempt' }).waitFor();
      await detail.scrollIntoViewIfNeeded();
      await detail.screenshot({ path: join(OUT, `console-rails-${width}.png`) });
      const events = consolePage.getByRole('region', { name: 'Provider events needing review' });
      await events.getByText('payout-8812').first().waitFor();
      await events.screenshot({ path: join(OUT, `console-events-${width}.png`) });
      await context.close();
    }
    console.log(`screenshots written to ${OUT}`);
  } finally {
    await receiver.close();
    await browser.close();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
