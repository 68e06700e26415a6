import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payout } from '../../shared/domain/payout.ts';
import type { LambdaHttpHandler } from '../../shared/http/lambda.ts';
import { reservationGuard } from '../../shared/domain/balance.ts';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import type { Dependencies } from '../../shared/dependencies.ts';
import { affiliate, testRuntime } from '../support/app.ts';
import { adminApp, steppingClock, type AdminApp } from '../support/admin.ts';
import { parseCsv } from '../support/csv.ts';
import { functionUrlEvent, invoke, lambdaContext } from '../support/http.ts';
import { pdfText } from '../support/pdf.ts';

/** The IRS threshold for payments made in 2026 (the config's default). */
const THRESHOLD = 200_000;
const paperworkEnv = {
  TAX_FORM_THRESHOLD_CENTS: String(THRESHOLD),
  RECEIPT_ISSUER_NAME: 'Commercive Łódź → Café',
  RECEIPT_ISSUER_ADDRESS: '1 Market St; San Francisco, CA 94105',
};

/** A PDF download, decoded: what a browser saves. */
async function download(handler: LambdaHttpHandler, path: string, token: string) {
  const response = await handler(
    functionUrlEvent({ path, headers: { authorization: `Bearer ${token}` } }),
    lambdaContext(),
  );
  const bytes = response.isBase64Encoded
    ? Buffer.from(response.body ?? '', 'base64')
    : Buffer.from(response.body ?? '');
  return {
    status: response.statusCode,
    headers: response.headers,
    base64: response.isBase64Encoded === true,
    bytes,
    json: response.isBase64Encoded ? undefined : JSON.parse(response.body ?? 'null'),
  };
}

describe('Receipts: numbered in the completing transaction, one PDF per payout', () => {
  const clock = steppingClock(Date.parse('2026-03-02T10:00:00.000Z'));
  const owners = Array.from({ length: 10 }, (_, index) =>
    affiliate(`r${index}`, { total_earned: 10_000_000, payment_email: `rita${index}@example.com` }),
  );
  const instanceEnv = { ...paperworkEnv, TAX_FORM_THRESHOLD_CENTS: '100000000000' };
  let app: AdminApp;

  beforeAll(async () => {
    app = await adminApp(owners, { clock, env: instanceEnv });
  });
  afterAll(() => app.db.drop());

  it('gives 50 simultaneous completions 50 distinct, consecutive numbers of their year', async () => {
    // Prepare
    const ids: string[] = [];
    for (let index = 0; index < 50; index += 1)
      ids.push(await app.request(owners[index % owners.length]!.user_id, 1_000 + index));
    // Two function instances (each its own client, store and services), as two Lambda environments would be.
    const instances = [app.admin, createAdminPayoutsHandler(testRuntime(app.db, instanceEnv, clock))];
    const attempts = new Map<string, number>();
    const counting = (runtime: Dependencies) => {
      const move = runtime.store.movePayout.bind(runtime.store);
      runtime.store.movePayout = (payout, plan, receipt) => {
        attempts.set(payout.payout_id, (attempts.get(payout.payout_id) ?? 0) + 1);
        return move(payout, plan, receipt);
      };
    };
    counting(app.runtime);

    // Act
    const started = performance.now();
    const answers = await Promise.all(
      ids.map((id, index) =>
        invoke(instances[index % 2]!, {
          method: 'POST',
          path: `/admin/payouts/${id}/process`,
          token: app.adminToken,
          body: { status: 'completed', transaction_id: `TX-C-${index}` },
        }),
      ),
    );
    const elapsed = performance.now() - started;

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 200));
    const numbers = answers.map((answer) => answer.json.data.payout.receipt_number as string).sort();
    expect(numbers).toEqual(
      Array.from({ length: 50 }, (_, index) => `RCPT-2026-${String(index + 1).padStart(6, '0')}`),
    );
    for (const id of ids) expect((await app.stored(id))?.receipt_number).toMatch(/^RCPT-2026-\d{6}$/);
    const sequence = await app.db.client.send(
      new GetCommand({
        TableName: app.db.tables.taxYears,
        Key: { tax_year: '2026', affiliate_id: '#receipts' },
        ConsistentRead: true,
      }),
    );
    expect(sequence.Item?.last_number).toBe(50);
    const tries = [...attempts.values()];
    console.info(
      `50 concurrent completions on 2 instances: ${elapsed.toFixed(0)} ms; instance 1 transactions per completion max ${Math.max(...tries)}, mean ${(tries.reduce((a, b) => a + b, 0) / tries.length).toFixed(2)}`,
    );
  });

  it('renders the amount, the receipt number, the transaction id and a masked destination, the same bytes every time', async () => {
    // Prepare
    const owner = owners[0]!;
    const id = await app.request(owner.user_id, 123_456);
    const done = await app.process(id, { status: 'completed', transaction_id: 'PAYPAL-5XY12345' });
    const number = done.json.data.payout.receipt_number as string;
    const token = await app.affiliateToken(owner.user_id);

    // Act
    const first = await download(app.payouts, `/payouts/${id}/receipt.pdf`, token);
    clock.tick(86_400_000);
    const again = await download(app.payouts, `/payouts/${id}/receipt.pdf`, token);
    const admin = await download(app.admin, `/admin/payouts/${id}/receipt.pdf`, app.adminToken);

    // Assess
    expect(first.status).toBe(200);
    expect(first.base64).toBe(true);
    expect(first.headers['Content-Type']).toBe('application/pdf');
    expect(first.headers['Content-Disposition']).toBe(`attachment; filename="${number}.pdf"`);
    expect(first.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(first.bytes);
    expect(text).toContain(number);
    expect(text).toContain('$1,234.56 USD');
    expect(text).toContain('PAYPAL-5XY12345');
    expect(text).toContain('r***@example.com');
    expect(text).toContain(owner.affiliate_id);
    expect(text).toContain('2026-03-02');
    expect(text.join('\n')).not.toContain('rita0@example.com');
    // WinAnsi: Ł and → have no glyph in Helvetica and become '?'; ó and é are kept.
    expect(text).toContain('Commercive ?ódz ? Café');
    expect(text).toContain('San Francisco, CA 94105');
    expect(text).not.toContain('RETURNED');
    // Same bytes: no creation or modification date (pdf-lib stamps the wall clock unless told not to), no producer.
    expect(first.bytes.toString('latin1')).not.toMatch(/CreationDate|ModDate|Producer/);
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect(admin.bytes.equals(first.bytes)).toBe(true);
  });

  it('stamps RETURNED on a returned payout and keeps its number', async () => {
    const owner = owners[1]!;
    const id = await app.request(owner.user_id, 5_000);
    const number = (await app.process(id, { status: 'completed', transaction_id: 'TX-R' })).json.data.payout
      .receipt_number;
    const returned = await app.process(id, { status: 'returned', notes: 'account closed' });
    expect(returned.json.data.payout.receipt_number).toBe(number);
    const pdf = await download(app.admin, `/admin/payouts/${id}/receipt.pdf`, app.adminToken);
    expect(pdf.status).toBe(200);
    expect(pdfText(pdf.bytes)).toEqual(expect.arrayContaining(['RETURNED', number, '$50.00 USD']));
  });

  it('answers 409 NO_RECEIPT for a payout that is not completed or returned, and 404 for another affiliate', async () => {
    const id = await app.request(owners[2]!.user_id, 5_000);
    const pending = await download(
      app.payouts,
      `/payouts/${id}/receipt.pdf`,
      await app.affiliateToken(owners[2]!.user_id),
    );
    expect(pending.status).toBe(409);
    expect(pending.json).toMatchObject({ success: false, code: 'NO_RECEIPT' });
    expect((await app.process(id, { status: 'failed' })).status).toBe(200);
    expect((await download(app.admin, `/admin/payouts/${id}/receipt.pdf`, app.adminToken)).json).toMatchObject({
      code: 'NO_RECEIPT',
    });
    expect((await app.process(id, { status: 'completed', transaction_id: 'TX-NO' })).status).toBe(409);
    const stranger = await download(
      app.payouts,
      `/payouts/${id}/receipt.pdf`,
      await app.affiliateToken(owners[3]!.user_id),
    );
    expect(stranger.status).toBe(404);
  });

  it('never gives a receipt number twice to one payout, also when the completion is sent again', async () => {
    const id = await app.request(owners[4]!.user_id, 5_000);
    const first = await app.process(id, { status: 'completed', transaction_id: 'TX-TWICE' });
    const retry = await app.process(id, { status: 'completed', transaction_id: 'TX-TWICE' });
    expect(retry.status).toBe(200);
    expect(retry.json.data.payout.receipt_number).toBe(first.json.data.payout.receipt_number);
  });
});

describe('The tax year: totals kept by the moves, the tax form gate, the export', () => {
  const clock = steppingClock(Date.parse('2026-02-01T09:00:00.000Z'));
  const people = {
    gated: affiliate('gated', { total_earned: 1_000_000 }),
    racer: affiliate('racer', { total_earned: 1_000_000 }),
    formed: affiliate('formed', { total_earned: 1_000_000 }),
    zelle: affiliate('zelle', { total_earned: 1_000_000, payment_method: 'zelle' }),
    paypal: affiliate('paypal', { total_earned: 1_000_000 }),
    late: affiliate('late', { total_earned: 1_000_000, payment_method: 'zelle' }),
    formula: { ...affiliate('formula', { total_earned: 1_000_000 }), affiliate_id: '=HYPERLINK("x")' },
  };
  let app: AdminApp;

  beforeAll(async () => {
    app = await adminApp(Object.values(people), { clock, env: paperworkEnv });
  });
  afterAll(() => app.db.drop());

  const requestAs = async (userId: string, amount: number) =>
    invoke(app.payouts, {
      method: 'POST',
      path: '/payouts/request',
      token: await app.affiliateToken(userId),
      body: { amount },
    });
  const putForm = (affiliateId: string, body: unknown, token = app.adminToken) =>
    invoke(app.admin, {
      method: 'PUT',
      path: `/admin/affiliates/${encodeURIComponent(affiliateId)}/tax-form`,
      token,
      body,
    });
  const pay = async (userId: string, amount: number, transactionId = `TX-${amount}`) => {
    const id = await app.request(userId, amount);
    expect((await app.process(id, { status: 'completed', transaction_id: transactionId })).status).toBe(200);
    return id;
  };

  it('refuses a request one cent past the threshold without a form (paid this year + pending + amount), and takes one up to it', async () => {
    // Prepare: $1,500 paid this year, $300 pending.
    await pay(people.gated.user_id, 150_000);
    expect((await requestAs(people.gated.user_id, 30_000)).status).toBe(201);

    // Act
    const over = await requestAs(people.gated.user_id, 20_001);
    const summary = await invoke(app.payouts, {
      path: '/payouts/summary',
      token: await app.affiliateToken(people.gated.user_id),
    });
    const at = await requestAs(people.gated.user_id, 20_000);
    const past = await requestAs(people.gated.user_id, 1_000);

    // Assess
    expect(over.status).toBe(403);
    expect(over.json).toMatchObject({ success: false, code: 'TAX_FORM_REQUIRED' });
    expect(over.json.message).toMatch(/\$2,000\.00/);
    expect(summary.json.data).toMatchObject({ tax_form_on_file: false, blockers: [] });
    expect(at.status).toBe(201);
    expect(past.json.code).toBe('TAX_FORM_REQUIRED');
    const blocked = await invoke(app.payouts, {
      path: '/payouts/summary',
      token: await app.affiliateToken(people.gated.user_id),
    });
    expect(blocked.json.data.blockers.map((blocker: { code: string }) => blocker.code)).toContain('TAX_FORM_REQUIRED');
    expect(await app.counters(people.gated.affiliate_id)).toMatchObject({ total_paid: 150_000, total_pending: 50_000 });
  });

  it('lets two simultaneous requests that each fit, but not together, through one at a time: exactly one 201', async () => {
    const answers = await Promise.all([
      requestAs(people.racer.user_id, 150_000),
      requestAs(people.racer.user_id, 150_000),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403]);
    expect((await app.counters(people.racer.affiliate_id)).total_pending).toBe(150_000);
  });

  it("refuses the reservation when the year's paid total rose after the read (the gate's condition check)", async () => {
    // Prepare: the gate read at $0 paid; then a completion lands before the reservation commits.
    const year = await app.runtime.store.getTaxYear('2026', people.racer.affiliate_id);
    const read = await app.runtime.store.getAffiliate(people.racer.affiliate_id);
    const stalePaid = { tax_year: '2026', paid_cents: year?.paid_cents ?? 0 };
    const pendingId = (
      await app.db.client.send(
        new QueryCommand({
          TableName: app.db.tables.payouts,
          IndexName: 'affiliate-payouts-index',
          KeyConditionExpression: 'affiliate_id = :a',
          ExpressionAttributeValues: { ':a': people.racer.affiliate_id },
        }),
      )
    ).Items?.[0]?.payout_id as string;
    expect((await app.process(pendingId, { status: 'completed', transaction_id: 'TX-RACE' })).status).toBe(200);
    const payout: Payout = {
      payout_id: 'stale-1',
      affiliate_id: people.racer.affiliate_id,
      amount: 10_000,
      currency: 'USD',
      payment_method: 'paypal',
      payment_email: 'x@example.com',
      status: 'pending',
      requested_at: clock.now().toISOString(),
      updated_at: clock.now().toISOString(),
      history: [],
    };
    const fresh = { ...read!, total_paid: 150_000, total_pending: 0 };

    // Act
    const outcome = await app.runtime.store.reservePayout(
      payout,
      reservationGuard(fresh, 10_000, { totals: stalePaid, threshold: THRESHOLD }),
    );

    // Assess
    expect(outcome).toEqual({ kind: 'tax-year-changed' });
    expect(await app.stored('stale-1')).toBeUndefined();
  });

  it('records a tax form (never a full TIN) and the gate opens', async () => {
    // Refused: a full TIN, an SSN field, a bad date, an unknown form, an affiliate's token, an unknown affiliate.
    expect(
      (await putForm(people.formed.affiliate_id, { form: 'W-9', received_on: '2026-01-15', tin_last4: '123456789' }))
        .json.code,
    ).toBe('VALIDATION_ERROR');
    expect(
      (await putForm(people.formed.affiliate_id, { form: 'W-9', received_on: '2026-01-15', ssn: '123-45-6789' }))
        .status,
    ).toBe(400);
    expect((await putForm(people.formed.affiliate_id, { form: 'W-9', received_on: '2026-02-30' })).status).toBe(400);
    expect((await putForm(people.formed.affiliate_id, { form: 'W-4', received_on: '2026-01-15' })).status).toBe(400);
    expect(
      (
        await putForm(
          people.formed.affiliate_id,
          { form: 'W-9', received_on: '2026-01-15' },
          await app.affiliateToken(people.formed.user_id),
        )
      ).status,
    ).toBe(403);
    expect((await putForm('aff-nobody', { form: 'W-9', received_on: '2026-01-15' })).json.code).toBe(
      'AFFILIATE_NOT_FOUND',
    );
    expect((await requestAs(people.formed.user_id, 300_000)).json.code).toBe('TAX_FORM_REQUIRED');

    const recorded = await putForm(people.formed.affiliate_id, {
      form: 'W-9',
      received_on: '2026-01-15',
      tin_last4: '6789',
    });
    expect(recorded.status).toBe(200);
    expect(recorded.json.data).toEqual({
      affiliate_id: people.formed.affiliate_id,
      tax_form: { form: 'W-9', received_on: '2026-01-15', tin_last4: '6789' },
    });
    const stored = await app.db.client.send(
      new GetCommand({ TableName: app.db.tables.affiliates, Key: { affiliate_id: people.formed.affiliate_id } }),
    );
    expect(stored.Item?.tax_form).toEqual({ form: 'W-9', received_on: '2026-01-15', tin_last4: '6789' });
    expect((await requestAs(people.formed.user_id, 300_000)).status).toBe(201);
  });

  it('keeps a payout completed in 2026 and returned in 2027 in 2026, and takes it back in 2027', async () => {
    clock.set('2026-12-31T23:59:00.000Z');
    const id = await pay(people.late.user_id, 7_000, 'ZELLE-LATE');
    clock.set('2027-01-01T00:01:00.000Z');
    expect((await app.process(id, { status: 'returned' })).status).toBe(200);
    const token = await app.affiliateToken(people.late.user_id);
    const y2026 = await invoke(app.payouts, { path: '/payouts/tax/2026', token });
    const y2027 = await invoke(app.payouts, { path: '/payouts/tax/2027', token });
    expect(y2026.json.data).toMatchObject({
      tax_year: '2026',
      paid_cents: 7_000,
      paid_count: 1,
      paid_other_cents: 7_000,
      paid_provider_cents: 0,
      tax_form: null,
    });
    expect(y2027.json.data).toMatchObject({
      tax_year: '2027',
      paid_cents: -7_000,
      paid_count: -1,
      paid_other_cents: -7_000,
    });
    expect((await invoke(app.payouts, { path: '/payouts/tax/2031', token })).json.data).toMatchObject({
      paid_cents: 0,
      paid_count: 0,
    });
    expect((await invoke(app.payouts, { path: '/payouts/tax/20x6', token })).status).toBe(404);
    expect((await app.stored(id))?.receipt_number).toMatch(/^RCPT-2026-/);
    // The new year numbers from 1 again.
    const next = await pay(people.late.user_id, 1_000, 'ZELLE-2027');
    expect((await app.stored(next))?.receipt_number).toBe('RCPT-2027-000001');
    clock.set('2026-06-01T00:00:00.000Z');
  });

  it('exports one row per affiliate of the year, equal to a recomputation from the payouts', async () => {
    // Prepare: $2,500 by Zelle (a 1099-NEC is due), $3,000 by PayPal (1099-K territory, not NEC), a formula-looking id.
    await putForm(people.zelle.affiliate_id, { form: 'W-9', received_on: '2026-01-10', tin_last4: '0042' });
    await pay(people.zelle.user_id, 150_000, 'Z-1');
    await pay(people.zelle.user_id, 100_000, 'Z-2');
    const failed = await app.request(people.zelle.user_id, 9_000);
    await app.process(failed, { status: 'failed' });
    await putForm(people.paypal.affiliate_id, { form: 'W-9', received_on: '2026-03-01' });
    await pay(people.paypal.user_id, 300_000, 'P-1');
    const back = await pay(people.paypal.user_id, 2_000, 'P-2');
    await app.process(back, { status: 'returned' });
    await pay(people.formula.user_id, 1_000, 'F-1');

    // Act
    const res = await app.get('/admin/tax/2026.csv');

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['Content-Disposition']).toBe('attachment; filename="tax-2026.csv"');
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual([
      'tax_year',
      'affiliate_id',
      'paid_cents',
      'paid_dollars',
      'paid_count',
      'paid_provider_cents',
      'paid_other_cents',
      'tax_form',
      'tax_form_received_on',
      'tin_last4',
      'form_1099_nec_due',
    ]);
    const expected = await recompute('2026');
    const got = rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index]])));
    expect(got.map((row) => row.affiliate_id)).toEqual(
      [...expected.keys()].sort().map((id) => (id.startsWith('=') ? `'${id}` : id)),
    );
    for (const row of got) {
      const id = row.affiliate_id!.replace(/^'/, '');
      const sums = expected.get(id)!;
      expect(
        {
          paid: Number(row.paid_cents),
          count: Number(row.paid_count),
          provider: Number(row.paid_provider_cents),
          other: Number(row.paid_other_cents),
        },
        id,
      ).toEqual(sums);
    }
    const byId = (id: string) => got.find((row) => row.affiliate_id === id)!;
    expect(byId(people.zelle.affiliate_id)).toMatchObject({
      paid_cents: '250000',
      paid_dollars: '2500.00',
      form_1099_nec_due: 'true',
      tax_form: 'W-9',
      tin_last4: '0042',
    });
    expect(byId(people.paypal.affiliate_id)).toMatchObject({
      paid_cents: '300000',
      paid_provider_cents: '300000',
      paid_other_cents: '0',
      form_1099_nec_due: 'false',
      tax_form: 'W-9',
      tax_form_received_on: '2026-03-01',
    });
    expect(byId(people.late.affiliate_id)).toMatchObject({ paid_cents: '7000', form_1099_nec_due: 'false' });
    expect(res.body).not.toContain('#receipts');
    expect((await app.get('/admin/tax/2027.csv')).body).toContain(`2027,${people.late.affiliate_id},-6000,-60.00,0,`);
    expect((await app.get('/admin/tax/26.csv')).status).toBe(404);
    expect(
      (await invoke(app.admin, { path: '/admin/tax/2026.csv', token: await app.affiliateToken(people.zelle.user_id) }))
        .status,
    ).toBe(403);
  });

  /** Per affiliate: completed minus returned, each by the year of its own move, from the payouts' histories. */
  async function recompute(year: string) {
    const sums = new Map<string, { paid: number; count: number; provider: number; other: number }>();
    for (const person of Object.values(people)) {
      const { Items = [] } = await app.db.client.send(
        new QueryCommand({
          TableName: app.db.tables.payouts,
          IndexName: 'affiliate-payouts-index',
          KeyConditionExpression: 'affiliate_id = :a',
          ExpressionAttributeValues: { ':a': person.affiliate_id },
        }),
      );
      for (const item of Items) {
        const payout = (await app.stored(item.payout_id as string)) as Payout;
        for (const change of payout.history) {
          const sign = change.to === 'completed' ? 1 : change.to === 'returned' ? -1 : 0;
          if (sign === 0 || !change.at.startsWith(year)) continue;
          const row = sums.get(payout.affiliate_id) ?? { paid: 0, count: 0, provider: 0, other: 0 };
          row.paid += sign * payout.amount;
          row.count += sign;
          if (payout.payment_method === 'paypal') row.provider += sign * payout.amount;
          else row.other += sign * payout.amount;
          sums.set(payout.affiliate_id, row);
        }
      }
    }
    return sums;
  }
});
