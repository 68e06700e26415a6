import * as z from 'zod/mini';
import { SCHEDULES } from '../domain/settings.ts';
import { paymentEmail, paymentMethod, strictError } from './common.ts';

/** A Stripe connected account id, as the seed accepts it. */
export const stripeAccountId = z
  .string({ error: 'stripe_account_id must look like acct_…' })
  .check(z.regex(/^acct_[A-Za-z0-9_]{1,250}$/, { error: 'stripe_account_id must look like acct_…' }));

export const scheduleField = z.enum(SCHEDULES, { error: `schedule must be one of: ${SCHEDULES.join(', ')}` });

/** PUT /payouts/settings: any of the five settings; an unknown field is refused, and so is an empty body. */
export const settingsBody = (maxCents: number) =>
  z
    .strictObject(
      {
        payment_method: z.optional(paymentMethod),
        payment_email: z.optional(paymentEmail),
        stripe_account_id: z.optional(stripeAccountId),
        schedule: z.optional(scheduleField),
        auto_minimum: z.optional(
          z
            .number({ error: 'auto_minimum must be a whole number of cents' })
            .check(
              z.int({ error: 'auto_minimum must be a whole number of cents (e.g. 5000 for $50.00)' }),
              z.positive({ error: 'auto_minimum must be greater than zero' }),
              z.maximum(maxCents, { error: `auto_minimum must not exceed ${maxCents} cents` }),
            ),
        ),
      },
      strictError('field'),
    )
    .check(
      z.refine((body) => Object.keys(body).length > 0, {
        error: 'Send at least one of payment_method, payment_email, stripe_account_id, schedule, auto_minimum.',
      }),
    );
export type SettingsBody = z.infer<ReturnType<typeof settingsBody>>;

/** GET/PUT /payouts/settings answer (`data`). */
export const settingsView = z.object({
  payment_method: z.nullable(z.string()),
  payment_email: z.nullable(z.string()),
  stripe_account_id: z.nullable(z.string()),
  schedule: scheduleField,
  /** The smallest automatic payout, cents: the one set, else the tier's minimum. */
  auto_minimum: z.int(),
  /** While a changed destination holds payouts back: when that ends (ISO-8601 UTC); null otherwise. */
  cooldown_until: z.nullable(z.string()),
});
export type SettingsView = z.infer<typeof settingsView>;

/** POST /admin/affiliates/{id}/cooldown/clear answer. */
export const clearedCooldownView = z.extend(settingsView, { affiliate_id: z.string() });

/** POST /admin/affiliates/{affiliate_id}/duplicate-destination/clear answers the affiliate's review flags left. */
export const clearedFlagView = z.object({ affiliate_id: z.string(), flags: z.array(z.string()) });

/** POST /admin/schedules/run: optionally the moment to run as if it were (ISO-8601 with a zone). */
export const scheduleRunBody = z.strictObject(
  {
    at: z.optional(
      z.iso.datetime({ offset: true, error: 'at must be an ISO-8601 date-time, e.g. 2026-12-07T00:00:00Z' }),
    ),
  },
  strictError('field'),
);

export const scheduleRunView = z.object({
  at: z.string(),
  considered: z.int(),
  requested: z.int(),
  /** Affiliates not requested, by reason (NOT_DUE, BELOW_AUTO_MINIMUM, PAYOUT_METHOD_COOLDOWN, ALREADY_REQUESTED, …). */
  skipped: z.record(z.string(), z.int()),
});
export type ScheduleRunView = z.infer<typeof scheduleRunView>;
