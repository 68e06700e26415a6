import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkResultView, reconciliationView } from '../../shared/schemas/admin.ts';
import { affiliate } from '../support/app.ts';
import { adminApp, type AdminApp } from '../support/admin.ts';
import { hookCommands } from '../support/hooks.ts';
import { invoke } from '../support/http.ts';

describe('Bulk processing and reconciliation (admin function on DynamoDB Local)', () => {
  let app: AdminApp;
  const [ann, bob, cy, dee] = [
    affiliate('ann', { total_earned: 500_000 }),
    affiliate('bob', { total_earned: 300_000 }),
    affiliate('cy', { total_earned: 200_000 }),
    affiliate('dee', { total_earned: 100_000 }),
  ];

  beforeAll(async () => {
    app = await adminApp([ann!, bob!, cy!, dee!]);
  });
  afterAll(() => app.db.drop());

  const bulk = (body: unknown, token = app.adminToken) =>
    invoke(app.admin, { method: 'POST', path: '/admin/payouts/process', token, body });

  it('answers one result per item in order; bad items fail alone, good ones are applied', async () => {
    // Prepare
    const p1 = await app.request(ann!.user_id, 10_000);
    const p2 = await app.request(ann!.user_id, 20_000);
    const p3 = await app.request(bob!.user_id, 30_000);
    const p4 = await app.request(bob!.user_id, 40_000);
    await app.process(p4, { status: 'failed' });
    const before = { ann: await app.counters(ann!.affiliate_id), bob: await app.counters(bob!.affiliate_id) };

    // Act
    const res = await bulk({
      items: [
        { payout_id: p1, status: 'completed', transaction_id: 'BATCH-1', notes: 'PayPal batch 7' },
        { payout_id: p2, status: 'completed' },
        { payout_id: p3, status: 'processing' },
        { payout_id: p4, status: 'completed', transaction_id: 'BATCH-4' },
        { payout_id: 'missing-payout', status: 'failed' },
        { payout_id: p2, status: 'paid' },
        { status: 'failed' },
        'not an object',
        { payout_id: p3, status: 'failed', extra: true },
      ],
    });

    // Assess
    expect(res.status).toBe(200);
    const data = bulkResultView.parse(res.json.data);
    expect(data.results.map((result) => [result.payout_id, result.status_code, result.code ?? null])).toEqual([
      [p1, 200, null],
      [p2, 400, 'TRANSACTION_ID_REQUIRED'],
      [p3, 200, null],
      [p4, 409, 'INVALID_TRANSITION'],
      ['missing-payout', 404, 'PAYOUT_NOT_FOUND'],
      [p2, 400, 'VALIDATION_ERROR'],
      [null, 400, 'VALIDATION_ERROR'],
      [null, 400, 'VALIDATION_ERROR'],
      [p3, 400, 'VALIDATION_ERROR'],
    ]);
    expect(data).toMatchObject({ succeeded: 2, failed: 7 });
    expect(data.results[0]?.payout).toMatchObject({
      status: 'completed',
      transaction_id: 'BATCH-1',
      processed_by: 'admin-1',
    });
    expect((await app.stored(p1))?.status).toBe('completed');
    expect((await app.stored(p2))?.status).toBe('pending');
    expect((await app.stored(p3))?.status).toBe('processing');
    expect((await app.stored(p4))?.status).toBe('failed');
    const after = { ann: await app.counters(ann!.affiliate_id), bob: await app.counters(bob!.affiliate_id) };
    expect(after.ann.total_paid - before.ann.total_paid).toBe(10_000);
    expect(after.ann.total_pending - before.ann.total_pending).toBe(-10_000);
    expect(after.bob).toEqual(before.bob);
  });

  it('runs items for the same payout one after another, in the order sent', async () => {
    // Prepare
    const id = await app.request(cy!.user_id, 15_000);

    // Act
    const res = await bulk({
      payouts: [
        { payout_id: id, status: 'processing' },
        { payout_id: id, status: 'completed', transaction_id: 'SEQ-1' },
        { payout_id: id, status: 'completed', transaction_id: 'SEQ-1' },
        { payout_id: id, status: 'returned', notes: 'bounced' },
      ],
    });

    // Assess
    const data = bulkResultView.parse(res.json.data);
    expect(data.results.map((result) => result.message)).toEqual([
      'Payout marked processing',
      'Payout completed',
      'Payout already completed',
      'Payout marked returned',
    ]);
    expect((await app.stored(id))?.history.map((change: { to: string }) => change.to)).toEqual([
      'pending',
      'processing',
      'completed',
      'returned',
    ]);
    const recon = reconciliationView.parse((await app.get(`/admin/affiliates/${cy!.affiliate_id}/balance`)).json.data);
    expect(recon.in_sync).toBe(true);
    expect(recon.counters).toMatchObject({ total_paid: 0, pending: 0, available: 200_000 });
  });

  it('processes 100 items in one request', async () => {
    // Prepare
    const ids: string[] = [];
    for (let index = 0; index < 50; index += 1) ids.push(await app.request(dee!.user_id, 1_000));

    // Act
    const res = await bulk({
      items: ids.flatMap((id, index) => [
        { payout_id: id, status: 'processing', notes: `row ${index} `.repeat(80).slice(0, 900) },
        { payout_id: id, status: index % 2 ? 'failed' : 'completed', transaction_id: `T-${index}` },
      ]),
    });

    // Assess
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ succeeded: 100, failed: 0 });
    expect(await app.counters(dee!.affiliate_id)).toEqual({ total_paid: 25_000, total_pending: 0, payout_count: 50 });
  });

  it("answers an unexpected store error as that item's 500, and still applies the other items", async () => {
    // Prepare: three payouts; DynamoDB refuses the second one's transaction with an error that is no AppError
    // (what an item grown past 400 KB would get), before it reaches the table.
    const owner = affiliate('oops', { total_earned: 100_000 });
    await app.db.seed([owner]);
    const [done, broken, failed] = [
      await app.request(owner.user_id, 10_000),
      await app.request(owner.user_id, 20_000),
      await app.request(owner.user_id, 30_000),
    ] as [string, string, string];
    const before = await app.counters(owner.affiliate_id);
    const unhook = hookCommands(app.runtime.client, async (call, send) => {
      if (
        /^(TransactWriteItems|UpdateItem|PutItem)Command$/.test(call.command) &&
        JSON.stringify(call.input).includes(broken)
      ) {
        throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
          $fault: 'client',
          $metadata: {},
        });
      }
      return send();
    });

    // Act
    const res = await bulk({
      items: [
        { payout_id: done, status: 'completed', transaction_id: 'OOPS-1' },
        { payout_id: broken, status: 'completed', transaction_id: 'OOPS-2' },
        { payout_id: failed, status: 'failed' },
      ],
    }).finally(unhook);

    // Assess
    expect(res.status).toBe(200);
    const data = bulkResultView.parse(res.json.data);
    expect(data.results.map((result) => [result.payout_id, result.status_code, result.code ?? null])).toEqual([
      [done, 200, null],
      [broken, 500, 'INTERNAL_ERROR'],
      [failed, 200, null],
    ]);
    expect(data).toMatchObject({ succeeded: 2, failed: 1 });
    expect(data.results[1]?.message).not.toMatch(/size|Validation/); // 5xx detail stays in the logs
    expect((await app.stored(done))?.status).toBe('completed');
    expect((await app.stored(broken))?.status).toBe('pending');
    expect((await app.stored(failed))?.status).toBe('failed');
    expect(await app.counters(owner.affiliate_id)).toEqual({
      total_paid: before.total_paid + 10_000,
      total_pending: before.total_pending - 40_000,
      payout_count: before.payout_count,
    });
  });

  it.each([
    ['the first item fails', 1],
    ['each of the first ten items fails', 10],
  ])('processes every item of a bulk larger than its worker pool when %s', async (_name, failing) => {
    // Prepare: 15 payouts after `failing` items that fail at once (no I/O) while the others' moves are in flight:
    // more items than BULK_CONCURRENCY (10) workers, so a worker, or the pool, that stops on a failure leaves
    // items behind (with ten failures first, every worker meets one).
    const owner = affiliate(`pool-${failing}`, { total_earned: 100_000 });
    await app.db.seed([owner]);
    const ids: string[] = [];
    for (let index = 0; index < 15; index += 1) ids.push(await app.request(owner.user_id, 1_000));
    const bad = Array.from({ length: failing }, (_, index) => ({ payout_id: ids[index], status: 'paid' }));

    // Act
    const res = await bulk({
      items: [
        ...bad,
        ...ids.map((id, index) => ({ payout_id: id, status: 'completed', transaction_id: `POOL-${index}` })),
      ],
    });

    // Assess
    expect(res.status).toBe(200);
    expect(res.json.data.results.filter((result: unknown) => result == null)).toEqual([]); // none left unprocessed
    const data = bulkResultView.parse(res.json.data);
    expect(data.results).toHaveLength(failing + 15);
    for (const result of data.results.slice(0, failing))
      expect(result).toMatchObject({ success: false, status_code: 400, code: 'VALIDATION_ERROR' });
    expect(data.results.slice(failing).map((result) => [result.payout_id, result.status_code])).toEqual(
      ids.map((id) => [id, 200]),
    );
    expect(data).toMatchObject({ succeeded: 15, failed: failing });
    for (const id of ids) expect((await app.stored(id))?.status).toBe('completed');
    expect(await app.counters(owner.affiliate_id)).toEqual({ total_paid: 15_000, total_pending: 0, payout_count: 15 });
  });

  it.each([
    ['no items', { items: [] }, 400],
    [
      '101 items',
      { items: Array.from({ length: 101 }, (_, index) => ({ payout_id: `p-${index}`, status: 'failed' })) },
      400,
    ],
    ['items and payouts', { items: [{}], payouts: [{}] }, 400],
    ['an unknown field', { items: [{}], dry_run: true }, 400],
    ['items not an array', { items: 'p-1' }, 400],
  ])('refuses a body with %s', async (_, body, status) => {
    const res = await bulk(body);
    expect(res.status).toBe(status);
    expect(res.json.success).toBe(false);
  });

  it('refuses a body over 256 KiB with 413', async () => {
    const res = await invoke(app.admin, {
      method: 'POST',
      path: '/admin/payouts/process',
      token: app.adminToken,
      headers: { 'content-type': 'application/json' },
      rawBody: JSON.stringify({ items: [{ payout_id: 'x', status: 'failed', notes: 'n'.repeat(300_000) }] }),
    });
    expect(res.status).toBe(413);
  });

  describe('GET /admin/affiliates/{affiliate_id}/balance', () => {
    it('shows zero drift after a mixed run of requests, cancels and moves', async () => {
      // Prepare: a mixed run on a fresh affiliate set.
      const mixed = [affiliate('m1', { total_earned: 90_000 }), affiliate('m2', { total_earned: 70_000 })];
      await app.db.seed(mixed);
      const ids: string[] = [];
      for (const owner of mixed)
        for (const amount of [5_000, 6_000, 7_000, 8_000, 9_000]) ids.push(await app.request(owner.user_id, amount));
      const cancel = async (index: number) =>
        invoke(app.payouts, {
          method: 'POST',
          path: `/payouts/${ids[index]}/cancel`,
          token: await app.affiliateToken(mixed[index < 5 ? 0 : 1]!.user_id),
        });
      expect((await cancel(0)).status).toBe(200);
      expect((await cancel(6)).status).toBe(200);
      await bulk({
        items: [
          { payout_id: ids[1], status: 'completed', transaction_id: 'M-1' },
          { payout_id: ids[2], status: 'processing' },
          { payout_id: ids[3], status: 'failed' },
          { payout_id: ids[0], status: 'completed', transaction_id: 'M-0' },
          { payout_id: ids[5], status: 'completed', transaction_id: 'M-5' },
          { payout_id: ids[7], status: 'cancelled' },
        ],
      });
      await app.process(ids[5]!, { status: 'returned' });
      await app.process(ids[2]!, { status: 'completed', transaction_id: 'M-2' });

      // Act
      const [first, second] = await Promise.all(
        mixed.map((owner) => app.get(`/admin/affiliates/${owner.affiliate_id}/balance`)),
      );

      // Assess
      const m1 = reconciliationView.parse(first!.json.data);
      expect(m1).toEqual({
        affiliate_id: 'aff-m1',
        counters: { total_earned: 90_000, total_paid: 13_000, pending: 9_000, available: 68_000, payout_count: 5 },
        recomputed: { total_paid: 13_000, pending: 9_000, available: 68_000, payout_count: 5 },
        drift: { total_paid: 0, pending: 0, payout_count: 0 },
        in_sync: true,
      });
      const m2 = reconciliationView.parse(second!.json.data);
      expect(m2.in_sync).toBe(true);
      expect(m2.counters).toMatchObject({ total_paid: 0, pending: 17_000, payout_count: 5 });
    });

    it('shows the drift when the counters no longer match the payouts', async () => {
      // Prepare
      const drifting = affiliate('drift', { total_earned: 50_000 });
      await app.db.seed([drifting]);
      await app.request(drifting.user_id, 10_000);
      await app.corruptCounters(drifting.affiliate_id, { total_paid: 2_500, total_pending: -1_000 });

      // Act
      const res = await app.get(`/admin/affiliates/${drifting.affiliate_id}/balance`);

      // Assess
      const data = reconciliationView.parse(res.json.data);
      expect(data.drift).toEqual({ total_paid: 2_500, pending: -1_000, payout_count: 0 });
      expect(data.in_sync).toBe(false);
      expect(data.recomputed).toEqual({ total_paid: 0, pending: 10_000, available: 40_000, payout_count: 1 });
    });

    it.each([
      ['above', 3],
      ['below', -2],
    ])('shows a payout_count drifted %s the real count while paid and pending agree', async (direction, add) => {
      // Prepare: two payouts (one paid, one pending), then only the stored count moved.
      const counted = affiliate(`count-${direction}`, { total_earned: 50_000 });
      await app.db.seed([counted]);
      const paid = await app.request(counted.user_id, 5_000);
      await app.request(counted.user_id, 6_000);
      await app.process(paid, { status: 'completed', transaction_id: `COUNT-${direction}` });
      await app.corruptCounters(counted.affiliate_id, { payout_count: add });

      // Act
      const res = await app.get(`/admin/affiliates/${counted.affiliate_id}/balance`);

      // Assess: the count is recounted from the payouts themselves, and its drift alone breaks in_sync.
      const data = reconciliationView.parse(res.json.data);
      expect(data.counters).toMatchObject({ total_paid: 5_000, pending: 6_000, payout_count: 2 + add });
      expect(data.recomputed).toEqual({ total_paid: 5_000, pending: 6_000, available: 39_000, payout_count: 2 });
      expect(data.drift).toEqual({ total_paid: 0, pending: 0, payout_count: add });
      expect(data.in_sync).toBe(false);
    });

    it('answers 404 for an unknown affiliate', async () => {
      const res = await app.get('/admin/affiliates/aff-nobody/balance');
      expect(res.status).toBe(404);
      expect(res.json.code).toBe('AFFILIATE_NOT_FOUND');
    });
  });
});
