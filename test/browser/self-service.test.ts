import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/app.ts';
import { describeViolations, launchChromium, seriousViolations } from '../support/browser.ts';
import { call, type RunningServer } from '../support/server.ts';
import { adminToken, requestPayout, startPagesServer } from './fixtures.ts';

const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Issue 13 on the pages: settings with the cool-down, blockers, the next automatic payout, dates, console marks. */
describe('Pages in Chromium: payout settings, blockers, future-dated payouts, review marks', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startPagesServer(), launchChromium()]);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  async function open(path: string, token: string, width = 1280): Promise<Page> {
    context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}${path}#token=${token}`);
    return page;
  }
  async function expectAccessible(page: Page, state: string): Promise<void> {
    const violations = await seriousViolations(page);
    expect(violations, `${state}:\n${describeViolations(violations)}`).toEqual([]);
  }

  it('changing the payout e-mail shows the cool-down plainly, and the blocker above Request payout', async () => {
    const page = await open('/', await tokenFor('user-moved'), 360);
    const settings = page.getByRole('region', { name: 'Payout settings' });
    await expect.poll(() => settings.getByLabel('Payout e-mail').inputValue()).toBe('moved@example.com');
    await expectAccessible(page, 'settings loaded');
    await settings.getByLabel('Payout e-mail').fill('moved-new@example.com');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Payouts are on hold until').waitFor();
    await settings.getByText(/^Saved\./).waitFor();
    const request = page.getByRole('region', { name: 'Request a payout' });
    const blockers = request.locator('#payout-blockers');
    await expect.poll(() => blockers.textContent()).toMatch(/payout destination changed recently/);
    // The button names the blockers for assistive technology.
    expect(await request.getByRole('button', { name: 'Request payout' }).getAttribute('aria-describedby')).toContain(
      'payout-blockers',
    );
    // The server still decides: a request now gets its sentence.
    await request.getByRole('button', { name: 'Request payout' }).click();
    await request
      .getByRole('alert')
      .getByText(/held until/)
      .waitFor();
    await expectAccessible(page, 'cool-down on');
    const stored = await call(server.baseUrl, '/payouts/settings', { token: await tokenFor('user-moved') });
    expect(stored.json.data.payment_email).toBe('moved-new@example.com');
  });

  it('shows the next automatic payout, and requests a payout for a later day', async () => {
    const page = await open('/', await tokenFor('user-auto'));
    const request = page.getByRole('region', { name: 'Request a payout' });
    await request.getByText('Next automatic payout').waitFor();
    await request.getByLabel('Amount (USD)').fill('60.00');
    await request.getByLabel(/^Send on/).fill(dateIn(5));
    await request.getByRole('button', { name: 'Request payout' }).click();
    await page.getByText(`Payout of $60.00 scheduled for ${dateIn(5)}`).waitFor();
    const history = page.getByRole('table', { name: 'Payout history' });
    await expect.poll(() => history.getByRole('row').nth(1).textContent()).toContain(`for ${dateIn(5)}`);
    await history.getByRole('button', { name: /^View payout of \$60\.00/ }).click();
    await page
      .getByRole('region', { name: 'Payout details' })
      .getByText(`Scheduled for ${dateIn(5)}:`)
      .waitFor();
    await expectAccessible(page, 'a future-dated payout');
  });

  it('the console marks shared destinations and dated payouts, and ends a cool-down', async () => {
    const twin = await requestPayout(server.baseUrl, await tokenFor('user-twin2'), 5_000);
    const admin = await adminToken();
    const page = await open('/console/?status=pending', admin);
    const queue = page.getByRole('table', { name: 'Payouts' });
    await queue.waitFor();
    const row = queue.getByRole('row').filter({ has: page.getByRole('checkbox', { name: twin }) });
    await expect.poll(() => row.textContent()).toContain('Shared destination');
    await expect.poll(() => queue.textContent()).toContain(`Scheduled ${dateIn(5)}`);
    await expectAccessible(page, 'console with review marks');

    // Completing it needs the explicit confirmation: refused without, done with it.
    await page.getByRole('checkbox', { name: twin }).check();
    await page.getByLabel(`Transaction id for ${twin}`).fill('ZELLE-TWIN');
    await page.getByRole('button', { name: 'Mark completed' }).click();
    const results = page.getByRole('region', { name: /^Results:/ });
    await results.getByText(/also set on another affiliate/).waitFor();
    await page.getByRole('checkbox', { name: /I checked the payout to a shared destination/ }).check();
    await expectAccessible(page, 'the shared-destination confirmation');
    await page.getByRole('button', { name: 'Mark completed' }).click();
    await page.getByRole('region', { name: 'Results: 1 done, 0 failed' }).waitFor();
    const done = await call(server.baseUrl, `/admin/payouts/${twin}`, { token: admin });
    expect(done.json.data.payout.status).toBe('completed');

    const panel = page.getByRole('region', { name: 'Affiliate review' });
    await panel.getByLabel('Affiliate id').fill('aff-moved');
    await panel.getByRole('button', { name: 'End cool-down' }).click();
    await panel.getByText('Cool-down ended for aff-moved').waitFor();
    const settings = await call(server.baseUrl, '/payouts/settings', { token: await tokenFor('user-moved') });
    expect(settings.json.data.cooldown_until).toBeNull();
    await panel.getByLabel('Affiliate id').fill('aff-nobody');
    await panel.getByRole('button', { name: 'End cool-down' }).click();
    await panel.getByRole('alert').getByText('No affiliate with this id was found.').waitFor();
    await expectAccessible(page, 'affiliate review panel');

    // The shared destination reviewed: the flag goes, and twin2's next payout is neither marked nor held.
    await panel.getByLabel('Affiliate id').fill('aff-twin2');
    await panel.getByRole('button', { name: 'Clear shared-destination flag' }).click();
    await panel.getByText('Shared-destination flag cleared for aff-twin2').waitFor();
    const after = await requestPayout(server.baseUrl, await tokenFor('user-twin2'), 5_000);
    const fresh = await call(server.baseUrl, `/admin/payouts/${after}`, { token: admin });
    expect(fresh.json.data.payout.flags ?? []).toEqual([]);
  });
});
