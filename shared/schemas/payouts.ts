import * as z from 'zod';
import { balanceView, centsAmount, pageLimit, paymentEmail, paymentMethod, payoutView } from './common.ts';

/** POST /payouts/request. Strict: an unknown field (status, affiliate_id, a counter) is refused, not ignored. */
export const payoutRequestBody = (maxCents: number) =>
  z.strictObject(
    {
      amount: centsAmount(maxCents),
      payment_method: paymentMethod.optional(),
      payment_email: paymentEmail.optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}` : undefined) },
  );
export type PayoutRequestBody = z.infer<ReturnType<typeof payoutRequestBody>>;

/** GET /payouts query string. */
export const listPayoutsQuery = z.strictObject(
  { limit: pageLimit, cursor: z.string().max(1024, { error: 'cursor is not valid' }).optional() },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown query parameter(s): ${issue.keys.join(', ')}` : undefined) },
);

export const summaryView = z.object({
  affiliate_id: z.string(),
  tier: z.string().nullable(),
  balance: balanceView,
  minimum_payout: z.number().int(),
  payout_count: z.number().int(),
  last_payout: payoutView.omit({ history: true }).nullable(),
});

export const payoutListView = z.object({
  payouts: z.array(payoutView),
  total: z.number().int(),
  next_cursor: z.string().nullable(),
});
