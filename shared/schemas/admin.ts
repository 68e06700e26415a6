import * as z from 'zod/mini';
import { balanceView, limitParam, payoutStatus, payoutView, statusChange, strictError } from './common.ts';

/** The statuses an admin may move a payout to (`pending` is where payouts start, never a target). */
export const PROCESS_STATUSES = ['processing', 'completed', 'failed', 'returned', 'cancelled'] as const;
export type ProcessStatus = (typeof PROCESS_STATUSES)[number];

export const processStatus = z.enum(PROCESS_STATUSES, {
  error: `status must be one of: ${PROCESS_STATUSES.join(', ')}`,
});

/** A provider's reference: 1 to 128 characters, no control characters. */
export const transactionId = z
  .string({ error: 'transaction_id must be a string' })
  .check(
    z.minLength(1, { error: 'transaction_id must not be empty' }),
    z.maxLength(128, { error: 'transaction_id must be at most 128 characters' }),
    z.regex(/^[^\p{Cc}]+$/u, { error: 'transaction_id must not contain control characters' }),
  );

/** Free text for the books; line breaks are allowed, so the CSV export quotes it. */
export const processNotes = z
  .string({ error: 'notes must be a string' })
  .check(z.maxLength(1000, { error: 'notes must be at most 1000 characters' }));

const processFields = {
  status: processStatus,
  transaction_id: z.optional(transactionId),
  notes: z.optional(processNotes),
  /** Issue 13: send or complete a payout whose destination is shared with another affiliate, after checking it. */
  confirm_duplicate_destination: z.optional(
    z.boolean({ error: 'confirm_duplicate_destination must be true or false' }),
  ),
};

/** POST /admin/payouts/{payout_id}/process. Strict: an unknown field is refused, not ignored. */
export const processBody = z.strictObject(processFields, strictError('field'));
export type ProcessBody = z.infer<typeof processBody>;

const PAYOUT_ID_REQUIRED = 'payout_id is required';

/** One item of POST /admin/payouts/process. */
export const bulkItem = z.strictObject(
  {
    payout_id: z
      .string({ error: PAYOUT_ID_REQUIRED })
      .check(z.minLength(1, { error: PAYOUT_ID_REQUIRED }), z.maxLength(128, { error: PAYOUT_ID_REQUIRED })),
    ...processFields,
  },
  strictError('field'),
);
export type BulkItem = z.infer<typeof bulkItem>;

export const MAX_BULK_ITEMS = 100;
/** 100 items with 1000-character notes; far above a single move's body. */
export const MAX_BULK_BODY_BYTES = 256 * 1024;

const bulkItems = z
  .array(z.unknown(), { error: 'items must be an array' })
  .check(
    z.minLength(1, { error: 'items must hold at least one payout' }),
    z.maxLength(MAX_BULK_ITEMS, { error: `items may hold at most ${MAX_BULK_ITEMS} payouts` }),
  );

/**
 * POST /admin/payouts/process: `{"items": [...]}` (or `{"payouts": [...]}`). Each item is validated on its own,
 * so one bad item is a failed result, not a refused batch.
 */
export const bulkBody = z.pipe(
  z.strictObject({ items: z.optional(bulkItems), payouts: z.optional(bulkItems) }, strictError('field')).check(
    z.refine((body) => (body.items === undefined) !== (body.payouts === undefined), {
      error: 'Send the moves as "items" (or "payouts"), one of the two.',
    }),
  ),
  z.transform(
    (body: { items?: unknown[] | undefined; payouts?: unknown[] | undefined }) =>
      (body.items ?? body.payouts) as unknown[],
  ),
);

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/**
 * A `from`/`to` bound: an ISO-8601 timestamp with a zone (`Z` or `+02:00`), or a date. Normalized to the UTC form
 * requested_at is stored in; a date means the start of that day for `from` and its end for `to`.
 */
const timeBound = (name: 'from' | 'to') =>
  z.optional(
    z.pipe(
      z.string().check(z.maxLength(40, { error: `${name} must be an ISO-8601 timestamp or date` })),
      z.transform((value: string, context) => {
        const dateOnly = DATE_ONLY.test(value);
        const valid = (dateOnly ? isoDate : isoDateTime).safeParse(value).success;
        const time = valid ? Date.parse(dateOnly ? `${value}T00:00:00.000Z` : value) : Number.NaN;
        // Date.parse rolls 2024-02-30 over to March; a date that does not round-trip does not exist.
        if (Number.isNaN(time) || (dateOnly && new Date(time).toISOString().slice(0, 10) !== value)) {
          context.issues.push({
            code: 'custom',
            message: `${name} must be an ISO-8601 timestamp (2024-01-31T12:00:00Z) or date (2024-01-31)`,
            input: value,
          });
          return z.NEVER;
        }
        return new Date(dateOnly && name === 'to' ? time + 86_400_000 - 1 : time).toISOString();
      }),
    ),
  );

const affiliateIdParam = z.optional(
  z.string().check(z.regex(/^[\x21-\x7E]{1,256}$/, { error: 'affiliate_id must be 1 to 256 visible characters' })),
);

const listFields = {
  status: z.optional(payoutStatus),
  /** Issue 13: `true` = pending payouts sendable today, `false` = future-dated ones still ahead. */
  due: z.optional(
    z.pipe(
      z.enum(['true', 'false'], { error: 'due must be true or false' }),
      z.transform((value: 'true' | 'false') => value === 'true'),
    ),
  ),
  affiliate_id: affiliateIdParam,
  from: timeBound('from'),
  to: timeBound('to'),
  cursor: z.optional(
    z.string().check(z.maxLength(4096, { error: 'The cursor is not valid; start again without it.' })),
  ),
};

type TimeRange = { from?: string | undefined; to?: string | undefined };
const orderedRange = () =>
  z.refine<TimeRange>((query) => query.from === undefined || query.to === undefined || query.from <= query.to, {
    error: 'from must not be after to',
    path: ['from'],
  });

/** GET /admin/payouts: filters, a page size of 1 to 100 (50 by default) and the cursor of the previous page. */
export const adminListQuery = z
  .strictObject({ ...listFields, limit: limitParam(/^\d{1,4}$/, 100, 50) }, strictError('query parameter'))
  .check(orderedRange());

/** GET /admin/payouts/export: the same filters and cursors, up to 1000 rows per response (1000 by default). */
export const exportQuery = z
  .strictObject({ ...listFields, limit: limitParam(/^\d{1,4}$/, 1000, 1000) }, strictError('query parameter'))
  .check(orderedRange());

/** A single payout as admins see it: the client view plus who processed it, when it last changed, and its history. */
export const adminPayoutView = z.extend(payoutView, {
  history: z.array(statusChange),
  processed_by: z.nullable(z.string()),
  updated_at: z.nullable(z.string()),
});
export type AdminPayoutView = z.infer<typeof adminPayoutView>;

export const adminPayoutPage = z.object({
  payouts: z.array(payoutView),
  count: z.int(),
  next_cursor: z.nullable(z.string()),
});

export const bulkResultView = z.object({
  results: z.array(
    z.object({
      payout_id: z.nullable(z.string()),
      success: z.boolean(),
      status_code: z.int(),
      message: z.optional(z.string()),
      code: z.optional(z.string()),
      payout: z.optional(adminPayoutView),
    }),
  ),
  succeeded: z.int(),
  failed: z.int(),
});
export type BulkResultView = z.infer<typeof bulkResultView>;

export const reconciliationView = z.object({
  affiliate_id: z.string(),
  counters: z.extend(balanceView, { payout_count: z.int() }),
  recomputed: z.extend(z.omit(balanceView, { total_earned: true }), { payout_count: z.int() }),
  drift: z.object({ total_paid: z.int(), pending: z.int(), payout_count: z.int() }),
  in_sync: z.boolean(),
});
export type ReconciliationView = z.infer<typeof reconciliationView>;
