import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors.ts';
import {
  counterDelta,
  PAYOUT_STATUSES,
  planMove,
  TRANSITIONS,
  type Payout,
  type PayoutStatus,
} from '../../shared/domain/payout.ts';
import { adminListQuery, bulkBody, exportQuery, PROCESS_STATUSES, processBody } from '../../shared/schemas/admin.ts';

const payout = (status: PayoutStatus, transaction_id?: string): Payout => ({
  payout_id: 'p-1',
  affiliate_id: 'aff-1',
  amount: 5_000,
  currency: 'USD',
  payment_method: 'paypal',
  payment_email: 'a@example.com',
  status,
  requested_at: '2024-03-01T09:00:00.000Z',
  updated_at: '2024-03-01T09:00:00.000Z',
  history: [],
  ...(transaction_id ? { transaction_id } : {}),
});

describe('Function: planMove', () => {
  const at = '2024-03-02T10:00:00.000Z';
  const admin = { kind: 'admin', id: 'ops-1' } as const;
  const pairs = PAYOUT_STATUSES.flatMap((from) => PROCESS_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s by an admin follows the lifecycle table', (from, to) => {
    // Act
    const act = () => planMove(payout(from, 'TX-1'), { to, by: admin, transactionId: 'TX-1' }, at);

    // Assess
    if (from === to) expect(act()).toEqual({ kind: 'already-done' });
    else if (TRANSITIONS[from].includes(to))
      expect(act()).toMatchObject({ kind: 'move', from, to, delta: counterDelta(from, to, 5_000) });
    else expect(act).toThrow(new ConflictError('INVALID_TRANSITION', `Cannot move a payout from ${from} to ${to}.`));
  });

  it('answers the same completion with another transaction_id with a 409, not a retry', () => {
    expect(() =>
      planMove(payout('completed', 'TX-1'), { to: 'completed', by: admin, transactionId: 'TX-2' }, at),
    ).toThrow(ConflictError);
    expect(planMove(payout('completed', 'TX-1'), { to: 'completed', by: admin, transactionId: 'TX-1' }, at)).toEqual({
      kind: 'already-done',
    });
  });

  it('stamps an admin move with who and when, and keeps the note and transaction id', () => {
    const plan = planMove(payout('pending'), { to: 'completed', by: admin, transactionId: 'TX-9', note: 'wire' }, at);
    expect(plan).toEqual({
      kind: 'move',
      from: 'pending',
      to: 'completed',
      delta: { pending: -5_000, paid: 5_000 },
      change: { at, by: 'ops-1', from: 'pending', to: 'completed', note: 'wire' },
      set: { processed_at: at, processed_by: 'ops-1', transaction_id: 'TX-9', notes: 'wire' },
      taxYear: { year: at.slice(0, 4), paid: 5_000, count: 1, channel: 'provider' },
      receiptYear: at.slice(0, 4),
      // Issue 13: paying a pending payout commits only while the affiliate is not flagged for a shared destination.
      requires: { affiliateNotFlagged: true },
    });
  });

  it('lets an affiliate cancel a pending payout and nothing else', () => {
    const affiliate = { kind: 'affiliate', id: 'user-1' } as const;
    expect(planMove(payout('pending'), { to: 'cancelled', by: affiliate }, at)).toMatchObject({
      kind: 'move',
      change: { by: 'user-1', note: 'cancelled by affiliate' },
      set: {},
    });
    expect(planMove(payout('cancelled'), { to: 'cancelled', by: affiliate }, at)).toEqual({ kind: 'already-done' });
    expect(() => planMove(payout('processing'), { to: 'cancelled', by: affiliate }, at)).toThrow(
      new ConflictError(
        'PAYOUT_NOT_CANCELLABLE',
        'Only a pending payout can be cancelled; this one is processing (move processing -> cancelled is not allowed).',
      ),
    );
    expect(() => planMove(payout('pending'), { to: 'completed', by: affiliate }, at)).toThrow(ConflictError);
  });

  it('a payout paid through a provider is returned only by the provider: by hand -> 409 PROVIDER_PAID', () => {
    const history = (by: string) => [
      { at, by: 'user-1', from: null, to: 'pending' as const },
      { at, by: 'ops-1', from: 'pending' as const, to: 'processing' as const },
      { at, by, from: 'processing' as const, to: 'completed' as const },
    ];
    const paid = {
      ...payout('completed', 'tr_1'),
      history: history('provider:stripe'),
      payment_method: 'stripe' as const,
    };
    expect(() => planMove(paid, { to: 'returned', by: admin }, at)).toThrow(
      expect.objectContaining({
        code: 'PROVIDER_PAID',
        message: expect.stringMatching(/^This payout was paid through Stripe/),
      }),
    );
    // The provider's own reversal goes through; a payout completed by hand is returned by hand as before.
    expect(planMove(paid, { to: 'returned', by: { kind: 'provider', id: 'provider:stripe' } }, at)).toMatchObject({
      kind: 'move',
      to: 'returned',
    });
    const byHand = { ...payout('completed', 'ZELLE-1'), history: history('ops-1') };
    expect(planMove(byHand, { to: 'returned', by: admin }, at)).toMatchObject({ kind: 'move', to: 'returned' });
  });
});

describe('Schema: processBody', () => {
  it.each([
    [{ status: 'completed', transaction_id: 'PP-1', notes: 'ok' }, true],
    [{ status: 'cancelled' }, true],
    [{ status: 'pending' }, false],
    [{ status: 'paid' }, false],
    [{}, false],
    [{ status: 'failed', extra: 1 }, false],
    [{ status: 'completed', transaction_id: '' }, false],
    [{ status: 'completed', transaction_id: 'x'.repeat(129) }, false],
    [{ status: 'completed', transaction_id: 'x'.repeat(128) }, true],
    [{ status: 'completed', transaction_id: 'a\u0000b' }, false],
    [{ status: 'failed', notes: 'n'.repeat(1001) }, false],
    [{ status: 'failed', notes: 'line\nbreak, "quote"' }, true],
  ])('%j valid: %s', (body, valid) => {
    expect(processBody.safeParse(body).success).toBe(valid);
  });
});

describe('Schema: bulkBody', () => {
  it('takes items or payouts, one of them, 1 to 100 entries', () => {
    expect(bulkBody.parse({ items: [{}] })).toHaveLength(1);
    expect(bulkBody.parse({ payouts: [{}, {}] })).toHaveLength(2);
    expect(bulkBody.safeParse({ items: [{}], payouts: [{}] }).success).toBe(false);
    expect(bulkBody.safeParse({}).success).toBe(false);
    expect(bulkBody.safeParse({ items: [] }).success).toBe(false);
    expect(bulkBody.safeParse({ items: Array(101).fill({}) }).success).toBe(false);
    expect(bulkBody.safeParse({ items: Array(100).fill({}) }).success).toBe(true);
    expect(bulkBody.safeParse({ items: [{}], other: 1 }).success).toBe(false);
  });
});

describe('Schema: adminListQuery', () => {
  it('normalizes dates and timestamps to UTC; a date as `to` covers the whole day', () => {
    expect(adminListQuery.parse({ from: '2024-03-01', to: '2024-03-02' })).toEqual({
      from: '2024-03-01T00:00:00.000Z',
      to: '2024-03-02T23:59:59.999Z',
      limit: 50,
    });
    expect(adminListQuery.parse({ from: '2024-03-01T12:00:00+02:00' }).from).toBe('2024-03-01T10:00:00.000Z');
  });

  it.each([
    [{ from: '2024-02-30' }],
    [{ from: 'yesterday' }],
    [{ from: '2024-03-01T12:00:00' }],
    [{ from: '2024-03-02', to: '2024-03-01' }],
    [{ status: 'paid' }],
    [{ limit: '0' }],
    [{ limit: '101' }],
    [{ limit: '2.5' }],
    [{ page: '2' }],
  ])('refuses %j', (query) => {
    expect(adminListQuery.safeParse(query).success).toBe(false);
  });

  it('lets the export ask for up to 1000 rows, 1000 by default', () => {
    expect(exportQuery.parse({}).limit).toBe(1000);
    expect(exportQuery.safeParse({ limit: '1000' }).success).toBe(true);
    expect(exportQuery.safeParse({ limit: '1001' }).success).toBe(false);
    expect(adminListQuery.parse({}).limit).toBe(50);
  });
});
