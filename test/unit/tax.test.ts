import { describe, expect, it } from 'vitest';
import { reservationGuard, passesTaxGate } from '../../shared/domain/balance.ts';
import { planMove, type Payout } from '../../shared/domain/payout.ts';
import { claimReceipt, form1099NecDue, receiptNumber, taxYearEffect } from '../../shared/domain/tax.ts';
import { maskDestination } from '../../shared/usecases/receipt.ts';

const payout = (status: Payout['status'], method: Payout['payment_method'] = 'zelle'): Payout => ({
  payout_id: 'p-1',
  affiliate_id: 'aff-1',
  amount: 5_000,
  currency: 'USD',
  payment_method: method,
  payment_email: 'a@example.com',
  status,
  requested_at: '2026-03-01T09:00:00.000Z',
  updated_at: '2026-03-01T09:00:00.000Z',
  history: [],
});
const admin = { kind: 'admin', id: 'ops-1' } as const;
const affiliate = {
  affiliate_id: 'aff-1',
  user_id: 'u',
  status: 'active',
  total_earned: 1_000_000,
  total_paid: 0,
  total_pending: 30_000,
  payout_count: 1,
};

describe('Module: tax', () => {
  it('numbers receipts per year with six digits', () => {
    expect(receiptNumber('2026', 1)).toBe('RCPT-2026-000001');
    expect(claimReceipt('2027', 41)).toEqual({ year: '2027', last: 41, number: 'RCPT-2027-000042' });
  });

  it('puts a completion in the year it completes and a return in the year it is returned, by channel', () => {
    const done = planMove(
      payout('pending'),
      { to: 'completed', by: admin, transactionId: 'T' },
      '2026-12-31T23:59:59.000Z',
    );
    expect(done).toMatchObject({
      taxYear: { year: '2026', paid: 5_000, count: 1, channel: 'other' },
      receiptYear: '2026',
    });
    const back = planMove(
      { ...payout('completed', 'paypal'), receipt_number: 'RCPT-2026-000001' },
      { to: 'returned', by: admin },
      '2027-01-01T00:00:00.000Z',
    );
    expect(back).toMatchObject({ taxYear: { year: '2027', paid: -5_000, count: -1, channel: 'provider' } });
    expect(back).not.toHaveProperty('receiptYear');
    expect(planMove(payout('pending'), { to: 'failed', by: admin }, '2026-01-01T00:00:00.000Z')).not.toHaveProperty(
      'taxYear',
    );
    expect(taxYearEffect(0, 'paypal', '2026-01-01')).toBeUndefined();
  });

  it('gates paid this year + pending + amount at the threshold, and bounds pending by it in the guard', () => {
    const gate = { totals: { tax_year: '2026', paid_cents: 150_000 }, threshold: 200_000 };
    expect(passesTaxGate(affiliate, 20_000, gate)).toBe(true);
    expect(passesTaxGate(affiliate, 20_001, gate)).toBe(false);
    expect(reservationGuard(affiliate, 20_000, gate)).toEqual({
      earnedAtLeast: 1_000_000,
      paidAtMost: 0,
      pendingAtMost: 30_000,
      taxYear: { year: '2026', paidAtMost: 150_000 },
    });
    const withForm = { ...affiliate, tax_form: { form: 'W-9' as const, received_on: '2026-01-01' } };
    expect(passesTaxGate(withForm, 900_000, gate)).toBe(true);
    expect(reservationGuard(withForm, 20_000, gate)).toEqual({
      earnedAtLeast: 1_000_000,
      paidAtMost: 0,
      pendingAtMost: 980_000,
    });
  });

  it('reads a 1099-NEC as due when what was paid outside PayPal/Stripe reaches the threshold, and not to a foreign payee', () => {
    expect(form1099NecDue({ paid_other_cents: 200_000 }, 200_000, undefined)).toBe(true);
    expect(form1099NecDue({ paid_other_cents: 199_999 }, 200_000, undefined)).toBe(false);
    expect(form1099NecDue({ paid_other_cents: 500_000 }, 200_000, { form: 'W-8BEN', received_on: '2026-01-01' })).toBe(
      false,
    );
  });

  it('masks a destination to its first character and domain', () => {
    expect(maskDestination('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskDestination('+15551234567')).toBe('+***');
  });
});
