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
  /** Payout settings (issue 13, PUT /payouts/settings): `manual` when absent. */
  schedule?: string;
  /** The smallest automatic payout, in cents; the tier's minimum when absent. */
  auto_minimum?: Cents;
  /** Until when (ISO-8601 UTC) a changed destination holds payout requests back. */
  cooldown_until?: string;
  /** Review flags, e.g. DUPLICATE_PAYOUT_DESTINATION (a String Set in DynamoDB). */
  flags?: string[];
  /** Where money went before the last change, and when it changed (for the notifier of issue 12). */
  previous_destination?: { payment_method?: string; payment_email?: string; stripe_account_id?: string };
  destination_changed_at?: string;
  /** Bumped by every settings change: the optimistic condition of the next one. */
  settings_version?: number;
}

export const ACTIVE = 'active';
