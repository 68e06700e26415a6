import type { Affiliate } from './affiliate.ts';
import type { Cents } from './money.ts';
import { countersOf, type PayoutStatus } from './payout.ts';
import { taxFormRoom, type TaxYearTotals } from './tax.ts';

/**
 * The balance rules, and the balance guard, in one module: what an affiliate has available, and what must still
 * hold when a reservation commits so that no interleaving of requests can overdraw it.
 */

export interface Balance {
  total_earned: Cents;
  total_paid: Cents;
  pending: Cents;
  available: Cents;
}

/** available = earned − paid − pending, never below 0 (a clawback of earnings can push the raw figure negative). */
export function availableOf(totalEarned: Cents, totalPaid: Cents, pending: Cents): Cents {
  return Math.max(0, totalEarned - totalPaid - pending);
}

export function balanceOf(totalEarned: Cents, totalPaid: Cents, pending: Cents): Balance {
  return {
    total_earned: totalEarned,
    total_paid: totalPaid,
    pending,
    available: availableOf(totalEarned, totalPaid, pending),
  };
}

/**
 * The balance guard: what the affiliate's counters must still satisfy when a reservation of `amount` commits.
 * earned may only have risen and paid only fallen since the read, and pending may have grown (other requests of
 * the same affiliate) only while it stays within earned − paid − amount as read. Together they keep
 * paid + pending + amount ≤ earned at commit. The store turns this into a condition expression, nothing more.
 */
export interface ReservationGuard {
  earnedAtLeast: Cents;
  paidAtMost: Cents;
  pendingAtMost: Cents;
  /**
   * The tax form gate, when no form is on file: the year's paid total may not have risen since the read, and
   * pendingAtMost is also bounded by threshold − paid this year − amount. Together: paid this year + pending +
   * amount ≤ threshold at commit.
   */
  taxYear?: { year: string; paidAtMost: Cents };
}

/** The tax form gate as read: the year's totals and the threshold (see shared/domain/tax.ts). */
export interface TaxGate {
  totals: Pick<TaxYearTotals, 'tax_year' | 'paid_cents'>;
  threshold: Cents;
}

export function reservationGuard(affiliate: Affiliate, amount: Cents, gate?: TaxGate): ReservationGuard {
  // A guard of "pending unchanged" made concurrent requests of one affiliate retry each other for nothing.
  const balanceBound = affiliate.total_earned - affiliate.total_paid - amount;
  const room = gate ? taxFormRoom(affiliate.tax_form, gate.totals.paid_cents, gate.threshold) : undefined;
  return {
    earnedAtLeast: affiliate.total_earned,
    paidAtMost: affiliate.total_paid,
    pendingAtMost: room === undefined ? balanceBound : Math.min(balanceBound, room - amount),
    ...(gate && room !== undefined
      ? { taxYear: { year: gate.totals.tax_year, paidAtMost: gate.totals.paid_cents } }
      : {}),
  };
}

/** Whether a request of `amount` passes the tax form gate on the figures as read (the guard re-checks it at commit). */
export function passesTaxGate(affiliate: Affiliate, amount: Cents, gate: TaxGate): boolean {
  const room = taxFormRoom(affiliate.tax_form, gate.totals.paid_cents, gate.threshold);
  return room === undefined || affiliate.total_pending + amount <= room;
}

/** Recomputes paid and pending from the payouts themselves (the reporting path, and what reconciliation checks). */
export function sumPayouts(payouts: Iterable<{ status: PayoutStatus; amount: Cents }>): {
  paid: Cents;
  pending: Cents;
} {
  let paid = 0;
  let pending = 0;
  for (const payout of payouts) {
    const counts = countersOf(payout.status, payout.amount);
    paid += counts.paid;
    pending += counts.pending;
  }
  return { paid, pending };
}

/** The minimum payout for a tier: the tier's entry, or the default when the tier is missing or unknown. */
export function minimumPayoutFor(
  tier: string | undefined,
  tierMinimums: Readonly<Record<string, number>>,
  defaultMinimum: Cents,
): Cents {
  return (tier !== undefined && Object.hasOwn(tierMinimums, tier) ? tierMinimums[tier] : undefined) ?? defaultMinimum;
}
