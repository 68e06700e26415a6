import * as z from 'zod/mini';
import { adminPayoutView, bulkResultView } from './admin.ts';
import { PAYOUT_ID_PATTERN, strictError } from './common.ts';

export const MAX_SEND_ITEMS = 500;
/** 500 ids of up to 128 characters, quoted and separated. */
export const MAX_SEND_BODY_BYTES = 80 * 1024;

const payoutId = z
  .string({ error: 'each payout id must be a string' })
  .check(z.regex(PAYOUT_ID_PATTERN, { error: 'each payout id must be 1 to 128 letters, digits, - or _' }));

/** POST /admin/payouts/send: `{"payout_ids": [...]}`, 1 to 500 ids. */
export const bulkSendBody = z.strictObject(
  {
    payout_ids: z
      .array(payoutId, { error: 'payout_ids must be an array of payout ids' })
      .check(
        z.minLength(1, { error: 'payout_ids must hold at least one payout id' }),
        z.maxLength(MAX_SEND_ITEMS, { error: `payout_ids may hold at most ${MAX_SEND_ITEMS} payout ids` }),
      ),
    confirm_duplicate_destination: z.optional(
      z.boolean({ error: 'confirm_duplicate_destination must be true or false' }),
    ),
  },
  strictError('field'),
);

/** POST /admin/payouts/{id}/send: `{}`, no body, or the confirmation a flagged affiliate's payout needs (issue 13). */
export const sendBody = z.strictObject(
  {
    confirm_duplicate_destination: z.optional(
      z.boolean({ error: 'confirm_duplicate_destination must be true or false' }),
    ),
  },
  strictError('field'),
);

/** The single send and retry routes take no fields: `{}` or no body. */
export const emptyBody = z.strictObject({}, strictError('field'));

export const attemptView = z.object({
  payout_id: z.string(),
  attempt: z.int(),
  provider: z.enum(['stripe', 'paypal']),
  idempotency_key: z.string(),
  status: z.enum(['queued', 'sent', 'succeeded', 'failed']),
  amount: z.int(),
  destination: z.string(),
  provider_reference: z.optional(z.string()),
  provider_item_id: z.optional(z.string()),
  error: z.optional(
    z.object({ code: z.string(), message: z.string(), category: z.enum(['transient', 'recipient', 'ours']) }),
  ),
  created_at: z.string(),
  updated_at: z.string(),
  created_by: z.string(),
});

export const sendView = z.object({ payout: adminPayoutView, attempt: attemptView });

export const bulkSendView = z.object({
  results: z.array(
    z.object({
      payout_id: z.string(),
      success: z.boolean(),
      status_code: z.int(),
      code: z.optional(z.string()),
      message: z.string(),
      payout: z.optional(adminPayoutView),
      attempt: z.optional(attemptView),
    }),
  ),
  succeeded: bulkResultView.shape.succeeded,
  failed: bulkResultView.shape.failed,
});
