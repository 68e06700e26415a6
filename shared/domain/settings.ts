import type { Affiliate } from './affiliate.ts';
import { ConflictError } from './errors.ts';

/**
 * Payout settings: where money goes (the destination), the automatic schedule, and the cool-down a changed
 * destination starts. No AWS here: the store writes down what these functions decide.
 */

export const SCHEDULES = ['manual', 'weekly', 'monthly'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/** The review flag both affiliates get when one destination is set on two of them. */
export const DUPLICATE_DESTINATION = 'DUPLICATE_PAYOUT_DESTINATION';

export const DEFAULT_COOLDOWN_HOURS = 48;

export interface Destination {
  payment_method?: string;
  payment_email?: string;
  stripe_account_id?: string;
}

export function destinationOf(affiliate: Destination): Destination {
  return {
    ...(affiliate.payment_method ? { payment_method: affiliate.payment_method } : {}),
    ...(affiliate.payment_email ? { payment_email: affiliate.payment_email } : {}),
    ...(affiliate.stripe_account_id ? { stripe_account_id: affiliate.stripe_account_id } : {}),
  };
}

/** Whether money would go somewhere else: the method, the e-mail (case-insensitive) or the Stripe account differ. */
export function destinationChanged(before: Destination, after: Destination): boolean {
  return (
    (before.payment_method ?? '') !== (after.payment_method ?? '') ||
    normalizeEmail(before.payment_email ?? '') !== normalizeEmail(after.payment_email ?? '') ||
    (before.stripe_account_id ?? '') !== (after.stripe_account_id ?? '')
  );
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The claim keys of a destination: one per place money can land (an e-mail, a Stripe account). Two affiliates
 * holding the same key share a destination. @example claimKeys({ payment_email: 'A@x.com' }) // ['dest#email#a@x.com']
 */
export function claimKeys(destination: Destination): string[] {
  return [
    ...(destination.payment_email ? [`dest#email#${normalizeEmail(destination.payment_email)}`] : []),
    ...(destination.stripe_account_id ? [`dest#stripe#${destination.stripe_account_id}`] : []),
  ];
}

export const isClaimKey = (id: string): boolean => id.startsWith('dest#');

/** The end of a cool-down starting at `now`. */
export function cooldownEnd(now: Date, hours: number): string {
  return new Date(now.getTime() + hours * 3_600_000).toISOString();
}

/** The cool-down's end while it runs, else undefined. */
export function activeCooldown(affiliate: Pick<Affiliate, 'cooldown_until'>, now: Date): string | undefined {
  const until = affiliate.cooldown_until;
  return until !== undefined && until > now.toISOString() ? until : undefined;
}

export function isFlaggedDuplicate(affiliate: Pick<Affiliate, 'flags'>): boolean {
  return affiliate.flags?.includes(DUPLICATE_DESTINATION) ?? false;
}

export function scheduleOf(affiliate: Pick<Affiliate, 'schedule'>): Schedule {
  return (SCHEDULES as readonly string[]).includes(affiliate.schedule ?? '')
    ? (affiliate.schedule as Schedule)
    : 'manual';
}

/** 409 for sending or completing a flagged affiliate's payout without the admin's confirmation. */
export function unconfirmedDuplicate(): ConflictError {
  return new ConflictError(
    DUPLICATE_DESTINATION,
    "This affiliate's payout destination is also set on another affiliate (flagged for review): check it, then " +
      'send again with {"confirm_duplicate_destination": true}.',
  );
}

/**
 * A payout requested to a destination other than the one in the affiliate's settings (the request body may name
 * its own payment_method and payment_email, as the original API allows). It is accepted — the contract keeps it —
 * but marked for the admin, because a one-off destination would otherwise step around the settings' cool-down.
 */
export const DESTINATION_NOT_ON_FILE = 'DESTINATION_NOT_ON_FILE';

/** Whether a request's own method or e-mail differs from a destination on file (none on file: nothing to differ from). */
export function differsFromFile(
  onFile: { payment_method?: string; payment_email?: string },
  requested: { payment_method?: string; payment_email?: string },
): boolean {
  const method =
    requested.payment_method !== undefined &&
    onFile.payment_method !== undefined &&
    requested.payment_method !== onFile.payment_method;
  const email =
    requested.payment_email !== undefined &&
    onFile.payment_email !== undefined &&
    normalizeEmail(requested.payment_email) !== normalizeEmail(onFile.payment_email);
  return method || email;
}
