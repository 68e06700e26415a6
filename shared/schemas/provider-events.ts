import * as z from 'zod/mini';
import { limitParam, strictError } from './common.ts';

/** `<provider>:<event id>` (or `poll:<payout>:<attempt>:<time>` for a flagged poll), as recorded. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9:._-]{1,300}$/;

/** GET /admin/provider-events: only the flagged ones can be listed (`flagged=true`); 1 to 100 a page, 50 by default. */
export const providerEventsQuery = z.strictObject(
  {
    flagged: z.literal('true', { error: 'flagged must be true: only the events flagged for an operator are listed' }),
    limit: limitParam(/^\d{1,4}$/, 100, 50),
    cursor: z.optional(
      z.string().check(z.maxLength(4096, { error: 'The cursor is not valid; start again without it.' })),
    ),
  },
  strictError('query parameter'),
);

export const providerEventParams = z.strictObject({
  event_id: z.string().check(z.regex(EVENT_ID_PATTERN, { error: 'not a provider event id' })),
});

/** POST /admin/provider-events/{event_id}/resolve: an optional note (what the operator found or did). */
export const resolveEventBody = z.strictObject(
  {
    note: z.optional(
      z
        .string({ error: 'note must be a string' })
        .check(
          z.minLength(1, { error: 'note must not be empty' }),
          z.maxLength(500, { error: 'note must be at most 500 characters' }),
        ),
    ),
  },
  strictError('field'),
);

/** A provider event as an operator sees it: never the raw body, a signature or a secret (none is stored). */
export const providerEventView = z.object({
  event_id: z.string(),
  provider: z.string(),
  event_type: z.string(),
  payout_id: z.nullable(z.string()),
  reason: z.nullable(z.string()),
  received_at: z.string(),
  flagged: z.boolean(),
  resolved_at: z.nullable(z.string()),
  resolved_by: z.nullable(z.string()),
  resolution_note: z.nullable(z.string()),
});
export type ProviderEventView = z.infer<typeof providerEventView>;

export const providerEventsView = z.object({
  events: z.array(providerEventView),
  count: z.int(),
  next_cursor: z.nullable(z.string()),
});
export const resolvedEventView = z.object({ event: providerEventView });
