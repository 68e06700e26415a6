import type { Affiliate } from './affiliate.ts';
import type { Balance } from './balance.ts';
import { describeCents, type Cents } from './money.ts';
import { activeCooldown, isFlaggedDuplicate } from './settings.ts';

/** One reason a payout cannot be requested (or sent) now, with what the affiliate can do about it. */
export interface Blocker {
  code: string;
  message: string;
  minimum?: Cents;
  amount_to_earn?: Cents;
  until?: string;
  amount_to_recover?: Cents;
  threshold?: Cents;
}

/**
 * "Why is my payout not moving": every blocker that holds for the affiliate as read, in the order an affiliate
 * would act on them. `balance` is the reporting balance (earned − paid − pending, before the floor at 0).
 */
export function blockersOf(
  affiliate: Affiliate,
  balance: Balance,
  minimum: Cents,
  now: Date,
  tax: { taxFormNeeded: boolean; threshold: Cents },
): Blocker[] {
  const blockers: Blocker[] = [];
  if (affiliate.status !== 'active') {
    blockers.push({
      code: 'AFFILIATE_INACTIVE',
      message: `This account is ${affiliate.status}: payouts resume once the program reactivates it.`,
    });
  }
  const method = affiliate.payment_method;
  const missingDestination = !method || (method === 'stripe' ? !affiliate.stripe_account_id : !affiliate.payment_email);
  if (missingDestination) {
    blockers.push({
      code: 'NO_PAYOUT_METHOD',
      message: 'Add a payout method (PayPal, Zelle or Stripe) and where to send the money in your payout settings.',
    });
  }
  const until = activeCooldown(affiliate, now);
  if (until !== undefined) {
    blockers.push({
      code: 'PAYOUT_METHOD_COOLDOWN',
      message: `Your payout destination changed recently: payouts are held until ${until} for your safety.`,
      until,
    });
  }
  if (isFlaggedDuplicate(affiliate)) {
    blockers.push({
      code: 'UNDER_REVIEW',
      message:
        'Your payout destination is also used by another account: your payouts are reviewed by the program before they are sent.',
    });
  }
  const raw = balance.total_earned - balance.total_paid - balance.pending;
  if (raw < 0) {
    blockers.push({
      code: 'NEGATIVE_BALANCE',
      message: `Commissions were refunded after they were paid out: the next ${describeCents(-raw)} you earn recovers them before your next payout.`,
      amount_to_recover: -raw,
    });
  } else if (balance.available < minimum) {
    blockers.push({
      code: 'BELOW_MINIMUM',
      message: `Earn ${describeCents(minimum - balance.available)} more to reach the minimum payout of ${describeCents(minimum)}.`,
      minimum,
      amount_to_earn: minimum - balance.available,
    });
  }
  if (tax.taxFormNeeded) {
    blockers.push({
      code: 'TAX_FORM_REQUIRED',
      message: `Payouts above ${describeCents(tax.threshold)} in a calendar year need a tax form (W-9 or W-8) on file: send yours to the program.`,
      threshold: tax.threshold,
    });
  }
  return blockers;
}
