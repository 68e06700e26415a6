import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPayoutPage } from '../../shared/schemas/admin.ts';
import { CSV_COLUMNS } from '../../shared/usecases/csv.ts';
import { affiliate } from '../support/app.ts';
import { adminApp, steppingClock, type AdminApp } from '../support/admin.ts';
import { parseCsv } from '../support/csv.ts';

interface Made {
  id: string;
  affiliate_id: string;
  status: string;
  requested_at: string;
}

describe('Admin listing and CSV export (GET /admin/payouts, /admin/payouts/export on DynamoDB Local)', () => {
  let app: AdminApp;
  const clock = steppingClock();
  const owners = [
    affiliate('x1', { total_earned: 900_000 }),
    affiliate('x2', { total_earned: 900_000 }),
    affiliate('x3', { total_earned: 900_000 }),
  ];
  const made: Made[] = [];
  const commands: string[] = [];

  beforeAll(async () => {
    app = await adminApp(owners, { clock });
    app.runtime.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    // 15 payouts a minute apart, then 5 more at one and the same instant (ties on requested_at).
    const statuses = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'returned'] as const;
    for (let index = 0; index < 20; index += 1) {
      if (index < 16) clock.tick();
      const owner = owners[index % 3]!;
      const id = await app.request(owner.user_id, 1_000 + index);
      const status = statuses[index % statuses.length]!;
      if (status === 'processing') await app.process(id, { status });
      if (status === 'completed' || status === 'returned')
        await app.process(id, { status: 'completed', transaction_id: `TX-${index}` });
      if (status === 'returned') await app.process(id, { status: 'returned' });
      if (status === 'failed' || status === 'cancelled') await app.process(id, { status, notes: `reason ${index}` });
      made.push({ id, affiliate_id: owner.affiliate_id, status, requested_at: clock.now().toISOString() });
    }
  });
  afterAll(() => app.db.drop());

  /** Newest first, as the API promises (ties in any order). */
  const newestFirst = (rows: Made[]) => [...rows].sort((a, b) => b.requested_at.localeCompare(a.requested_at));

  async function listAll(query: Record<string, string>, limit: number) {
    const rows: { payout_id: string; requested_at: string; status: string; affiliate_id?: string }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const res = await app.get('/admin/payouts', { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const data = adminPayoutPage.parse(res.json.data);
      expect(data.count).toBe(data.payouts.length);
      expect(data.payouts.length).toBeLessThanOrEqual(limit);
      rows.push(...data.payouts);
      if (!data.next_cursor) return rows;
      cursor = data.next_cursor;
    }
    throw new Error('never ended');
  }

  const expectListing = (rows: { payout_id: string; requested_at: string }[], expected: Made[]) => {
    expect(rows.map((row) => row.payout_id).sort()).toEqual(expected.map((row) => row.id).sort());
    expect(rows.map((row) => row.requested_at)).toEqual(newestFirst(expected).map((row) => row.requested_at));
  };

  it('lists every payout of every affiliate newest first, page by page, each once, without a Scan', async () => {
    commands.length = 0;
    const rows = await listAll({}, 3);
    expectListing(rows, made);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.every((name) => name === 'QueryCommand')).toBe(true);
  });

  it.each(['pending', 'completed', 'returned'])('filters by status=%s from the status index', async (status) => {
    commands.length = 0;
    const rows = await listAll({ status }, 2);
    expectListing(
      rows,
      made.filter((row) => row.status === status),
    );
    expect(commands.every((name) => name === 'QueryCommand')).toBe(true);
  });

  it('filters by affiliate_id, and by affiliate_id and status together', async () => {
    expectListing(
      await listAll({ affiliate_id: 'aff-x2' }, 4),
      made.filter((row) => row.affiliate_id === 'aff-x2'),
    );
    expectListing(
      await listAll({ affiliate_id: 'aff-x1', status: 'completed' }, 1),
      made.filter((row) => row.affiliate_id === 'aff-x1' && row.status === 'completed'),
    );
    expect(await listAll({ affiliate_id: 'aff-nobody' }, 5)).toEqual([]);
  });

  it('filters by from/to on requested_at, both ends inclusive, with timestamps or dates', async () => {
    const from = made[3]!.requested_at;
    const to = made[9]!.requested_at;
    expectListing(
      await listAll({ from, to }, 4),
      made.filter((row) => row.requested_at >= from && row.requested_at <= to),
    );
    expectListing(
      await listAll({ status: 'pending', from }, 4),
      made.filter((row) => row.status === 'pending' && row.requested_at >= from),
    );
    expectListing(await listAll({ to: '2024-03-01' }, 50), made);
    expect(await listAll({ from: '2024-03-02' }, 50)).toEqual([]);
  });

  it.each([
    [{ from: '2024-03-02', to: '2024-03-01' }, 'VALIDATION_ERROR'],
    [{ from: 'last tuesday' }, 'VALIDATION_ERROR'],
    [{ status: 'paid' }, 'VALIDATION_ERROR'],
    [{ limit: '0' }, 'VALIDATION_ERROR'],
    [{ limit: '101' }, 'VALIDATION_ERROR'],
    [{ sort: 'asc' }, 'VALIDATION_ERROR'],
    [{ cursor: 'not-a-cursor' }, 'INVALID_CURSOR'],
  ])('answers 400 to %j', async (query, code) => {
    const res = await app.get('/admin/payouts', query);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code });
  });

  it('refuses a tampered cursor, and a cursor minted for other filters', async () => {
    // Prepare
    const pending = (await app.get('/admin/payouts', { status: 'pending', limit: '1' })).json.data
      .next_cursor as string;
    const all = (await app.get('/admin/payouts', { limit: '1' })).json.data.next_cursor as string;
    const [payload = '', signature = ''] = pending.split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    // An attacker can read a cursor and change it, but not sign it: the old signature stays on.
    const forged = `${Buffer.from(JSON.stringify({ ...decoded, filters: '0123456789abcdef' })).toString('base64url')}.${signature}`;
    const moved = `${Buffer.from(JSON.stringify({ ...decoded, position: ['2000-01-01T00:00:00.000Z', 'p-1'] })).toString('base64url')}.${signature}`;

    // Act + Assess
    for (const [query, cursor] of [
      [{ status: 'failed' }, pending],
      [{ status: 'pending', affiliate_id: 'aff-x1' }, pending],
      [{ status: 'pending' }, all],
      [{}, pending],
      [{ status: 'pending' }, forged],
      [{ status: 'pending' }, moved],
      [{ status: 'pending' }, `${pending.slice(0, -3)}A${pending.slice(-2)}`],
    ] as const) {
      const res = await app.get('/admin/payouts', { ...query, cursor });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.json.code).toBe('INVALID_CURSOR');
    }
    expect((await app.get('/admin/payouts', { status: 'pending', cursor: pending })).status).toBe(200);
  });

  describe('GET /admin/payouts/export', () => {
    it('pages the CSV with X-Next-Cursor and a Link to the next page; the pages hold every payout once', async () => {
      const rows: string[][] = [];
      let path: string | undefined = '/admin/payouts/export?limit=6';
      let pages = 0;
      while (path) {
        const url = new URL(path, 'http://x');
        const res = await app.get(url.pathname, Object.fromEntries(url.searchParams));
        expect(res.status).toBe(200);
        expect(res.headers['Content-Type']).toBe('text/csv; charset=utf-8');
        expect(res.headers['Content-Disposition']).toBe(
          `attachment; filename="payouts-${clock.now().toISOString().slice(0, 10)}.csv"`,
        );
        const [header, ...body] = parseCsv(res.body);
        expect(header).toEqual([...CSV_COLUMNS]);
        rows.push(...body);
        pages += 1;
        const next = res.headers['X-Next-Cursor'];
        const link = res.headers.Link;
        if (next) expect(link).toBe(`</admin/payouts/export?limit=6&cursor=${next}>; rel="next"`);
        else expect(link).toBeUndefined();
        path = link ? /^<([^>]+)>/.exec(link)?.[1] : undefined;
      }
      expect(pages).toBe(4);
      expect(rows.map((row) => row[0]).sort()).toEqual(made.map((row) => row.id).sort());
      expect(rows.map((row) => row[9])).toEqual(newestFirst(made).map((row) => row.requested_at));
      const completed = rows.find((row) => row[2] === 'completed')!;
      expect(completed[3]).toMatch(/^\d+$/);
      expect(completed[4]).toBe((Number(completed[3]) / 100).toFixed(2));
      expect(completed[5]).toBe('USD');
      expect(completed[11]).toBe('admin-1');
    });

    it('fills processed_by from the table when exporting one affiliate (the index does not hold it)', async () => {
      const res = await app.get('/admin/payouts/export', { affiliate_id: 'aff-x2', status: 'cancelled' });
      const [, ...rows] = parseCsv(res.body);
      expect(rows.length).toBe(
        made.filter((row) => row.affiliate_id === 'aff-x2' && row.status === 'cancelled').length,
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row[11]).toBe('admin-1');
        expect(row[12]).toMatch(/^reason \d+$/);
      }
    });

    it('escapes notes a spreadsheet would misread: comma, quote, newline, leading =', async () => {
      // Prepare
      const note = '=HYPERLINK("http://evil.example","click"), paid\nsecond "line"';
      const id = await app.request(owners[0]!.user_id, 4_321);
      await app.process(id, { status: 'failed', notes: note });

      // Act
      const res = await app.get('/admin/payouts/export', { status: 'failed', affiliate_id: 'aff-x1' });

      // Assess
      expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""click""), paid\nsecond ""line"""`);
      const row = parseCsv(res.body).find((cells) => cells[0] === id)!;
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(row[12]).toBe(`'${note}`);
      expect(row.slice(3, 5)).toEqual(['4321', '43.21']);
    });

    it('answers errors as JSON, not CSV', async () => {
      for (const query of [{ limit: '1001' }, { cursor: 'AAAA' }, { status: 'nope' }] as Record<string, string>[]) {
        const res = await app.get('/admin/payouts/export', query);
        expect(res.status).toBe(400);
        expect(res.headers['Content-Type']).toBe('application/json; charset=utf-8');
        expect(res.json.success).toBe(false);
      }
    });
  });

  it('keeps paging the pending queue while the operator moves the payouts already listed', async () => {
    // Prepare
    const queued: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      clock.tick();
      queued.push(await app.request(owners[1]!.user_id, 2_000 + index));
    }
    const range = { status: 'pending', from: clock.now().toISOString().slice(0, 10), limit: '2' };
    const seen: string[] = [];
    let cursor: string | undefined;

    // Act: process each page before asking for the next one, as an operator works the queue.
    do {
      const res = await app.get('/admin/payouts', { ...range, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      for (const payout of res.json.data.payouts) {
        seen.push(payout.payout_id);
        expect((await app.process(payout.payout_id, { status: 'processing' })).status).toBe(200);
      }
      cursor = res.json.data.next_cursor ?? undefined;
    } while (cursor);

    // Assess
    expect(seen.filter((id) => queued.includes(id))).toEqual([...queued].reverse());
    await Promise.all(queued.map((id) => app.process(id, { status: 'failed' })));
  });
});
