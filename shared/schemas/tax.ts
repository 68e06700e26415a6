import * as z from 'zod/mini';
import { TAX_FORMS } from '../domain/tax.ts';
import { strictError } from './common.ts';

/** `{year}` in a path (`/payouts/tax/{year}`, `/admin/tax/{year}.csv`): four digits, else the route's 404. */
export const taxYearParams = z.object({ year: z.string().check(z.regex(/^\d{4}$/)) });

/** A calendar date that exists: YYYY-MM-DD. */
const calendarDate = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'received_on must be a date, YYYY-MM-DD' }),
  z.refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    {
      error: 'received_on must be a date that exists, YYYY-MM-DD',
    },
  ),
);

/**
 * PUT /admin/affiliates/{affiliate_id}/tax-form. Strict, and `tin_last4` is exactly four digits: a full TIN or SSN
 * (or any other field that could carry one) is refused, never stored.
 */
export const taxFormBody = z.strictObject(
  {
    form: z.enum(TAX_FORMS, { error: `form must be one of: ${TAX_FORMS.join(', ')}` }),
    received_on: calendarDate,
    tin_last4: z.optional(
      z.string().check(
        z.regex(/^\d{4}$/, {
          error: 'tin_last4 must be exactly the last 4 digits of the TIN, never the full number',
        }),
      ),
    ),
  },
  strictError('field'),
);
export type TaxFormBody = z.infer<typeof taxFormBody>;

export const taxFormView = z.object({
  form: z.enum(TAX_FORMS),
  received_on: z.string(),
  tin_last4: z.nullable(z.string()),
});

/** GET /payouts/tax/{year}: the affiliate's own totals for a calendar year (cents; completed minus returned). */
export const taxYearView = z.object({
  tax_year: z.string(),
  affiliate_id: z.string(),
  paid_cents: z.int(),
  paid_count: z.int(),
  paid_provider_cents: z.int(),
  paid_other_cents: z.int(),
  tax_form: z.nullable(taxFormView),
});
export type TaxYearView = z.infer<typeof taxYearView>;
