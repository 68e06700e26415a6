import { describe, expect, it } from 'vitest';
import { centsToDecimal, decimalToCents, idempotencyKeyOf, providerOf } from '../../shared/domain/attempt.ts';
import {
  intentFor,
  observePaypalEvent,
  observeStripeEvent,
  type ProviderObservation,
} from '../../shared/domain/provider-events.ts';
import type { Payout, PayoutStatus } from '../../shared/domain/payout.ts';

const payout = (status: PayoutStatus, extra: Partial<Payout> = {}): Payout => ({
  payout_id: 'p-1',
  affiliate_id: 'aff-1',
  amount: 5000,
  currency: 'USD',
  payment_method: 'paypal',
  payment_email: 'a@example.com',
  status,
  requested_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  history: [],
  ...extra,
});

const seen = (fact: ProviderObservation['fact'], amount = 5000): ProviderObservation => ({
  provider: 'paypal',
  payout_id: 'p-1',
  amount,
  reference: 'ITEM1',
  fact,
});

describe('Money for PayPal: integer arithmetic only', () => {
  it.each([
    [5000, '50.00'],
    [1, '0.01'],
    [10, '0.10'],
    [123456789, '1234567.89'],
    [0, '0.00'],
  ])('%i cents -> %s', (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
    expect(decimalToCents(text)).toBe(cents);
  });
  it('refuses what is not whole cents', () => {
    expect(() => centsToDecimal(10.5)).toThrow(RangeError);
    expect(() => centsToDecimal(-1)).toThrow(RangeError);
    expect(decimalToCents('1.005')).toBeUndefined();
    expect(decimalToCents('1e3')).toBeUndefined();
    expect(decimalToCents('50.5')).toBe(5050);
  });
  it('keys and providers', () => {
    expect(idempotencyKeyOf('p-1', 2)).toBe('payout-p-1-attempt-2');
    expect(providerOf('stripe')).toBe('stripe');
    expect(providerOf('paypal')).toBe('paypal');
    expect(providerOf('zelle')).toBeUndefined();
  });
});

describe('intentFor: what a provider observation does to a payout', () => {
  it.each<[string, PayoutStatus, ProviderObservation['fact'], string, string?]>([
    ['paid while processing completes', 'processing', { kind: 'paid', transaction_id: 'T1' }, 'move', 'completed'],
    ['the recipient failing fails it', 'processing', { kind: 'failed', code: 'X', reason: 'no' }, 'move', 'failed'],
    ['unclaimed stays processing', 'processing', { kind: 'waiting', code: 'UNCLAIMED', reason: 'not claimed' }, 'stay'],
    [
      'a full reversal after completion returns it',
      'completed',
      { kind: 'reversed', reversed: 5000 },
      'move',
      'returned',
    ],
    ['a partial reversal is flagged', 'completed', { kind: 'reversed', reversed: 100 }, 'flag'],
    ['a reversal before the payment is recorded waits', 'processing', { kind: 'reversed', reversed: 5000 }, 'defer'],
    ['a reversal of a returned payout is a no-op', 'returned', { kind: 'reversed', reversed: 5000 }, 'none'],
    ['a failure after completion is flagged', 'completed', { kind: 'failed', code: 'X', reason: 'no' }, 'flag'],
    ['a failure repeated is a no-op', 'failed', { kind: 'failed', code: 'X', reason: 'no' }, 'none'],
    [
      'paid for a failed payout is flagged (money moved after we gave it back)',
      'failed',
      { kind: 'paid', transaction_id: 'T1' },
      'flag',
    ],
    ['paid for a pending payout is flagged', 'pending', { kind: 'paid', transaction_id: 'T1' }, 'flag'],
    ['unclaimed after completion is a no-op', 'completed', { kind: 'waiting', code: 'UNCLAIMED', reason: 'x' }, 'none'],
  ])('%s', (_name, status, fact, kind, to) => {
    const intent = intentFor(payout(status), seen(fact));
    expect(intent.kind).toBe(kind);
    if (to) expect(intent).toMatchObject({ to });
  });

  it('paid again with the same transaction id is a no-op; with another one it is flagged (two payments)', () => {
    expect(
      intentFor(payout('completed', { transaction_id: 'T1' }), seen({ kind: 'paid', transaction_id: 'T1' })).kind,
    ).toBe('none');
    expect(
      intentFor(payout('completed', { transaction_id: 'T1' }), seen({ kind: 'paid', transaction_id: 'T2' })).kind,
    ).toBe('flag');
  });

  it('an unknown payout or a wrong amount is flagged, never applied', () => {
    expect(intentFor(undefined, seen({ kind: 'paid', transaction_id: 'T1' })).kind).toBe('flag');
    expect(intentFor(payout('processing'), seen({ kind: 'paid', transaction_id: 'T1' }, 4999)).kind).toBe('flag');
    expect(
      intentFor(payout('processing'), { ...seen({ kind: 'paid', transaction_id: 'T1' }), amount: undefined }).kind,
    ).toBe('flag');
  });
});

describe('Provider events as observations', () => {
  it('Stripe transfer.reversed carries amount_reversed; other types are ignored', () => {
    const transfer = {
      id: 'tr_1',
      amount: 5000,
      amount_reversed: 5000,
      currency: 'usd',
      metadata: { payout_id: 'p-1' },
    };
    expect(observeStripeEvent({ id: 'evt_1', type: 'transfer.reversed', data: { object: transfer } })).toEqual({
      provider: 'stripe',
      payout_id: 'p-1',
      amount: 5000,
      reference: 'tr_1',
      fact: { kind: 'reversed', reversed: 5000 },
    });
    expect(observeStripeEvent({ id: 'evt_2', type: 'charge.succeeded', data: { object: transfer } })).toBeUndefined();
    expect(
      observeStripeEvent({ id: 'evt_3', type: 'transfer.created', data: { object: { ...transfer, currency: 'eur' } } })
        ?.amount,
    ).toBeUndefined();
  });

  it.each([
    ['PAYMENT.PAYOUTS-ITEM.SUCCEEDED', 'paid'],
    ['PAYMENT.PAYOUTS-ITEM.FAILED', 'failed'],
    ['PAYMENT.PAYOUTS-ITEM.BLOCKED', 'failed'],
    ['PAYMENT.PAYOUTS-ITEM.DENIED', 'failed'],
    ['PAYMENT.PAYOUTS-ITEM.RETURNED', 'failed'],
    ['PAYMENT.PAYOUTS-ITEM.CANCELED', 'failed'],
    ['PAYMENT.PAYOUTS-ITEM.UNCLAIMED', 'waiting'],
    ['PAYMENT.PAYOUTS-ITEM.HELD', 'waiting'],
    ['PAYMENT.PAYOUTS-ITEM.REFUNDED', 'reversed'],
    ['PAYMENT.PAYOUTS-ITEM.REVERSED', 'reversed'],
  ])('PayPal %s -> %s', (type, kind) => {
    const resource = {
      payout_item_id: 'ITEM1',
      transaction_id: 'TX1',
      payout_item: { amount: { value: '50.00', currency: 'USD' }, receiver: 'a@example.com', sender_item_id: 'p-1' },
    };
    const observation = observePaypalEvent({ id: 'WH-1', event_type: type, resource });
    expect(observation).toMatchObject({
      provider: 'paypal',
      payout_id: 'p-1',
      amount: 5000,
      reference: 'ITEM1',
      fact: { kind },
    });
  });

  it('PayPal events of other types are ignored', () => {
    expect(observePaypalEvent({ id: 'WH-1', event_type: 'PAYMENT.SALE.COMPLETED', resource: {} })).toBeUndefined();
  });
});
