import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeCents, formatDollars } from '../../shared/domain/money.ts';
import { waves } from '../bench/pages.ts';
import { centsToInput, formatCents, parseDollars } from '../../web/lib/money.ts';

describe('Pages: dollars from cents and back, never through a float', () => {
  it('formats like the server (shared/domain/money.ts) for every safe amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cents) => {
        expect(formatCents(cents)).toBe(describeCents(cents));
        expect(centsToInput(cents)).toBe(formatDollars(cents));
      }),
    );
    expect(formatCents(-5)).toBe('-$0.05');
  });

  it('reads back what it writes, for every amount up to $10 million', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), (cents) => {
        expect(parseDollars(centsToInput(cents))).toEqual({ ok: true, cents });
        expect(parseDollars(formatCents(cents))).toEqual({ ok: true, cents });
      }),
    );
  });

  it.each([
    ['0.29', 29],
    ['1,234.5', 123_450],
    ['$50', 5_000],
    ['.5', 50],
    [' 19.99 ', 1_999],
  ])('reads %j as %i cents', (input, cents) => {
    expect(parseDollars(input)).toEqual({ ok: true, cents });
  });

  it.each([
    ['', 'Enter an amount.'],
    ['10.005', 'The amount must be in whole cents (at most two decimals).'],
    ['0', 'The amount must be greater than zero.'],
    ['-5', 'Enter the amount in dollars, like 50 or 50.25.'],
    ['1e3', 'Enter the amount in dollars, like 50 or 50.25.'],
    ['12abc', 'Enter the amount in dollars, like 50 or 50.25.'],
  ])('refuses %j: %s', (input, message) => {
    expect(parseDollars(input)).toEqual({ ok: false, message });
  });
});

describe('Bench: sequential waves of requests', () => {
  it.each([
    [[], 0],
    [
      [
        { startTime: 0, responseEnd: 10 },
        { startTime: 1, responseEnd: 12 },
      ],
      1,
    ],
    [
      [
        { startTime: 0, responseEnd: 10 },
        { startTime: 11, responseEnd: 20 },
      ],
      2,
    ],
    [
      [
        { startTime: 0, responseEnd: 10 },
        { startTime: 5, responseEnd: 30 },
        { startTime: 12, responseEnd: 20 },
      ],
      2,
    ],
  ])('%j is %i wave(s)', (timings, expected) => {
    expect(waves(timings.map((timing) => ({ name: 'x', ...timing })))).toBe(expected);
  });
});
