// route -> (request payout) -> store
//
// Primary course:
//   1. resolve the caller (cached affiliate id) and read the affiliate, its totals for this tax year and any earlier
//      answer to this key together;
//   2. replay a known key (same body), refuse it with another body;
//   3. apply the rules to the affiliate as read (active, method, minimum, available, the tax form gate);
//   4. commit the payout, the counters and the key in one transaction under the balance guard (and, with no tax form
//      on file, a check that the year's paid total has not risen);
//   5. when the affiliate changed under the transaction, decide again on the record it returned; when the year's
//      total changed, read both again.
// The scheduler (issue 13) requests through the same reserve and guard (requestScheduledPayout below): its payout id
// is derived from the affiliate and the period, so a period can never hold two scheduled payouts.
import { createHash } from 'node:crypto';
import { ACTIVE, type Affiliate } from '../domain/affiliate.ts';
import {
  activeCooldown,
  DESTINATION_NOT_ON_FILE,
  DUPLICATE_DESTINATION,
  differsFromFile,
  isFlaggedDuplicate,
} from '../domain/settings.ts';
import { availableOf, minimumPayoutFor, passesTaxGate, reservationGuard, type TaxGate } from '../domain/balance.ts';
import { epochSeconds } from '../domain/clock.ts';
import {
  AppError,
  BusyError,
  ConflictError,
  InvalidInputError,
  NotPermittedError,
  UnprocessableError,
} from '../domain/errors.ts';
import { describeCents } from '../domain/money.ts';
import { PAYMENT_METHODS, type PaymentMethod, type Payout } from '../domain/payout.ts';
import type { IdempotencyRecord } from '../domain/ports.ts';
import { emptyTotals, taxYearOf } from '../domain/tax.ts';
import type { PayoutView } from '../schemas/common.ts';
import type { PayoutRequestBody } from '../schemas/payouts.ts';
import { notAnAffiliate } from './callers.ts';
import { fingerprintOf } from './fingerprint.ts';
import type { Services } from './services.ts';
import { todayOf, toPayoutView } from './views.ts';

/** A new payout, or the first answer to this Idempotency-Key given again (its data exactly as stored). */
export type RequestOutcome = { kind: 'created'; data: { payout: PayoutView } } | { kind: 'replayed'; data: unknown };

/** How many times a reservation is decided again when the affiliate changed under it, before answering busy. */
const MAX_RESERVE_ATTEMPTS = 10;

/** Who asks, and what: an affiliate's own request, or the scheduler's for one period. */
interface RequestSource {
  /** The token's user, for an affiliate's own request: the affiliate must be theirs. */
  userId?: string;
  by: string;
  note: string;
  payoutId?: string;
  schedulePeriod?: string;
  /** The request's fields for the affiliate as (re-)read: fixed for an affiliate's request, the balance for a run. */
  bodyFor(affiliate: Affiliate): PayoutRequestBody;
}

export async function requestPayout(
  services: Services,
  userId: string,
  body: PayoutRequestBody,
  idempotencyKey?: string,
): Promise<RequestOutcome> {
  const { store, callers } = services;
  const affiliateId = await callers.affiliateIdOf(userId);
  // The user id is encoded (no '#' left in it), so the first '#' always separates user from key.
  const scopedKey = idempotencyKey === undefined ? undefined : `${encodeURIComponent(userId)}#${idempotencyKey}`;
  const fingerprint = fingerprintOf('POST /payouts/request', body);
  const [affiliate, gate, earlier] = await Promise.all([
    store.getAffiliate(affiliateId),
    taxGateOf(services, affiliateId),
    scopedKey === undefined ? undefined : store.getIdempotencyRecord(scopedKey),
  ]);
  if (earlier) return replayOf(earlier, fingerprint);
  try {
    const current = callers.owns(userId, affiliate) ? affiliate : await callers.affiliateOf(userId);
    const currentGate = current.affiliate_id === affiliateId ? gate : await taxGateOf(services, current.affiliate_id);
    checkScheduledFor(services, body.scheduled_for);
    const source: RequestSource = { userId, by: current.user_id, note: 'requested by affiliate', bodyFor: () => body };
    return await reserve(services, source, current, currentGate, scopedKey, fingerprint);
  } catch (error) {
    // Refused while a twin with the same key committed (it drained the balance first): answer as the twin did.
    if (scopedKey !== undefined && error instanceof AppError && !(error instanceof BusyError)) {
      const late = await store.getIdempotencyRecord(scopedKey);
      if (late) return replayOf(late, fingerprint);
    }
    throw error;
  }
}

/** The affiliate's paid total for the current tax year (strongly consistent) and the threshold: the tax form gate. */
async function taxGateOf({ store, clock, rules }: Services, affiliateId: string): Promise<TaxGate> {
  const year = taxYearOf(clock.now().toISOString());
  const totals = (await store.getTaxYear(year, affiliateId)) ?? emptyTotals(year, affiliateId);
  return { totals, threshold: rules.taxFormThreshold };
}

/** The days ahead a future-dated payout may be set for. */
export const MAX_SCHEDULE_DAYS = 90;

/** scheduled_for: a real date from today (UTC) to MAX_SCHEDULE_DAYS ahead. */
function checkScheduledFor({ clock }: Services, date: string | undefined): void {
  if (date === undefined) return;
  const now = clock.now();
  const today = now.toISOString().slice(0, 10);
  const last = new Date(Date.parse(`${today}T00:00:00.000Z`) + MAX_SCHEDULE_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  if (date < today || date > last) {
    throw new InvalidInputError(
      'VALIDATION_ERROR',
      `scheduled_for must be a date from today (${today}) to ${MAX_SCHEDULE_DAYS} days ahead (${last}).`,
    );
  }
}

export type ScheduledOutcome = { kind: 'created'; payout: PayoutView } | { kind: 'skipped'; reason: string };

/**
 * The scheduler's request for one affiliate: `plan` decides on the record read here (strongly consistent) whether
 * and for which period to request (or why not). The whole available amount goes through the same reserve and guard
 * as an affiliate's own request, with Idempotency-Key `schedule:<affiliate_id>:<period>` and a payout id derived
 * from both: a re-run, a concurrent run or a run after the key expired all find it taken.
 */
export async function requestScheduledPayout(
  services: Services,
  affiliateId: string,
  plan: (affiliate: Affiliate) => { period: string; minimum: number } | string,
): Promise<ScheduledOutcome> {
  const [affiliate, gate] = await Promise.all([
    services.store.getAffiliate(affiliateId),
    taxGateOf(services, affiliateId),
  ]);
  if (!affiliate) return { kind: 'skipped', reason: 'AFFILIATE_NOT_FOUND' };
  const decision = plan(affiliate);
  if (typeof decision === 'string') return { kind: 'skipped', reason: decision };
  const { period, minimum } = decision;
  const key = `schedule:${affiliate.affiliate_id}:${period}`;
  // ':' never survives encodeURIComponent, so no user's scope can name this one.
  const scopedKey = `scheduler:#${key}`;
  const fingerprint = fingerprintOf('scheduler', { affiliate_id: affiliate.affiliate_id, period });
  const source: RequestSource = {
    by: 'scheduler',
    note: `requested by the ${affiliate.schedule ?? ''} schedule (${period})`,
    payoutId: scheduledPayoutId(affiliate.affiliate_id, period),
    schedulePeriod: period,
    bodyFor: (current) => {
      const available = availableOf(current.total_earned, current.total_paid, current.total_pending);
      if (available < minimum || available <= 0) {
        throw new InvalidInputError(
          'BELOW_AUTO_MINIMUM',
          `Available ${describeCents(available)} is below the automatic minimum of ${describeCents(minimum)}.`,
        );
      }
      return { amount: available };
    },
  };
  try {
    const outcome = await reserve(services, source, affiliate, gate, scopedKey, fingerprint);
    return outcome.kind === 'created'
      ? { kind: 'created', payout: outcome.data.payout }
      : { kind: 'skipped', reason: 'ALREADY_REQUESTED' };
  } catch (error) {
    if (error instanceof AppError && error.code === 'PAYOUT_EXISTS')
      return { kind: 'skipped', reason: 'ALREADY_REQUESTED' };
    throw error;
  }
}

/** One id per affiliate and period: the payout Put's attribute_not_exists(payout_id) keeps the period to one payout. */
export function scheduledPayoutId(affiliateId: string, period: string): string {
  return `sched-${createHash('sha256').update(`${affiliateId}\n${period}`).digest('hex').slice(0, 40)}`;
}

async function reserve(
  services: Services,
  source: RequestSource,
  first: Affiliate,
  firstGate: TaxGate,
  scopedKey: string | undefined,
  fingerprint: string,
): Promise<Extract<RequestOutcome, { kind: 'replayed' }> | { kind: 'created'; data: { payout: PayoutView } }> {
  let affiliate: Affiliate | undefined = first;
  let gate = firstGate;
  for (let attempt = 1; attempt <= MAX_RESERVE_ATTEMPTS; attempt += 1) {
    if (source.userId !== undefined ? !services.callers.owns(source.userId, affiliate) : affiliate === undefined)
      throw notAnAffiliate();
    if (affiliate === undefined) throw notAnAffiliate();
    const payout = draftPayout(services, affiliate, gate, source.bodyFor(affiliate), source);
    const data = { payout: toPayoutView(payout, { today: todayOf(services.clock.now()) }) };
    const idempotency: IdempotencyRecord | undefined =
      scopedKey === undefined
        ? undefined
        : {
            key: scopedKey,
            fingerprint,
            outcome: 'created',
            data,
            payoutId: payout.payout_id,
            expiresAt: epochSeconds(services.clock) + services.rules.idempotencyTtlSeconds,
          };
    const outcome = await services.store.reservePayout(
      payout,
      reservationGuard(affiliate, payout.amount, gate),
      idempotency,
    );
    switch (outcome.kind) {
      case 'created':
        return { kind: 'created', data };
      case 'idempotency-replay':
        return replayOf(outcome.record, fingerprint);
      case 'idempotency-in-flight':
        throw new ConflictError(
          'IDEMPOTENCY_IN_FLIGHT',
          'A request with this Idempotency-Key is still being processed; retry in a moment to get its answer.',
          { data: { retryAfterSeconds: 1 } },
        );
      case 'busy':
        throw outcome.error;
      case 'payout-exists':
        throw new ConflictError('PAYOUT_EXISTS', 'This payout was requested already.');
      case 'affiliate-changed':
        affiliate = outcome.affiliate;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        break;
      case 'tax-year-changed':
        [affiliate, gate] = await Promise.all([
          services.store.getAffiliate(affiliate.affiliate_id),
          taxGateOf(services, affiliate.affiliate_id),
        ]);
    }
  }
  throw new BusyError('Too many payout requests for this affiliate at once; retry in a moment.');
}

/** The rules, applied to the affiliate as read: the 4xx a rule gives, or the payout to reserve. */
function draftPayout(
  { rules, clock, newId }: Services,
  affiliate: Affiliate,
  gate: TaxGate,
  body: PayoutRequestBody,
  source: RequestSource,
): Payout {
  if (affiliate.status !== ACTIVE) {
    throw new NotPermittedError(
      'AFFILIATE_INACTIVE',
      `Only an active affiliate can request a payout; this account is ${affiliate.status}.`,
    );
  }
  const now = clock.now();
  const until = activeCooldown(affiliate, now);
  if (until !== undefined) {
    throw new ConflictError(
      'PAYOUT_METHOD_COOLDOWN',
      `Your payout destination changed recently, so payouts are held until ${until} (a safety cool-down); ` +
        'request again after that, or ask the program to end it early.',
      { data: { cooldown_until: until } },
    );
  }
  const method = body.payment_method ?? affiliate.payment_method;
  if (!method || !(PAYMENT_METHODS as readonly string[]).includes(method)) {
    throw new InvalidInputError(
      'PAYMENT_METHOD_REQUIRED',
      `Choose a payment_method (${PAYMENT_METHODS.join(' or ')}).`,
    );
  }
  if (method === 'stripe' && !affiliate.stripe_account_id) {
    throw new InvalidInputError(
      'STRIPE_ACCOUNT_REQUIRED',
      'To be paid by stripe, connect a Stripe account first (no stripe_account_id on file).',
    );
  }
  const email = body.payment_email ?? affiliate.payment_email;
  if (!email) throw new InvalidInputError('PAYMENT_EMAIL_REQUIRED', `A payment_email is required to pay by ${method}.`);
  const minimum = minimumPayoutFor(affiliate.tier, rules.tierMinimums, rules.defaultMinimumPayout);
  if (body.amount < minimum) {
    throw new InvalidInputError('BELOW_MINIMUM', `The minimum payout is ${minimum} cents (${describeCents(minimum)}).`);
  }
  const available = availableOf(affiliate.total_earned, affiliate.total_paid, affiliate.total_pending);
  if (body.amount > available) {
    throw new InvalidInputError(
      'INSUFFICIENT_BALANCE',
      `The amount exceeds your available balance of ${available} cents (${describeCents(available)}).`,
    );
  }
  if (!passesTaxGate(affiliate, body.amount, gate)) {
    throw new NotPermittedError(
      'TAX_FORM_REQUIRED',
      `Payouts above ${describeCents(gate.threshold)} in a calendar year need a tax form (W-9 or W-8) on file; ` +
        'send yours to the program, then request again.',
      { data: { threshold_cents: gate.threshold } },
    );
  }
  const at = now.toISOString();
  const flags = [
    ...(isFlaggedDuplicate(affiliate) ? [DUPLICATE_DESTINATION] : []),
    ...(differsFromFile(affiliate, body) ? [DESTINATION_NOT_ON_FILE] : []),
  ];
  return {
    payout_id: source.payoutId ?? newId(),
    affiliate_id: affiliate.affiliate_id,
    amount: body.amount,
    currency: 'USD',
    payment_method: method as PaymentMethod,
    payment_email: email,
    ...(method === 'stripe' ? { stripe_account_id: affiliate.stripe_account_id } : {}),
    status: 'pending',
    requested_at: at,
    updated_at: at,
    ...(body.scheduled_for !== undefined ? { scheduled_for: body.scheduled_for } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    ...(source.schedulePeriod !== undefined ? { schedule_period: source.schedulePeriod } : {}),
    history: [{ at, by: source.by, from: null, to: 'pending', note: source.note }],
  };
}

function replayOf(record: IdempotencyRecord, fingerprint: string): RequestOutcome {
  if (record.fingerprint !== fingerprint) {
    throw new UnprocessableError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
    );
  }
  return { kind: 'replayed', data: record.data };
}
