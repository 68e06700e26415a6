import * as z from 'zod';
import { balanceView, payoutStatus, payoutView, statusChange } from './common.ts';

/** The statuses an admin may move a payout to (`pending` is where payouts start, never a target). */
export const PROCESS_STATUSES = ['processing', 'completed', 'failed', 'returned', 'cancelled'] as const;
export type ProcessStatus = (typeof PROCESS_STATUSES)[number];

const strictError = (what: string) => ({
  error: (issue: { code: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `Unknown ${what}(s): ${(issue.keys ?? []).join(', ')}` : undefined,
});

export const processStatus = z.enum(PROCESS_STATUSES, {
  error: `status must be one of: ${PROCESS_STATUSES.join(', ')}`,
});

/** A provider's reference: 1 to 128 characters, no control characters. */
export const transactionId = z
  .string({ error: 'transaction_id must be a string' })
  .min(1, { error: 'transaction_id must not be empty' })
  .max(128, { error: 'transaction_id must be at most 128 characters' })
  .regex(/^[^\p{Cc}]+$/u, { error: 'transaction_id must not contain control characters' });

/** Free text for the books; line breaks are allowed, so the CSV export quotes it. */
export const processNotes = z
  .string({ error: 'notes must be a string' })
  .max(1000, { error: 'notes must be at most 1000 characters' });

const processFields = {
  status: processStatus,
  transaction_id: transactionId.optional(),
  notes: processNotes.optional(),
};

/** POST /admin/payouts/{payout_id}/process. Strict: an unknown field is refused, not ignored. */
export const processBody = z.strictObject(processFields, strictError('field'));
export type ProcessBody = z.infer<typeof processBody>;

/** One item of POST /admin/payouts/process. */
export const bulkItem = z.strictObject(
  { payout_id: z.string({ error: 'payout_id is required' }).min(1, { error: 'payout_id is required' }).max(128), ...processFields },
  strictError('field'),
);
export type BulkItem = z.infer<typeof bulkItem>;

export const MAX_BULK_ITEMS = 100;
/** 100 items with 1000-character notes; far above a single move's body. */
export const MAX_BULK_BODY_BYTES = 256 * 1024;

const bulkItems = z
  .array(z.unknown(), { error: 'items must be an array' })
  .min(1, { error: 'items must hold at least one payout' })
  .max(MAX_BULK_ITEMS, { error: `items may hold at most ${MAX_BULK_ITEMS} payouts` });

/**
 * POST /admin/payouts/process: `{"items": [...]}` (or `{"payouts": [...]}`). Each item is validated on its own,
 * so one bad item is a failed result, not a refused batch.
 */
export const bulkBody = z
  .strictObject({ items: bulkItems.optional(), payouts: bulkItems.optional() }, strictError('field'))
  .refine((body) => (body.items === undefined) !== (body.payouts === undefined), {
    error: 'Send the moves as "items" (or "payouts"), one of the two.',
  })
  .transform((body) => (body.items ?? body.payouts) as unknown[]);

/** A `limit` query parameter from 1 to `max`, `fallback` when absent. */
export const limitParam = (max: number, fallback: number) => {
  const message = `limit must be a whole number from 1 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,4}$/, { error: message })
    .transform(Number)
    .pipe(z.number().int().min(1, { error: message }).max(max, { error: message }))
    .optional()
    .transform((value) => value ?? fallback);
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A `from`/`to` bound: an ISO-8601 timestamp with a zone (`Z` or `+02:00`), or a date. Normalized to the UTC form
 * requested_at is stored in; a date means the start of that day for `from` and its end for `to`.
 */
const timeBound = (name: 'from' | 'to') =>
  z
    .string()
    .max(40, { error: `${name} must be an ISO-8601 timestamp or date` })
    .transform((value, context) => {
      const dateOnly = DATE_ONLY.test(value);
      const valid = dateOnly ? z.iso.date().safeParse(value).success : z.iso.datetime({ offset: true }).safeParse(value).success;
      const time = valid ? Date.parse(dateOnly ? `${value}T00:00:00.000Z` : value) : Number.NaN;
      // Date.parse rolls 2024-02-30 over to March; a date that does not round-trip does not exist.
      if (Number.isNaN(time) || (dateOnly && new Date(time).toISOString().slice(0, 10) !== value)) {
        context.addIssue({ code: 'custom', message: `${name} must be an ISO-8601 timestamp (2024-01-31T12:00:00Z) or date (2024-01-31)` });
        return z.NEVER;
      }
      return new Date(dateOnly && name === 'to' ? time + 86_400_000 - 1 : time).toISOString();
    })
    .optional();

const affiliateIdParam = z
  .string()
  .regex(/^[\x21-\x7E]{1,256}$/, { error: 'affiliate_id must be 1 to 256 visible characters' })
  .optional();

const listFields = {
  status: payoutStatus.optional(),
  affiliate_id: affiliateIdParam,
  from: timeBound('from'),
  to: timeBound('to'),
  cursor: z.string().max(4096, { error: 'The cursor is not valid; start again without it.' }).optional(),
};

const orderedRange = <T extends { from?: string | undefined; to?: string | undefined }>(query: T) =>
  query.from === undefined || query.to === undefined || query.from <= query.to;
const rangeError = { error: 'from must not be after to', path: ['from'] };

/** GET /admin/payouts: filters, a page size of 1 to 100 (50 by default) and the cursor of the previous page. */
export const adminListQuery = z
  .strictObject({ ...listFields, limit: limitParam(100, 50) }, strictError('query parameter'))
  .refine(orderedRange, rangeError);
export type AdminListQuery = z.infer<typeof adminListQuery>;

/** GET /admin/payouts/export: the same filters and cursors, up to 1000 rows per response (1000 by default). */
export const exportQuery = z
  .strictObject({ ...listFields, limit: limitParam(1000, 1000) }, strictError('query parameter'))
  .refine(orderedRange, rangeError);

/** A single payout as admins see it: the client view plus who processed it, when it last changed, and its history. */
export const adminPayoutView = payoutView.extend({
  history: z.array(statusChange),
  processed_by: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type AdminPayoutView = z.infer<typeof adminPayoutView>;

export const adminPayoutPage = z.object({
  payouts: z.array(payoutView),
  count: z.number().int(),
  next_cursor: z.string().nullable(),
});

export const bulkResultView = z.object({
  results: z.array(
    z.object({
      payout_id: z.string().nullable(),
      success: z.boolean(),
      status_code: z.number().int(),
      message: z.string().optional(),
      code: z.string().optional(),
      payout: adminPayoutView.optional(),
    }),
  ),
  succeeded: z.number().int(),
  failed: z.number().int(),
});
export type BulkResultView = z.infer<typeof bulkResultView>;

export const reconciliationView = z.object({
  affiliate_id: z.string(),
  counters: balanceView.extend({ payout_count: z.number().int() }),
  recomputed: balanceView.omit({ total_earned: true }).extend({ payout_count: z.number().int() }),
  drift: z.object({ total_paid: z.number().int(), pending: z.number().int(), payout_count: z.number().int() }),
  in_sync: z.boolean(),
});
export type ReconciliationView = z.infer<typeof reconciliationView>;
