import { describe, expect, it } from 'vitest';
import { blockersOf } from '../../shared/domain/blockers.ts';
import { ConflictError } from '../../shared/domain/errors.ts';
import { planMove, type Payout } from '../../shared/domain/payout.ts';
import { decideScheduled, isoWeek, nextDueDate, periodOf } from '../../shared/domain/schedule.ts';
import { claimKeys, destinationChanged } from '../../shared/domain/settings.ts';
import { statusReason } from '../../shared/domain/status-reason.ts';

const payout = (overrides: Partial<Payout> = {}): Payout => ({
  payout_id: 'p-1',
  affiliate_id: 'aff-1',
  amount: 5_000,
  currency: 'USD',
  payment_method: 'paypal',
  payment_email: 'a@example.com',
  status: 'pending',
  requested_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
  history: [],
  ...overrides,
});
const admin = { kind: 'admin', id: 'ops' } as const;

describe('Function: schedule periods and due days', () => {
  it.each([
    ['2026-12-07T00:00:00Z', '2026-W50'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2027-01-04T00:00:00Z', '2027-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
  ])('ISO week of %s is %s', (at, week) => expect(isoWeek(new Date(at))).toBe(week));

  it('monthly periods are months; the next due date is strictly after today', () => {
    expect(periodOf('monthly', new Date('2027-01-01T00:00:00Z'))).toBe('2027-01');
    expect(nextDueDate('weekly', new Date('2026-12-07T10:00:00Z'))).toBe('2026-12-14');
    expect(nextDueDate('weekly', new Date('2026-12-03T10:00:00Z'))).toBe('2026-12-07');
    expect(nextDueDate('weekly', new Date('2026-12-06T10:00:00Z'))).toBe('2026-12-07');
    expect(nextDueDate('monthly', new Date('2026-12-31T10:00:00Z'))).toBe('2027-01-01');
  });

  const base = { status: 'active', schedule: 'weekly' as const, available: 10_000, minimum: 5_000 };
  const monday = new Date('2026-12-07T00:00:00Z');
  it.each([
    [{}, monday, { kind: 'request', period: '2026-W50' }],
    [{}, new Date('2026-12-08T00:00:00Z'), { kind: 'skip', reason: 'NOT_DUE' }],
    [{ status: 'suspended' }, monday, { kind: 'skip', reason: 'AFFILIATE_INACTIVE' }],
    [{ available: 4_999 }, monday, { kind: 'skip', reason: 'BELOW_AUTO_MINIMUM' }],
    [{ cooldown_until: '2026-12-08T00:00:00.000Z' }, monday, { kind: 'skip', reason: 'PAYOUT_METHOD_COOLDOWN' }],
    // Held by a cool-down on Monday, requested by the first run after it ended, in the same week only.
    [
      { cooldown_until: '2026-12-08T00:00:00.000Z' },
      new Date('2026-12-09T00:00:00Z'),
      { kind: 'request', period: '2026-W50' },
    ],
    [
      { cooldown_until: '2026-12-08T00:00:00.000Z' },
      new Date('2026-12-15T00:00:00Z'),
      { kind: 'skip', reason: 'NOT_DUE' },
    ],
  ])('decides %j at %s', (overrides, at, expected) => {
    expect(decideScheduled({ ...base, ...overrides }, at, at)).toEqual(expected);
  });

  it('measures the cool-down against the real time: a catch-up run for a past Monday requests once it has ended', () => {
    const cooled = { ...base, cooldown_until: '2026-12-08T00:00:00.000Z' };
    expect(decideScheduled(cooled, monday, new Date('2026-12-07T12:00:00Z'))).toMatchObject({
      reason: 'PAYOUT_METHOD_COOLDOWN',
    });
    expect(decideScheduled(cooled, monday, new Date('2026-12-10T12:00:00Z'))).toEqual({
      kind: 'request',
      period: '2026-W50',
    });
  });
});

describe('Function: destinations', () => {
  it('normalizes e-mails for claims and changes; a method change is a change', () => {
    expect(claimKeys({ payment_email: ' Ann@Example.com ', stripe_account_id: 'acct_1' })).toEqual([
      'dest#email#ann@example.com',
      'dest#stripe#acct_1',
    ]);
    expect(destinationChanged({ payment_email: 'a@x.com' }, { payment_email: 'A@X.com' })).toBe(false);
    expect(destinationChanged({ payment_method: 'paypal' }, { payment_method: 'zelle' })).toBe(true);
  });
});

describe('Function: planMove for future-dated and flagged payouts', () => {
  it('refuses to send or complete before scheduled_for, and keeps the date as a condition on the day', () => {
    const future = payout({ scheduled_for: '2026-12-24' });
    expect(() => planMove(future, { to: 'processing', by: admin }, '2026-12-23T23:59:59.000Z')).toThrow(ConflictError);
    expect(
      planMove(future, { to: 'completed', by: admin, transactionId: 'T' }, '2026-12-24T00:00:00.000Z'),
    ).toMatchObject({
      requires: { affiliateNotFlagged: true, dueOn: '2026-12-24' },
    });
    // Cancelling is never held back.
    expect(planMove(future, { to: 'cancelled', by: admin }, '2026-12-01T00:00:00.000Z')).not.toHaveProperty('requires');
  });

  it('drops the flag condition only with the admin confirmation', () => {
    const plan = planMove(
      payout(),
      { to: 'processing', by: admin, confirmDuplicateDestination: true },
      '2026-12-01T00:00:00.000Z',
    );
    expect(plan).not.toHaveProperty('requires');
  });
});

describe('Function: statusReason', () => {
  const today = '2026-12-03';
  it.each([
    [payout({ scheduled_for: '2026-12-24' }), /^Scheduled for 2026-12-24/],
    [payout({ scheduled_for: '2026-12-03' }), /^Waiting for review/],
    [payout({ flags: ['DUPLICATE_PAYOUT_DESTINATION'] }), /^Under review/],
    [payout({ status: 'processing' }), /^Sent to PayPal/],
    [payout({ status: 'processing', payment_method: 'zelle' }), /^Being paid by hand/],
    [
      payout({ status: 'processing', status_reason: 'PayPal: the recipient has not claimed it yet' }),
      /^PayPal: the recipient/,
    ],
    [payout({ status: 'failed' }), /did not go through/],
  ])('explains %#', (input, pattern) => expect(statusReason(input, today)).toMatch(pattern));

  it('says nothing for a final payout', () => {
    expect(statusReason(payout({ status: 'cancelled' }), today)).toBeUndefined();
    expect(statusReason(payout({ status: 'returned' }), today)).toBeUndefined();
  });
});

describe('Function: blockersOf', () => {
  const affiliate = {
    affiliate_id: 'a',
    user_id: 'u',
    status: 'active',
    total_earned: 0,
    total_paid: 0,
    total_pending: 0,
    payout_count: 0,
    payment_method: 'stripe',
  };
  const balance = { total_earned: 1_000, total_paid: 0, pending: 0, available: 1_000 };
  it('stripe without an account is no payout method; below the minimum names what is left to earn', () => {
    const blockers = blockersOf(affiliate, balance, 5_000, new Date(), { taxFormNeeded: false, threshold: 0 });
    expect(blockers.map((blocker) => blocker.code)).toEqual(['NO_PAYOUT_METHOD', 'BELOW_MINIMUM']);
    expect(blockers[1]).toMatchObject({ amount_to_earn: 4_000, minimum: 5_000 });
  });
});
