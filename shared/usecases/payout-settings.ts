// route -> (payout settings) -> store
//
// Primary course (PUT):
//   1. read the caller's affiliate (strongly consistent);
//   2. apply the rules to the settings as they would be (a method needs its destination, auto_minimum ≥ the tier's);
//   3. when money would go somewhere else: start the cool-down, keep the previous destination, and read the claims
//      of the new destination (a claim held by another affiliate flags both);
//   4. commit settings, claims and flags in one transaction, conditioned on the settings version read and on each
//      claim being as read;
//   5. someone changed the settings or took a claim meanwhile: decide again on a fresh read, a bounded number of times.
import type { Affiliate } from '../domain/affiliate.ts';
import { minimumPayoutFor } from '../domain/balance.ts';
import { BusyError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { describeCents } from '../domain/money.ts';
import {
  activeCooldown,
  claimKeys,
  cooldownEnd,
  DEFAULT_COOLDOWN_HOURS,
  DUPLICATE_DESTINATION,
  destinationChanged,
  destinationOf,
  scheduleOf,
  type Destination,
} from '../domain/settings.ts';
import type { SettingsBody, SettingsView } from '../schemas/settings.ts';
import type { Services } from './services.ts';

const MAX_SETTINGS_ATTEMPTS = 5;

export function settingsViewOf(affiliate: Affiliate, services: Pick<Services, 'rules' | 'clock'>): SettingsView {
  const { rules, clock } = services;
  return {
    payment_method: affiliate.payment_method ?? null,
    payment_email: affiliate.payment_email ?? null,
    stripe_account_id: affiliate.stripe_account_id ?? null,
    schedule: scheduleOf(affiliate),
    auto_minimum: autoMinimumOf(affiliate, rules),
    cooldown_until: activeCooldown(affiliate, clock.now()) ?? null,
  };
}

/** The smallest automatic payout: the affiliate's auto_minimum, else the tier's minimum. */
export function autoMinimumOf(affiliate: Affiliate, rules: Services['rules']): number {
  return affiliate.auto_minimum ?? minimumPayoutFor(affiliate.tier, rules.tierMinimums, rules.defaultMinimumPayout);
}

export async function getSettings(services: Services, userId: string): Promise<SettingsView> {
  return settingsViewOf(await services.callers.affiliateOf(userId), services);
}

export async function updateSettings(services: Services, userId: string, body: SettingsBody): Promise<SettingsView> {
  for (let attempt = 1; attempt <= MAX_SETTINGS_ATTEMPTS; attempt += 1) {
    const affiliate = await services.callers.affiliateOf(userId);
    const write = await decide(services, affiliate, body);
    if ((await services.store.writeSettings(write)) === 'written') {
      const flags = write.flagSelf
        ? [...new Set([...(affiliate.flags ?? []), DUPLICATE_DESTINATION])]
        : affiliate.flags;
      return settingsViewOf(
        { ...affiliate, ...(write.set as Partial<Affiliate>), ...(flags ? { flags } : {}) },
        services,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
  }
  throw new BusyError('Your settings are changing right now; retry in a moment.');
}

async function decide(services: Services, affiliate: Affiliate, body: SettingsBody) {
  const { rules, clock, store } = services;
  const before = destinationOf(affiliate);
  const after: Destination = {
    ...before,
    ...(body.payment_method !== undefined ? { payment_method: body.payment_method } : {}),
    ...(body.payment_email !== undefined ? { payment_email: body.payment_email } : {}),
    ...(body.stripe_account_id !== undefined ? { stripe_account_id: body.stripe_account_id } : {}),
  };
  if (after.payment_method === 'stripe' && !after.stripe_account_id) {
    throw new InvalidInputError(
      'STRIPE_ACCOUNT_REQUIRED',
      'To be paid by stripe, send your Stripe account id (stripe_account_id, acct_…) with it.',
    );
  }
  if ((after.payment_method === 'paypal' || after.payment_method === 'zelle') && !after.payment_email) {
    throw new InvalidInputError(
      'PAYMENT_EMAIL_REQUIRED',
      `A payment_email is required to be paid by ${after.payment_method}.`,
    );
  }
  const tierMinimum = minimumPayoutFor(affiliate.tier, rules.tierMinimums, rules.defaultMinimumPayout);
  if (body.auto_minimum !== undefined && body.auto_minimum < tierMinimum) {
    throw new InvalidInputError(
      'BELOW_MINIMUM',
      `auto_minimum must be at least your tier's minimum payout of ${tierMinimum} cents (${describeCents(tierMinimum)}).`,
    );
  }
  const now = clock.now();
  const at = now.toISOString();
  const changed = destinationChanged(before, after);
  const hours = rules.cooldownHours ?? DEFAULT_COOLDOWN_HOURS;
  const set: Record<string, unknown> = {
    updated_at: at,
    ...(body.payment_method !== undefined ? { payment_method: body.payment_method } : {}),
    ...(body.payment_email !== undefined ? { payment_email: body.payment_email } : {}),
    ...(body.stripe_account_id !== undefined ? { stripe_account_id: body.stripe_account_id } : {}),
    ...(body.schedule !== undefined ? { schedule: body.schedule } : {}),
    ...(body.auto_minimum !== undefined ? { auto_minimum: body.auto_minimum } : {}),
    // Kept for the notifier (issue 12): it tells the old and the new address from these.
    ...(changed
      ? {
          previous_destination: before,
          destination_changed_at: at,
          ...(hours > 0 ? { cooldown_until: cooldownEnd(now, hours) } : {}),
        }
      : {}),
  };
  const keys = changed ? claimKeys(after) : [];
  const claims = keys.length > 0 ? await store.getClaims(keys) : new Map();
  const others = new Set<string>();
  for (const key of keys) {
    const claim = claims.get(key);
    if (!claim) continue;
    for (const holder of [claim.owner, ...claim.claimants]) if (holder !== affiliate.affiliate_id) others.add(holder);
  }
  return {
    affiliateId: affiliate.affiliate_id,
    version: affiliate.settings_version ?? 0,
    set,
    scheduled: scheduleOf({ schedule: body.schedule ?? affiliate.schedule }) !== 'manual',
    claims: keys.map((key) => ({ key, ...(claims.get(key) ? { owner: claims.get(key)!.owner } : {}) })),
    flagOthers: [...others],
    flagSelf: others.size > 0,
  };
}

/**
 * POST /admin/affiliates/{id}/duplicate-destination/clear: an admin checked the shared destination with both
 * affiliates. The affiliate's blocker goes, later requests are not marked, and no payout of theirs needs the
 * confirmation any more (the move's guard is the affiliate's flag); payouts already marked keep the mark as a
 * record of their request. The other affiliate stays flagged until reviewed; a new shared destination flags again.
 */
export async function clearDuplicateDestination(
  services: Services,
  adminId: string,
  affiliateId: string,
): Promise<{ affiliate_id: string; flags: string[] }> {
  const affiliate = await services.store.clearDuplicateFlag(affiliateId, adminId, services.clock.now().toISOString());
  if (!affiliate) throw affiliateNotFound();
  return { affiliate_id: affiliate.affiliate_id, flags: affiliate.flags ?? [] };
}

const affiliateNotFound = () => new NotFoundError('AFFILIATE_NOT_FOUND', 'No affiliate with this id was found.');

/** POST /admin/affiliates/{id}/cooldown/clear: the cool-down ends now. */
export async function clearCooldown(
  services: Services,
  adminId: string,
  affiliateId: string,
): Promise<SettingsView & { affiliate_id: string }> {
  const affiliate = await services.store.clearCooldown(affiliateId, adminId, services.clock.now().toISOString());
  if (!affiliate) throw affiliateNotFound();
  return { affiliate_id: affiliate.affiliate_id, ...settingsViewOf(affiliate, services) };
}
