import * as z from 'zod/mini';
import { balanceView, centsAmount, pageLimit, paymentEmail, paymentMethod, payoutView, strictError } from './common.ts';

/** POST /payouts/request. Strict: an unknown field (status, affiliate_id, a counter) is refused, not ignored. */
export const payoutRequestBody = (maxCents: number) =>
  z.strictObject(
    {
      amount: centsAmount(maxCents),
      payment_method: z.optional(paymentMethod),
      payment_email: z.optional(paymentEmail),
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
  blockers: z.array(z.string()),
});

export const payoutListView = z.object({
  payouts: z.array(payoutView),
  total: z.int(),
  next_cursor: z.nullable(z.string()),
});

export type SummaryView = z.infer<typeof summaryView>;
export type PayoutListView = z.infer<typeof payoutListView>;
