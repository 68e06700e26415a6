import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors.ts';
import { PAYOUT_STATUSES, TRANSITIONS, type Payout, type PayoutStatus } from '../../shared/domain/payout.ts';
import { adminListQuery, bulkBody, exportQuery, PROCESS_STATUSES, processBody } from '../../shared/schemas/admin.ts';
import { decide } from '../../shared/usecases/admin-payouts.ts';

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

describe('Function: decide', () => {
  const pairs = PAYOUT_STATUSES.flatMap((from) => PROCESS_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s follows the lifecycle table', (from, to) => {
    // Prepare
    const body = { status: to, transaction_id: 'TX-1' };

    // Act
    const act = () => decide(payout(from, 'TX-1'), body);

    // Assess
    if (from === to) expect(act()).toEqual({ kind: 'retry' });
    else if (TRANSITIONS[from].includes(to)) expect(act()).toEqual({ kind: 'move' });
    else expect(act).toThrow(new ConflictError('INVALID_TRANSITION', `Cannot move a payout from ${from} to ${to}.`));
  });

  it('answers the same completion with another transaction_id with a 409, not a retry', () => {
    expect(() => decide(payout('completed', 'TX-1'), { status: 'completed', transaction_id: 'TX-2' })).toThrow(ConflictError);
    expect(decide(payout('completed', 'TX-1'), { status: 'completed', transaction_id: 'TX-1' })).toEqual({ kind: 'retry' });
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
