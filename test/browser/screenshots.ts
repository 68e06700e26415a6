/**
 * `npm run screenshots`: the pages at 1280 px and 360 px wide, on the real local server with a seeded history,
 * written to web/screenshots/ (committed; the README shows them).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_ROOT } from '../../web/build.ts';
import { tokenFor } from '../support/app.ts';
import { launchChromium } from '../support/browser.ts';
import { startServer } from '../support/server.ts';
import { adminToken, PAGE_AFFILIATES, PAGE_ENV, seedShowcase } from './fixtures.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const OUT = join(WEB_ROOT, 'screenshots');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startServer({ affiliates: PAGE_AFFILIATES, env: PAGE_ENV });
  const browser = await launchChromium();
  try {
    await seedShowcase(server.baseUrl);
    const affiliate = await tokenFor('user-show');
    const admin = await adminToken();
    for (const width of [1280, 360]) {
      const phone = width < 400;
      const context = await browser.newContext({ viewport: { width, height: phone ? 800 : 900 }, deviceScaleFactor: phone ? 2 : 1 });
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/#token=${affiliate}`);
      await page.getByRole('table', { name: 'Payout history' }).waitFor();
      await page.screenshot({ path: join(OUT, `dashboard-${width}.png`), fullPage: !phone });
      if (phone) {
        await page.getByRole('table', { name: 'Payout history' }).getByRole('row').nth(3).scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(OUT, `dashboard-history-${width}.png`) });
      }
      await page.getByRole('button', { name: /^View payout of \$300\.00/ }).click();
      await page.getByRole('button', { name: 'Cancel payout' }).click();
      await page.getByRole('alertdialog').waitFor();
      if (phone) await page.getByRole('button', { name: 'Keep payout' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUT, `dashboard-detail-${width}.png`), fullPage: !phone });

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
      if (phone) {
        await consolePage.getByRole('checkbox', { name: /^[0-9a-f-]{36}$/ }).first().check();
        await consolePage.locator('.queue tbody tr').first().scrollIntoViewIfNeeded();
        await consolePage.screenshot({ path: join(OUT, `console-queue-${width}.png`) });
      }
      await context.close();
    }
    console.log(`screenshots written to ${OUT}`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
