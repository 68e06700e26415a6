import type { Cents } from './money.ts';
import type { TaxForm } from './tax.ts';

/**
 * An affiliate as this service reads it. total_earned is written by the commissions system; total_paid,
 * total_pending and payout_count are this service's counters, moved only inside the transactions that move payouts.
 */
export interface Affiliate {
  affiliate_id: string;
  user_id: string;
  status: string;
  tier?: string;
  total_earned: Cents;
  total_paid: Cents;
  total_pending: Cents;
  payout_count: number;
  payment_method?: string;
  payment_email?: string;
  /** The affiliate's Stripe connected account (acct_…), for payouts by stripe. */
  stripe_account_id?: string;
  /** Recorded by an admin (PUT /admin/affiliates/{id}/tax-form); lifts the tax form gate. */
  tax_form?: TaxForm;
}

export const ACTIVE = 'active';
