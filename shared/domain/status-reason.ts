import type { Payout } from './payout.ts';
import { DESTINATION_NOT_ON_FILE, DUPLICATE_DESTINATION } from './settings.ts';

/** What the status reason needs of a payout (a full payout or an index row). */
export type ReasonInput = Pick<Payout, 'status' | 'payment_method'> &
  Partial<Pick<Payout, 'status_reason' | 'scheduled_for' | 'flags'>>;

const PROVIDER_NAME: Record<string, string> = { paypal: 'PayPal', stripe: 'Stripe' };

/**
 * Why a payout is where it is and what happens next, in words an affiliate can read; undefined for a final payout
 * (cancelled, returned). A processing or failed payout shows the provider's reason when one was stored.
 * @example statusReason({ status: 'pending', payment_method: 'paypal', scheduled_for: '2026-12-24' }, '2026-12-03')
 * // 'Scheduled for 2026-12-24: the amount is reserved and the payout is sent from that day.'
 */
export function statusReason(payout: ReasonInput, today: string): string | undefined {
  switch (payout.status) {
    case 'pending':
      if (payout.scheduled_for !== undefined && payout.scheduled_for > today)
        return `Scheduled for ${payout.scheduled_for}: the amount is reserved and the payout is sent from that day.`;
      if (payout.flags?.includes(DUPLICATE_DESTINATION))
        return 'Under review: this payout destination is also used by another account, so an admin checks it before sending.';
      if (payout.flags?.includes(DESTINATION_NOT_ON_FILE))
        return 'Under review: this payout goes to a destination named with the request, not the one in your payout settings, so an admin checks it before sending.';
      return 'Waiting for review: an admin sends pending payouts in the next payout run.';
    case 'processing':
      if (payout.status_reason) return payout.status_reason;
      return PROVIDER_NAME[payout.payment_method]
        ? `Sent to ${PROVIDER_NAME[payout.payment_method]}; waiting for it to confirm the payment.`
        : 'Being paid by hand; it completes when the payment is recorded.';
    case 'failed':
      return payout.status_reason ?? 'The payment did not go through; the amount is available again.';
    case 'completed':
      return 'Paid.';
    default:
      return undefined;
  }
}
