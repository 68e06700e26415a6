import * as z from 'zod/mini';
import { PAYMENT_METHODS, PAYOUT_STATUSES } from '../domain/payout.ts';

// zod/mini loads no locale: every check a client can fail carries its own message.

/** What a JSON value that is not an object is, in the words of zod's issues: null, array, string, number, boolean. */
const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * The error of a strict object: unknown keys are named (`what` is "field" or "query parameter"), and anything but
 * an object (a bulk item can be any JSON value) is worded as classic zod's English locale words it.
 */
export const strictError = (what: string) => ({
  error: (issue: z.core.$ZodRawIssue) => {
    if (issue.code === 'unrecognized_keys') return `Unknown ${what}(s): ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type') return `Invalid input: expected object, received ${jsonType(issue.input)}`;
    return undefined;
  },
});

/** A positive safe integer of cents: rejects 0, negatives, fractions, strings, null and 1e21. */
export const centsAmount = (max: number) =>
  z
    .number({
      error: (issue) => (issue.input === undefined ? 'amount is required' : 'amount must be a whole number of cents'),
    })
    .check(
      z.int({ error: 'amount must be a whole number of cents (e.g. 5000 for $50.00)' }),
      z.positive({ error: 'amount must be greater than zero' }),
      z.maximum(max, { error: `amount must not exceed ${max} cents` }),
    );

export const paymentMethod = z.enum(PAYMENT_METHODS, {
  error: `payment_method must be one of: ${PAYMENT_METHODS.join(', ')}`,
});

const INVALID_EMAIL = 'payment_email must be a valid e-mail address';
export const paymentEmail = z.email({ error: INVALID_EMAIL }).check(z.maxLength(254, { error: INVALID_EMAIL }));

export const payoutStatus = z.enum(PAYOUT_STATUSES, {
  error: `status must be one of: ${PAYOUT_STATUSES.join(', ')}`,
});

/** A `limit` query parameter: `digits` (a pattern), then 1 to `max`; `fallback` when absent. */
export const limitParam = (digits: RegExp, max: number, fallback: number) => {
  const message = `limit must be a whole number from 1 to ${max}`;
  const limit = z.pipe(
    z.pipe(z.string().check(z.regex(digits, { error: message })), z.transform(Number)),
    z.number().check(z.int({ error: message }), z.minimum(1, { error: message }), z.maximum(max, { error: message })),
  );
  return z.pipe(
    z.optional(limit),
    z.transform((value: number | undefined) => value ?? fallback),
  );
};

/** The `limit` query parameter: 1 to 100, default 20. */
export const pageLimit = limitParam(/^\d{1,3}$/, 100, 20);

/** A payout id as this service mints them (UUIDs) or as the seed's system did (`payout-123`). */
export const PAYOUT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const statusChange = z.object({
  at: z.string(),
  by: z.string(),
  from: z.nullable(payoutStatus),
  to: payoutStatus,
  note: z.optional(z.string()),
});

/** A payout as clients see it (the list leaves out `history`). */
export const payoutView = z.object({
  payout_id: z.string(),
  affiliate_id: z.optional(z.string()),
  amount: z.int(),
  currency: z.literal('USD'),
  payment_method: paymentMethod,
  payment_email: z.string(),
  status: payoutStatus,
  requested_at: z.string(),
  processed_at: z.nullable(z.string()),
  transaction_id: z.nullable(z.string()),
  notes: z.nullable(z.string()),
  /**
   * Why the payout is where it is and what happens next (every payout but a cancelled or returned one): waiting for
   * review, scheduled for a date, or a provider's reason (e.g. "PayPal: … not claimed it yet").
   */
  status_reason: z.optional(z.string()),
  /** A future-dated payout's date (YYYY-MM-DD): not sent before it. */
  scheduled_for: z.optional(z.nullable(z.string())),
  /** Admin views only: review flags, e.g. DUPLICATE_PAYOUT_DESTINATION. */
  flags: z.optional(z.array(z.string())),
  history: z.optional(z.array(statusChange)),
  /** On a single payout (with its history): the receipt number its completion was given, else null. */
  receipt_number: z.optional(z.nullable(z.string())),
});
export type PayoutView = z.infer<typeof payoutView>;

export const balanceView = z.object({
  total_earned: z.int(),
  total_paid: z.int(),
  pending: z.int(),
  available: z.int(),
});

export const errorEnvelope = z.object({ success: z.literal(false), message: z.string(), code: z.string() });

/** The Idempotency-Key header: optional; when sent, 1 to 255 visible ASCII characters. */
export const idempotencyKeyHeader = z.optional(
  z
    .string()
    .check(z.regex(/^[\x21-\x7E]{1,255}$/, { error: 'Idempotency-Key must be 1 to 255 visible ASCII characters.' })),
);

/** `{payout_id}` in a path: an id as this service mints them; anything else is as missing as an unknown id. */
export const payoutIdParams = z.object({ payout_id: z.string().check(z.regex(PAYOUT_ID_PATTERN)) });

/** `{affiliate_id}` in a path: 1 to 256 visible ASCII characters. */
export const affiliateIdParams = z.object({ affiliate_id: z.string().check(z.regex(/^[\x21-\x7E]{1,256}$/)) });

/** A body that takes no fields: absent, or `{}`. */
export const emptyBody = z.strictObject({}, strictError('field'));

/** A calendar date, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const isoDay = (name: string) =>
  z
    .string({ error: `${name} must be a date (YYYY-MM-DD)` })
    .check(
      z.refine(
        (value: string) =>
          /^\d{4}-\d{2}-\d{2}$/.test(value) &&
          !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
          new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value,
        { error: `${name} must be a date (YYYY-MM-DD)` },
      ),
    );
