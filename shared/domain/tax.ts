import type { Cents } from './money.ts';

/**
 * The tax year: receipt numbers, the year-to-date totals a completion or a return moves, the tax form gate and
 * the 1099-NEC reading. No AWS here: the store only writes down what these functions decide.
 */

export const TAX_FORMS = ['W-9', 'W-8BEN', 'W-8BEN-E'] as const;
export type TaxFormKind = (typeof TAX_FORMS)[number];

/** The tax form an admin recorded for an affiliate. Never a full TIN: at most its last four digits. */
export interface TaxForm {
  form: TaxFormKind;
  /** YYYY-MM-DD */
  received_on: string;
  tin_last4?: string;
}

/**
 * Methods whose payments a third-party settlement organization reports on Form 1099-K (PayPal, Stripe): the payer
 * does not report them on 1099-NEC. Everything else (Zelle, a bank transfer, a check) is the payer's to report.
 */
const THIRD_PARTY_SETTLEMENT: ReadonlySet<string> = new Set(['paypal', 'stripe']);

export type PaidChannel = 'provider' | 'other';

export function channelOf(paymentMethod: string): PaidChannel {
  return THIRD_PARTY_SETTLEMENT.has(paymentMethod) ? 'provider' : 'other';
}

/** The calendar year (UTC) of an ISO-8601 UTC timestamp, as the tax year table keys it: "2026". */
export function taxYearOf(at: string): string {
  return at.slice(0, 4);
}

/** What a move does to the affiliate's totals of one tax year (the year of the move's date). */
export interface TaxYearEffect {
  year: string;
  paid: Cents;
  count: number;
  channel: PaidChannel;
}

/**
 * A completion adds the amount to the year it completes in; a return takes it off the year it is returned in (so a
 * payout completed in 2026 and returned in 2027 stays in 2026 and is a negative line in 2027). Undefined when
 * the move pays nothing out and takes nothing back.
 * @example taxYearEffect(500, 'zelle', '2026-03-01T00:00:00.000Z') // { year: '2026', paid: 500, count: 1, channel: 'other' }
 */
export function taxYearEffect(paidDelta: Cents, paymentMethod: string, at: string): TaxYearEffect | undefined {
  if (paidDelta === 0) return undefined;
  return { year: taxYearOf(at), paid: paidDelta, count: Math.sign(paidDelta), channel: channelOf(paymentMethod) };
}

/** An affiliate's totals for one tax year, as kept by the completing and returning transactions. */
export interface TaxYearTotals {
  tax_year: string;
  affiliate_id: string;
  paid_cents: Cents;
  paid_count: number;
  paid_provider_cents: Cents;
  paid_other_cents: Cents;
}

export function emptyTotals(year: string, affiliateId: string): TaxYearTotals {
  return {
    tax_year: year,
    affiliate_id: affiliateId,
    paid_cents: 0,
    paid_count: 0,
    paid_provider_cents: 0,
    paid_other_cents: 0,
  };
}

/** A receipt number: sequential per calendar year, six digits. @example receiptNumber('2026', 1) // 'RCPT-2026-000001' */
export function receiptNumber(year: string, n: number): string {
  return `RCPT-${year}-${String(n).padStart(6, '0')}`;
}

/**
 * The claim a completing transaction makes on the year's sequence: the last number given out was `last` (as read,
 * 0 when none yet), so this payout takes `last + 1`. The transaction holds only while no one else took it first.
 */
export interface ReceiptClaim {
  year: string;
  last: number;
  number: string;
}

export function claimReceipt(year: string, last: number): ReceiptClaim {
  return { year, last, number: receiptNumber(year, last + 1) };
}

/**
 * The tax form gate: without a form on file, a payout may not take the affiliate's paid-this-year plus pending past
 * the threshold. The room left for new pending money (threshold − paid this year), or undefined when no gate applies.
 */
export function taxFormRoom(form: TaxForm | undefined, paidThisYear: Cents, threshold: Cents): Cents | undefined {
  return form === undefined ? threshold - paidThisYear : undefined;
}

/**
 * Whether the payer owes a Form 1099-NEC for the year: what it paid outside third-party settlement organizations
 * reaches the threshold (IRC §6041(a): payments "of $2,000 or more" after 2025, $600 before), to a payee not
 * documented as foreign (a W-8BEN or W-8BEN-E payee is reported on Form 1042-S, if at all, never on a 1099-NEC).
 */
export function form1099NecDue(
  totals: Pick<TaxYearTotals, 'paid_other_cents'>,
  threshold: Cents,
  form: TaxForm | undefined,
): boolean {
  return totals.paid_other_cents >= threshold && !form?.form.startsWith('W-8');
}
