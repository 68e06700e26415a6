import { describe, expect, it } from 'vitest';
import { availableOf, balanceOf, minimumPayoutFor, sumPayouts } from '../../shared/domain/balance.ts';
import { describeCents, formatDollars } from '../../shared/domain/money.ts';
import { canTransition, counterDelta, PAYOUT_STATUSES, TRANSITIONS } from '../../shared/domain/payout.ts';
import { DEFAULT_TIER_MINIMUMS } from '../../shared/config.ts';

describe('Module: money', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [100, '1.00'],
    [123456, '1234.56'],
    [-5, '-0.05'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('formats %i cents as %s dollars exactly', (cents, dollars) => {
    expect(formatDollars(cents)).toBe(dollars);
  });

  it('describes cents for sentences with thousands separators', () => {
    expect(describeCents(100_000)).toBe('$1,000.00');
    expect(describeCents(1_000)).toBe('$10.00');
  });
});

describe('Module: balance', () => {
  it('computes available = earned - paid - pending', () => {
    expect(balanceOf(50_000, 30_000, 5_000)).toEqual({
      total_earned: 50_000,
      total_paid: 30_000,
      pending: 5_000,
      available: 15_000,
    });
  });

  it('never reports a negative available balance (earnings clawed back)', () => {
    expect(availableOf(1_000, 2_000, 0)).toBe(0);
  });

  it('sums paid from completed and pending from pending + processing payouts only', () => {
    const sums = sumPayouts([
      { status: 'pending', amount: 100 },
      { status: 'processing', amount: 200 },
      { status: 'completed', amount: 400 },
      { status: 'failed', amount: 800 },
      { status: 'cancelled', amount: 1_600 },
      { status: 'returned', amount: 3_200 },
    ]);
    expect(sums).toEqual({ pending: 300, paid: 400 });
  });

  it.each([
    ['tier1', 5_000],
    ['tier2', 10_000],
    ['tier3', 100_000],
    ['tier4', 20_000],
    ['tier9', 1_000],
    [undefined, 1_000],
    ['__proto__', 1_000],
  ])('minimum payout for tier %s is %i cents', (tier, minimum) => {
    expect(minimumPayoutFor(tier, DEFAULT_TIER_MINIMUMS, 1_000)).toBe(minimum);
  });
});

describe('Module: payout lifecycle', () => {
  const legal: [string, string][] = [
    ['pending', 'processing'],
    ['pending', 'completed'],
    ['pending', 'failed'],
    ['pending', 'cancelled'],
    ['processing', 'completed'],
    ['processing', 'failed'],
    ['completed', 'returned'],
  ];

  it('allows exactly the documented moves', () => {
    const allowed = PAYOUT_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => [from, to]));
    expect(allowed.sort()).toEqual([...legal].sort());
    for (const from of PAYOUT_STATUSES) {
      for (const to of PAYOUT_STATUSES) {
        expect(canTransition(from, to)).toBe(legal.some(([a, b]) => a === from && b === to));
      }
    }
  });

  it.each([
    ['pending', 'processing', { pending: 0, paid: 0 }],
    ['pending', 'completed', { pending: -500, paid: 500 }],
    ['processing', 'completed', { pending: -500, paid: 500 }],
    ['pending', 'failed', { pending: -500, paid: 0 }],
    ['processing', 'failed', { pending: -500, paid: 0 }],
    ['pending', 'cancelled', { pending: -500, paid: 0 }],
    ['completed', 'returned', { pending: 0, paid: -500 }],
  ] as const)('%s -> %s moves the counters by %o', (from, to, delta) => {
    expect(counterDelta(from, to, 500)).toEqual(delta);
  });
});
