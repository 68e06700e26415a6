import * as z from 'zod/mini';
import {
  balanceView,
  centsAmount,
  isoDay,
  pageLimit,
  paymentEmail,
  paymentMethod,
  payoutView,
  strictError,
} from './common.ts';

/** POST /payouts/request. Strict: an unknown field (status, affiliate_id, a counter) is refused, not ignored. */
export const payoutRequestBody = (maxCents: number) =>
  z.strictObject(
    {
      amount: centsAmount(maxCents),
      payment_method: z.optional(paymentMethod),
      payment_email: z.optional(paymentEmail),
      /** Issue 13: a future-dated payout (today to 90 days ahead, checked by the use case). */
      scheduled_for: z.optional(isoDay('scheduled_for')),
    },
    strictError('field'),
  );
export type PayoutRequestBody = z.infer<ReturnType<typeof payoutRequestBody>>;

/** GET /payouts query string. */
export const listPayoutsQuery = z.strictObject(
  { limit: pageLimit, cursor: z.optional(z.string().check(z.maxLength(1024, { error: 'cursor is not valid' }))) },
  strictError('query parameter'),
);

/** GET /payouts/summary: the balance figures flat (as the seed's summary lists them) and grouped. */
export const summaryView = z.object({
  affiliate_id: z.string(),
  tier: z.nullable(z.string()),
  ...balanceView.shape,
  balance: balanceView,
  minimum_payout: z.int(),
  payout_count: z.int(),
  last_payout: z.nullable(z.omit(payoutView, { history: true })),
  /** Whether an admin recorded a tax form; `blockers` holds TAX_FORM_REQUIRED when the gate refuses the minimum payout. */
  tax_form_on_file: z.boolean(),
  /**
   * What keeps a payout from being requested or sent, each with a sentence the affiliate can act on:
   * TAX_FORM_REQUIRED, BELOW_MINIMUM (`amount_to_earn`), NO_PAYOUT_METHOD, AFFILIATE_INACTIVE,
   * PAYOUT_METHOD_COOLDOWN (`until`), UNDER_REVIEW, NEGATIVE_BALANCE (`amount_to_recover`).
   */
  blockers: z.array(
    z.object({
      code: z.string(),
      message: z.string(),
      minimum: z.optional(z.int()),
      amount_to_earn: z.optional(z.int()),
      until: z.optional(z.string()),
      amount_to_recover: z.optional(z.int()),
      threshold: z.optional(z.int()),
    }),
  ),
  /** With an automatic schedule: the next run's date and what it would pay now; null on manual. */
  next_payout: z.nullable(z.object({ scheduled_for: z.string(), estimated_amount: z.int() })),
});

export const payoutListView = z.object({
  payouts: z.array(payoutView),
  total: z.int(),
  next_cursor: z.nullable(z.string()),
});

export type SummaryView = z.infer<typeof summaryView>;
export type PayoutListView = z.infer<typeof payoutListView>;
