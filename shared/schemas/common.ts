import * as z from 'zod';
import { PAYMENT_METHODS, PAYOUT_STATUSES } from '../domain/payout.ts';

/** A positive safe integer of cents: rejects 0, negatives, fractions, strings, null and 1e21. */
export const centsAmount = (max: number) =>
  z
    .number({ error: (issue) => (issue.input === undefined ? 'amount is required' : 'amount must be a whole number of cents') })
    .int({ error: 'amount must be a whole number of cents (e.g. 5000 for $50.00)' })
    .positive({ error: 'amount must be greater than zero' })
    .max(max, { error: `amount must not exceed ${max} cents` });

export const paymentMethod = z.enum(PAYMENT_METHODS, {
  error: `payment_method must be one of: ${PAYMENT_METHODS.join(', ')}`,
});

export const paymentEmail = z.email({ error: 'payment_email must be a valid e-mail address' }).max(254);

export const payoutStatus = z.enum(PAYOUT_STATUSES, {
  error: `status must be one of: ${PAYOUT_STATUSES.join(', ')}`,
});

/** The `limit` query parameter: 1 to 100, default 20. */
export const pageLimit = z
  .string()
  .regex(/^\d{1,3}$/, { error: 'limit must be a whole number from 1 to 100' })
  .transform(Number)
  .pipe(z.number().int().min(1, { error: 'limit must be a whole number from 1 to 100' }).max(100, { error: 'limit must be a whole number from 1 to 100' }))
  .optional()
  .transform((value) => value ?? 20);

/** A payout id as this service mints them (UUIDs) or as the seed's system did (`payout-123`). */
export const PAYOUT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const statusChange = z.object({
  at: z.string(),
  by: z.string(),
  from: payoutStatus.nullable(),
  to: payoutStatus,
  note: z.string().optional(),
});

/** A payout as clients see it (the list leaves out `history`). */
export const payoutView = z.object({
  payout_id: z.string(),
  affiliate_id: z.string().optional(),
  amount: z.number().int(),
  currency: z.literal('USD'),
  payment_method: paymentMethod,
  payment_email: z.string(),
  status: payoutStatus,
  requested_at: z.string(),
  processed_at: z.string().nullable(),
  transaction_id: z.string().nullable(),
  notes: z.string().nullable(),
  history: z.array(statusChange).optional(),
});
export type PayoutView = z.infer<typeof payoutView>;

export const balanceView = z.object({
  total_earned: z.number().int(),
  total_paid: z.number().int(),
  pending: z.number().int(),
  available: z.number().int(),
});

export const errorEnvelope = z.object({ success: z.literal(false), message: z.string(), code: z.string() });
