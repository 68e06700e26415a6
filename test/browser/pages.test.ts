import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { SIM_STRIPE_WEBHOOK_SECRET } from '../../bin/local/provider-simulator.ts';
import { tokenFor } from '../support/app.ts';
import { describeViolations, launchChromium, seriousViolations } from '../support/browser.ts';
import { parseCsv } from '../support/csv.ts';
import { call, type RunningServer } from '../support/server.ts';
import { adminToken, moveTo, requestPayout, startPagesServer } from './fixtures.ts';
import { startReceiver } from '../support/notify.ts';

/**
 * The two pages in real Chromium (Debian's, driven by playwright-core) on the real `npm start` server and
 * DynamoDB Local. Every element is found by its accessible name, as a screen reader user would find it.
 */
describe('Pages in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startPagesServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function open(path: string, token: string, width = 1280): Promise<Page> {
    context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}${path}#token=${token}`);
    return page;
  }

  async function expectAccessible(page: Page, state: string): Promise<void> {
    const violations = await seriousViolations(page);
    expect(violations, `${state}:\n${describeViolations(violations)}`).toEqual([]);
  }

  const payoutsOf = async (user: string) =>
    (await call(server.baseUrl, '/payouts?limit=100', { token: await tokenFor(user) })).json.data.payouts as Array<{
      payout_id: string;
      amount: number;
      status: string;
    }>;
  const card = (page: Page, name: string) => page.getByTestId(`balance-${name}`);

  it('an affiliate requests a payout, sees it pending and the balance move, then cancels it', async () => {
    // Prepare
    const page = await open('/', await tokenFor('user-flow'));
    await expect.poll(() => card(page, 'available').textContent()).toBe('$1,500.00');
    // The token left the address bar and lives in this tab's sessionStorage only.
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate('sessionStorage.getItem("payouts.token") !== null')).toBe(true);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.getByLabel('Amount (USD)').inputValue()).toBe('1500.00');
    await expectAccessible(page, 'dashboard loaded');

    // Act: request $75.50
    await page.getByLabel('Amount (USD)').fill('75.50');
    await page.getByRole('button', { name: 'Request payout' }).click();

    // Assess: pending in the history, the balance moved
    await page.getByText('Payout of $75.50 requested').waitFor();
    const history = page.getByRole('table', { name: 'Payout history' });
    await expect.poll(() => history.getByRole('row').nth(1).textContent()).toMatch(/\$75\.50.*Pending/);
    await expect.poll(() => card(page, 'available').textContent()).toBe('$1,424.50');
    expect(await card(page, 'pending').textContent()).toBe('$75.50');
    expect(await payoutsOf('user-flow')).toMatchObject([{ amount: 7_550, status: 'pending' }]);
    await expectAccessible(page, 'after a request');

    // Act: open it, ask to cancel, confirm
    await history.getByRole('button', { name: /^View payout of \$75\.50/ }).click();
    const details = page.getByRole('region', { name: 'Payout details' });
    await details.getByRole('list', { name: 'Status timeline' }).waitFor();
    await details.getByRole('button', { name: 'Cancel payout' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Cancel this payout?' });
    await confirm.waitFor();
    await expectAccessible(page, 'detail with the cancel confirmation');
    await confirm.getByRole('button', { name: 'Cancel payout' }).click();

    // Assess: cancelled everywhere, the money back
    await expect
      .poll(() => details.getByRole('list', { name: 'Status timeline' }).getByRole('listitem').count())
      .toBe(2);
    expect(await details.getByRole('button', { name: 'Cancel payout' }).count()).toBe(0);
    await expect.poll(() => card(page, 'available').textContent()).toBe('$1,500.00');
    await expect.poll(() => history.getByRole('row').nth(1).textContent()).toMatch(/Cancelled/);
    expect(await payoutsOf('user-flow')).toMatchObject([{ amount: 7_550, status: 'cancelled' }]);
  });

  it('a double click, a lost answer and a reload never pay twice: one Idempotency-Key per intended payout', async () => {
    const page = await open('/', await tokenFor('user-double'));
    await expect.poll(() => card(page, 'available').textContent()).toBe('$800.00');
    const sent: string[] = [];
    page.on(
      'request',
      (request) => request.url().endsWith('/payouts/request') && sent.push(request.headers()['idempotency-key'] ?? ''),
    );

    // Act 1: a double click
    await page.getByLabel('Amount (USD)').fill('100');
    await page.getByRole('button', { name: 'Request payout' }).dblclick();
    await page.getByText('Payout of $100.00 requested').waitFor();
    expect(await payoutsOf('user-double')).toHaveLength(1);

    // Act 2: everything that is left; the server commits, the answer never reaches the page
    await page.route('**/payouts/request', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByLabel('Amount (USD)').fill('700');
    await page.getByRole('button', { name: 'Request payout' }).click();
    await page.getByText('Could not reach the server').waitFor();
    expect(await payoutsOf('user-double')).toHaveLength(2);
    await page.unroute('**/payouts/request');

    // Act 3: the affiliate reloads (nothing is available any more) and sends the same amount again
    await page.reload();
    await page.getByText('may not have finished').waitFor();
    await expect.poll(() => card(page, 'available').textContent()).toBe('$0.00');
    expect(await page.getByLabel('Amount (USD)').inputValue()).toBe('700.00');
    await page.getByRole('button', { name: 'Request payout' }).click();
    await page.getByText('Payout of $700.00 requested').waitFor();

    // Assess: two intended payouts, two payouts; the retry carried the lost request's key
    const payouts = await payoutsOf('user-double');
    expect(payouts.map((payout) => payout.amount).sort((a, b) => a - b)).toEqual([10_000, 70_000]);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.at(-1)).toBe(sent.at(-2));
    expect(new Set(sent).size).toBe(2);
    expect(await page.evaluate('sessionStorage.getItem("payouts.intent")')).toBeNull();
  });

  it("shows the server's sentence when the balance moved since the page read it, and checks whole cents itself", async () => {
    const token = await tokenFor('user-stale');
    const page = await open('/', token);
    await expect.poll(() => card(page, 'available').textContent()).toBe('$600.00');
    let requests = 0;
    page.on('request', (request) => request.url().endsWith('/payouts/request') && (requests += 1));

    // Act 1: a fraction of a cent never leaves the page
    await page.getByLabel('Amount (USD)').fill('10.005');
    await page.getByRole('button', { name: 'Request payout' }).click();
    expect(await page.getByRole('alert').textContent()).toBe(
      'The amount must be in whole cents (at most two decimals).',
    );
    expect(requests).toBe(0);

    // Act 2: another tab takes $300 first; this page still believes $600 is available
    await requestPayout(server.baseUrl, token, 30_000);
    await page.getByLabel('Amount (USD)').fill('600');
    await page.getByRole('button', { name: 'Request payout' }).click();

    // Assess: the server refused, in its own words, and nothing was written
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('The amount exceeds your available balance of 30000 cents ($300.00).');
    expect(requests).toBe(1);
    expect(await payoutsOf('user-stale')).toHaveLength(1);
    expect(await page.getByLabel('Amount (USD)').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'refused request');
  });

  it('an admin marks a payout completed in the console; the affiliate sees it completed after a reload', async () => {
    // Prepare: the affiliate asks for $120 on the dashboard
    const dashboard = await open('/', await tokenFor('user-admin'));
    await dashboard.getByLabel('Amount (USD)').fill('120');
    await dashboard.getByRole('button', { name: 'Request payout' }).click();
    await dashboard.getByText('Payout of $120.00 requested').waitFor();
    const id = (await payoutsOf('user-admin'))[0]!.payout_id;

    // Act: the admin filters the queue to the affiliate, selects the row, enters the transaction id
    const console = await context.newPage();
    await console.goto(`${server.baseUrl}/console/#token=${await adminToken()}`);
    const queue = console.getByRole('table', { name: 'Payouts' });
    await queue.waitFor();
    expect(new URL(console.url()).hash).toBe('');
    await expectAccessible(console, 'console loaded');
    await console.getByLabel('Affiliate', { exact: true }).fill('aff-admin');
    await console.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => queue.getByRole('row').count()).toBe(2);
    expect(new URL(console.url()).searchParams.get('affiliate_id')).toBe('aff-admin');
    // Completed needs a transaction id per row: the console says so before sending anything.
    await console.getByRole('checkbox', { name: id }).check();
    await console.getByRole('button', { name: 'Mark completed' }).click();
    expect(await console.getByRole('alert').textContent()).toContain(`Enter a transaction id for: ${id}`);
    await console.getByLabel(`Transaction id for ${id}`).fill('PAYPAL-PAGES-1');
    await console.getByRole('button', { name: 'Mark completed' }).click();

    // Assess: the per-row result, the detail's history, the reconciliation
    const results = console.getByRole('region', { name: /^Results:/ });
    await results.waitFor();
    expect(await results.getByRole('heading').textContent()).toBe('Results: 1 done, 0 failed');
    expect(await results.getByRole('listitem').textContent()).toContain('Completed');
    await expect.poll(() => queue.getByRole('row').nth(1).textContent()).toMatch(/Completed.*PAYPAL-PAGES-1/);
    await console.getByRole('button', { name: `Details of ${id}` }).click();
    const detail = console.getByRole('region', { name: 'Payout details' });
    await expect
      .poll(() => detail.getByRole('list', { name: 'Status timeline' }).getByRole('listitem').count())
      .toBe(2);
    await console.getByRole('button', { name: 'Reconcile aff-admin' }).click();
    await console.getByText('aff-admin: counters and payouts agree.').waitFor();
    await expectAccessible(console, 'console with results, detail and reconciliation');

    await dashboard.reload();
    const history = dashboard.getByRole('table', { name: 'Payout history' });
    await expect.poll(() => history.getByRole('row').nth(1).textContent()).toMatch(/\$120\.00.*Completed/);
    expect(await card(dashboard, 'paid').textContent()).toBe('$120.00');
  });

  it('Export CSV downloads every row of the current filter, across pages', async () => {
    const token = await tokenFor('user-csv');
    const ids: string[] = [];
    for (const amount of [10_000, 20_000, 30_000, 40_000, 50_000])
      ids.push(await requestPayout(server.baseUrl, token, amount));
    const console = await open('/console/?affiliate_id=aff-csv', await adminToken());
    await expect.poll(() => console.getByRole('table', { name: 'Payouts' }).getByRole('row').count()).toBe(6);
    // Two rows per export response, so the page must follow X-Next-Cursor three times.
    const exports: string[] = [];
    await console.route('**/admin/payouts/export*', async (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('limit', '2');
      exports.push(url.search);
      await route.continue({ url: url.toString() });
    });

    const [download] = await Promise.all([
      console.waitForEvent('download'),
      console.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));

    expect(download.suggestedFilename()).toMatch(/^payouts-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(rows[0]?.slice(0, 4)).toEqual(['payout_id', 'affiliate_id', 'status', 'amount_cents']);
    expect(
      rows
        .slice(1)
        .map((row) => row[0])
        .sort(),
    ).toEqual([...ids].sort());
    expect(rows.slice(1).every((row) => row[1] === 'aff-csv')).toBe(true);
    expect(exports).toHaveLength(3);
    expect(exports.slice(1).every((search) => search.includes('cursor='))).toBe(true);
  });

  it('receipts, the year totals and the tax form gate: the affiliate downloads a receipt, the admin records a form and exports the year', async () => {
    // Prepare: $5,000 paid this year, exactly the page server's threshold, with no tax form on file
    const year = String(new Date().getUTCFullYear());
    const id = await requestPayout(server.baseUrl, await tokenFor('user-tax'), 500_000);
    await moveTo(server.baseUrl, await adminToken(), id, { status: 'completed', transaction_id: 'ZELLE-TAX-1' });
    const pdfOf = async (download: Download) =>
      readFileSync((await download.path())!)
        .subarray(0, 5)
        .toString('latin1');

    // Assess: the year's totals and, above the request button, the gate in plain words
    const dashboard = await open('/', await tokenFor('user-tax'));
    const yearCard = dashboard.getByRole('region', { name: `This year (${year})` });
    await expect.poll(() => dashboard.getByTestId('year-paid').textContent()).toBe('$5,000.00');
    expect(await dashboard.getByTestId('year-count').textContent()).toBe('1');
    expect(await yearCard.getByTestId('year-form').textContent()).toBe('None on file');
    const gate = dashboard.getByText('We need your tax form before paying you more this year.');
    await gate.waitFor();
    // The note comes before the Request payout button in the document (and so on screen and for a screen reader).
    const gateAboveButton = await dashboard.evaluate(`(() => {
      const note = document.getElementById('tax-form-needed');
      const button = [...document.querySelectorAll('button')].find((element) => element.textContent.trim() === 'Request payout');
      return !!note && !!button && (note.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    })()`);
    expect(gateAboveButton).toBe(true);
    await expectAccessible(dashboard, 'dashboard with the year totals and the tax form gate');

    // Act: the affiliate downloads the completed payout's receipt
    await dashboard
      .getByRole('table', { name: 'Payout history' })
      .getByRole('button', { name: /^View payout of \$5,000\.00/ })
      .click();
    const details = dashboard.getByRole('region', { name: 'Payout details' });
    const [receipt] = await Promise.all([
      dashboard.waitForEvent('download'),
      details.getByRole('button', { name: 'Download receipt' }).click(),
    ]);
    expect(receipt.suggestedFilename()).toMatch(new RegExp(`^RCPT-${year}-\\d{6}\\.pdf$`));
    expect(await pdfOf(receipt)).toBe('%PDF-');
    expect(await details.getByText(receipt.suggestedFilename().replace('.pdf', '')).count()).toBe(1);
    await expectAccessible(dashboard, 'payout details with the receipt download');

    // Act: the admin downloads the same receipt from the console, then records the tax form (a wrong id first)
    const console = await context.newPage();
    await console.goto(`${server.baseUrl}/console/?affiliate_id=aff-tax#token=${await adminToken()}`);
    await console.getByRole('button', { name: `Details of ${id}` }).click();
    const adminDetail = console.getByRole('region', { name: 'Payout details' });
    const [adminReceipt] = await Promise.all([
      console.waitForEvent('download'),
      adminDetail.getByRole('button', { name: 'Download receipt' }).click(),
    ]);
    expect(adminReceipt.suggestedFilename()).toBe(receipt.suggestedFilename());
    expect(await pdfOf(adminReceipt)).toBe('%PDF-');

    const taxForm = console.getByRole('region', { name: 'Tax form' });
    await taxForm.getByLabel('Affiliate id').fill('aff-nobody');
    await taxForm.getByLabel('Form').selectOption('W-9');
    await taxForm.getByLabel('Received on').fill(`${year}-01-01`);
    await taxForm.getByLabel('Last 4 of TIN (optional)').fill('6789');
    expect(await taxForm.getByLabel('Last 4 of TIN (optional)').getAttribute('pattern')).toBe('[0-9]{4}');
    await taxForm.getByRole('button', { name: 'Record tax form' }).click();
    await expect.poll(() => taxForm.getByRole('alert').textContent()).toBe('No affiliate with this id was found.');
    await taxForm.getByLabel('Affiliate id').fill('aff-tax');
    await taxForm.getByRole('button', { name: 'Record tax form' }).click();
    await expect
      .poll(() => taxForm.getByRole('status').textContent())
      .toBe(`W-9 recorded for aff-tax (received ${year}-01-01, TIN ending 6789).`);
    expect(await taxForm.getByRole('alert').count()).toBe(0);
    await expectAccessible(console, 'console with a receipt, a recorded tax form');

    // Act: the year's CSV for the 1099s
    const yearExport = console.getByRole('region', { name: 'Tax year export' });
    expect(await yearExport.getByLabel('Year').inputValue()).toBe(year);
    const [csvFile] = await Promise.all([
      console.waitForEvent('download'),
      yearExport.getByRole('button', { name: 'Export tax year CSV' }).click(),
    ]);
    expect(csvFile.suggestedFilename()).toBe(`tax-${year}.csv`);
    const [header, ...rows] = parseCsv(readFileSync((await csvFile.path())!, 'utf8'));
    const row = Object.fromEntries(
      header!.map((column, index) => [column, rows.find((cells) => cells[1] === 'aff-tax')?.[index]]),
    );
    expect(row).toMatchObject({
      tax_year: year,
      affiliate_id: 'aff-tax',
      paid_cents: '500000',
      paid_count: '1',
      tax_form: 'W-9',
      tin_last4: '6789',
    });

    // Assess: the affiliate's gate went away
    await dashboard.reload();
    await expect.poll(() => dashboard.getByTestId('year-form').textContent()).toBe('W-9 on file (TIN ending 6789)');
    await dashboard.getByLabel('Amount (USD)').waitFor();
    expect(await gate.count()).toBe(0);
  });

  it('the provider rails: Send from the queue, the attempts and the reason in the details, Retry, and the events to review', async () => {
    // Prepare: three pending payouts whose recipients the simulator pays, fails, and refuses for our balance
    const [ok, fail, low] = await Promise.all(
      ['rail', 'rail-fail', 'rail-low'].map(async (name) =>
        requestPayout(server.baseUrl, await tokenFor(`user-${name}`), 5_000),
      ),
    );
    const console = await open('/console/', await adminToken());
    const queue = console.getByRole('table', { name: 'Payouts' });
    await queue.waitFor();
    // Provider payments are on (the flagged-events probe answered 200): Send and the review list are there.
    await console.getByRole('region', { name: 'Provider events needing review' }).waitFor();

    // Act: select two rows and send them through their provider, like the bulk moves
    await console.getByRole('checkbox', { name: ok! }).check();
    await console.getByRole('checkbox', { name: fail! }).check();
    await console.getByRole('button', { name: 'Send through provider' }).click();
    const results = console.getByRole('region', { name: /^Results:/ });
    await results.waitFor();
    expect(await results.getByRole('heading').textContent()).toBe('Results: 2 done, 0 failed');
    expect(await results.getByRole('listitem').first().textContent()).toContain('Processing — Payout sent');

    // Assess: the simulator settles them (webhooks); the details show the attempt, and the reason of the failure
    const detail = console.getByRole('region', { name: 'Payout details' });
    const attempts = detail.getByRole('list', { name: 'Provider attempts, oldest first' });
    /** Opens (again) a payout's details and waits until they are loaded. */
    const reopen = async (id: string) => {
      await console.getByRole('button', { name: `Details of ${id}` }).click();
      await detail.getByRole('heading', { name: 'History' }).waitFor();
    };
    await expect
      .poll(
        async () => {
          await reopen(ok!);
          // The payout and its attempts are two reads: poll until both show the provider's answer.
          const both = `${await detail.textContent()}`;
          return /Completed/.test(both) ? ((await attempts.textContent().catch(() => '')) ?? '') : '';
        },
        { timeout: 15_000 },
      )
      .toMatch(/Attempt 1PayPalSucceeded/);
    await expect
      .poll(
        async () => {
          await reopen(fail!);
          return (await detail.textContent()) ?? '';
        },
        { timeout: 15_000 },
      )
      .toContain('ReasonPayPal: the payment failed');
    await expectAccessible(console, 'console with provider attempts');
    const dashboard = await context.newPage();
    await dashboard.goto(`${server.baseUrl}/#token=${await tokenFor('user-rail-fail')}`);
    await dashboard.getByRole('button', { name: /^View payout of \$50\.00/ }).click();
    await expect
      .poll(() => dashboard.getByRole('region', { name: 'Payout details' }).textContent())
      .toContain('WhyPayPal: the payment failed');

    // Single send from the details; the platform balance is too low (ours): Retry queues attempt 2
    await reopen(low!);
    await detail.getByRole('button', { name: 'Send through PayPal' }).click();
    await expect
      .poll(
        async () => {
          await reopen(low!);
          return detail.getByRole('button', { name: 'Retry with a new attempt' }).count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    expect(await attempts.textContent()).toContain('INSUFFICIENT_FUNDS (our side)');
    await detail.getByRole('button', { name: 'Retry with a new attempt' }).click();
    await expect.poll(() => attempts.getByRole('listitem').count(), { timeout: 15_000 }).toBe(2);
    expect(
      (await call(server.baseUrl, `/admin/payouts/${low}`, { token: await adminToken() })).json.data.attempts,
    ).toHaveLength(2);
    await expectAccessible(console, 'console after a retry');

    // A Stripe event for a payout this service never made: recorded for review, then marked reviewed
    const payload = JSON.stringify({
      id: 'evt_pages_unknown',
      object: 'event',
      type: 'transfer.created',
      data: { object: { id: 'tr_pages', amount: 4_200, currency: 'usd', metadata: { payout_id: 'ghost-pages' } } },
    });
    const hook = await fetch(`${server.baseUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SIM_STRIPE_WEBHOOK_SECRET }),
      },
      body: payload,
    });
    expect(hook.status).toBe(200);
    const events = console.getByRole('region', { name: 'Provider events needing review' });
    await events.getByRole('button', { name: 'Reload provider events' }).click();
    await events.getByText('Stripe event for an unknown payout (ghost-pages)').waitFor();
    await expectAccessible(console, 'console with a provider event to review');
    await events.getByRole('button', { name: 'Mark reviewed stripe:evt_pages_unknown' }).click();
    await expect.poll(() => events.getByText('ghost-pages').count()).toBe(0);
  });

  it('a token the API refuses shows that the session ended', async () => {
    const page = await open('/', 'not-a-valid-token');
    await page.getByRole('heading', { name: 'Your session ended' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("payouts.token")')).toBeNull();
    await expectAccessible(page, 'session ended');

    const expired = await tokenFor('user-flow').then(
      () => 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLWZsb3ciLCJleHAiOjF9.x',
    );
    const console = await open('/console/', expired);
    await console.getByRole('heading', { name: 'Your session ended' }).waitFor();
  });

  it('works on a 360 px phone with the keyboard alone', async () => {
    const page = await open('/', await tokenFor('user-phone'), 360);
    await expect.poll(() => card(page, 'available').textContent()).toBe('$400.00');
    // No payouts yet: the history says so, inside its table.
    await page.getByRole('table', { name: 'Payout history' }).getByText('No payouts yet').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await expectAccessible(page, 'dashboard at 360 px, empty history');

    // Keyboard only: Tab to the amount, type, Enter.
    for (let step = 0; step < 10; step += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate('document.activeElement?.id === "amount"')) break;
    }
    expect(await page.evaluate('document.activeElement?.id')).toBe('amount');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('55');
    await page.keyboard.press('Enter');
    await page.getByText('Payout of $55.00 requested').waitFor();
    expect(await payoutsOf('user-phone')).toMatchObject([{ amount: 5_500, status: 'pending' }]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);

    const console = await context.newPage();
    await console.goto(`${server.baseUrl}/console/#token=${await adminToken()}`);
    await console.getByRole('table', { name: 'Payouts' }).waitFor();
    expect(await console.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await expectAccessible(console, 'console at 360 px');
    await console.getByLabel('Affiliate', { exact: true }).fill('aff-nobody');
    await console.getByRole('button', { name: 'Apply filters' }).click();
    await console.getByRole('table', { name: 'Payouts' }).getByText('No payouts match').waitFor();
    await expectAccessible(console, 'console at 360 px, nothing matches');
  });

  it('e-mails and webhooks: the "we e-mailed you" notes; the console adds an endpoint (secret once), lists deliveries, redelivers, deletes', async () => {
    const receiver = await startReceiver();
    try {
      // The console: add the receiver; the secret is shown once.
      const console = await open('/console/', await adminToken());
      const webhooks = console.getByRole('region', { name: 'Webhooks' });
      await webhooks.getByText('No endpoints yet.').waitFor();
      await webhooks.getByLabel('Endpoint URL').fill(`${receiver.url}/pages`);
      await webhooks.getByLabel('Description (optional)').fill('Pages test receiver');
      await webhooks.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = (await webhooks.locator('#webhook-secret').textContent()) ?? '';
      expect(secret).toMatch(/^whsec_/);
      receiver.state.secret = secret;
      await expectAccessible(console, 'console with a new endpoint and its secret');

      // The affiliate requests a payout: the page says where we wrote.
      const page = await open('/', await tokenFor('user-notify'));
      await page.getByLabel('Amount (USD)').fill('60.00');
      await page.getByRole('button', { name: 'Request payout' }).click();
      await page.getByText('We e-mailed you at notify@example.com.').waitFor();
      const [payout] = await payoutsOf('user-notify');
      await moveTo(server.baseUrl, await adminToken(), payout!.payout_id, { status: 'failed' });
      await page.reload();
      await page
        .getByRole('table', { name: 'Payout history' })
        .getByRole('button', { name: /^View payout of \$60\.00/ })
        .click();
      const note = page.locator('#emailed-note');
      await note.waitFor();
      expect(await note.textContent()).toContain('We e-mailed you at notify@example.com');
      await expectAccessible(page, 'a failed payout with the e-mailed note');
      await expect.poll(() => receiver.received.length).toBe(2);
      expect(receiver.received.every((r) => r.verified)).toBe(true);

      // Deliveries, Redeliver, Delete.
      await console.reload();
      await webhooks.getByRole('button', { name: /^Deliveries/ }).click();
      const table = webhooks.getByRole('table', { name: `Deliveries to ${receiver.url}/pages` });
      await expect.poll(() => table.getByRole('row').count()).toBe(3);
      await expectAccessible(console, 'console with deliveries');
      await table.getByRole('button', { name: /^Redeliver payout\.failed/ }).click();
      await expect.poll(() => receiver.received.length).toBe(3);
      // Newest first: the failed event's row, its Attempt cell now 2.
      await expect.poll(() => table.getByRole('row').nth(1).getByRole('cell').nth(1).textContent()).toBe('2');
      await webhooks.getByRole('button', { name: /^Delete/ }).click();
      await webhooks.getByRole('button', { name: 'Confirm delete' }).click();
      await webhooks.getByText('No endpoints yet.').waitFor();
    } finally {
      await receiver.close();
    }
  });
});
