import { createHash, randomUUID } from 'node:crypto';
import { ACTIVE, type Affiliate } from '../domain/affiliate.ts';
import { balanceOf, minimumPayoutFor, sumPayouts, type Balance } from '../domain/balance.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  UnprocessableError,
  AppError,
} from '../domain/errors.ts';
import { describeCents, type Cents } from '../domain/money.ts';
import { PAYMENT_METHODS, type PaymentMethod, type Payout } from '../domain/payout.ts';
import type { IdempotencyRecord, PayoutStore } from '../domain/ports.ts';
import type { PayoutListView, PayoutRequestBody, SummaryView } from '../schemas/payouts.ts';
import { PAYOUT_ID_PATTERN, type PayoutView } from '../schemas/common.ts';
import { affiliateIndexKey, decodeCursor, encodeCursor } from './cursor.ts';
import { TtlCache } from './ttl-cache.ts';
import { toPayoutView } from './views.ts';

export interface PayoutRules {
  defaultMinimumPayout: Cents;
  tierMinimums: Readonly<Record<string, number>>;
  idempotencyTtlSeconds: number;
  affiliateCacheTtlMs: number;
}

export interface Clock {
  now(): Date;
}

/** An answer a route sends as it is: a fresh one, or one replayed for an Idempotency-Key. */
export interface UseCaseResult<T> {
  statusCode: number;
  message: string;
  data: T;
  replayedBody?: unknown;
}

/** How many times a reservation is re-decided when the affiliate changed under it before answering 503. */
const MAX_RESERVE_ATTEMPTS = 10;

export const REQUEST_MESSAGE = 'Payout request submitted successfully';

/** sha256 of the request's canonical JSON: same key + same body replays, same key + other body is a 422. */
export function fingerprintOf(body: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(body).sort().map((key) => [key, body[key]]));
  return createHash('sha256').update(`POST /payouts/request\n${canonical}`).digest('hex');
}

/**
 * What an affiliate can do with their payouts. No AWS here: the store port does the I/O, and every guard that
 * matters under concurrency is enforced by the store's transaction, not by the reads in this class.
 */
export class AffiliatePayouts {
  /** user_id -> affiliate_id, at module scope with a short TTL: a warm request skips the GSI lookup. */
  private readonly affiliateIds: TtlCache<string>;

  constructor(
    private readonly store: PayoutStore,
    private readonly rules: PayoutRules,
    private readonly clock: Clock = { now: () => new Date() },
    private readonly newId: () => string = randomUUID,
  ) {
    this.affiliateIds = new TtlCache(rules.affiliateCacheTtlMs, () => this.clock.now().getTime());
  }

  /** The caller's affiliate record (strongly consistent), or 403 when the user is not an affiliate. */
  async affiliateOf(userId: string): Promise<Affiliate> {
    const affiliateId = await this.affiliateIdOf(userId);
    const affiliate = await this.store.getAffiliate(affiliateId);
    if (affiliate?.user_id === userId) return affiliate;
    // The cached mapping (or the index) was stale: drop it and ask the index once more.
    this.affiliateIds.delete(userId);
    const fresh = await this.affiliateIdOf(userId);
    const retried = fresh === affiliateId ? undefined : await this.store.getAffiliate(fresh);
    if (retried?.user_id === userId) return retried;
    throw notAnAffiliate();
  }

  async affiliateIdOf(userId: string): Promise<string> {
    const cached = this.affiliateIds.get(userId);
    if (cached !== undefined) return cached;
    const affiliateId = await this.store.findAffiliateIdByUser(userId);
    if (affiliateId === undefined) throw notAnAffiliate();
    this.affiliateIds.set(userId, affiliateId);
    return affiliateId;
  }

  async requestPayout(
    userId: string,
    body: PayoutRequestBody,
    idempotencyKey?: string,
  ): Promise<UseCaseResult<{ payout: PayoutView }>> {
    const affiliateId = await this.affiliateIdOf(userId);
    // The user id is encoded (no '#' left in it), so the first '#' always separates user from key.
    const scopedKey = idempotencyKey === undefined ? undefined : `${encodeURIComponent(userId)}#${idempotencyKey}`;
    const fingerprint = fingerprintOf(body);
    const [affiliate, earlier] = await Promise.all([
      this.store.getAffiliate(affiliateId),
      scopedKey === undefined ? undefined : this.store.getIdempotencyRecord(scopedKey),
    ]);
    if (earlier) return replayOf(earlier, fingerprint);
    try {
      const current = affiliate?.user_id === userId ? affiliate : await this.affiliateOf(userId);
      return await this.reserve(userId, current, body, scopedKey, fingerprint);
    } catch (error) {
      // A request refused while a twin with the same key was committing answers as the twin did.
      if (scopedKey !== undefined && error instanceof AppError && error.statusCode < 500) {
        const late = await this.store.getIdempotencyRecord(scopedKey);
        if (late) return replayOf(late, fingerprint);
      }
      throw error;
    }
  }

  private async reserve(
    userId: string,
    first: Affiliate,
    body: PayoutRequestBody,
    scopedKey: string | undefined,
    fingerprint: string,
  ): Promise<UseCaseResult<{ payout: PayoutView }>> {
    let affiliate: Affiliate | undefined = first;
    for (let attempt = 1; attempt <= MAX_RESERVE_ATTEMPTS; attempt += 1) {
      if (!affiliate || affiliate.user_id !== userId) throw notAnAffiliate();
      const payout = this.draftPayout(affiliate, body);
      const data = { payout: toPayoutView(payout) };
      const idempotency: IdempotencyRecord | undefined =
        scopedKey === undefined
          ? undefined
          : {
              key: scopedKey,
              fingerprint,
              statusCode: 201,
              body: { success: true, message: REQUEST_MESSAGE, data },
              payoutId: payout.payout_id,
              expiresAt: Math.floor(this.clock.now().getTime() / 1000) + this.rules.idempotencyTtlSeconds,
            };
      const outcome = await this.store.reservePayout(
        payout,
        // Other reservations may add to pending meanwhile, as long as this payout still fits what was read: a
        // guard of "pending unchanged" made concurrent requests of one affiliate retry each other for nothing.
        { earnedAtLeast: affiliate.total_earned, paidAtMost: affiliate.total_paid, pendingAtMost: affiliate.total_earned - affiliate.total_paid - payout.amount },
        idempotency,
      );
      switch (outcome.kind) {
        case 'created':
          return { statusCode: 201, message: REQUEST_MESSAGE, data };
        case 'idempotency-replay':
          return replayOf(outcome.record, fingerprint);
        case 'idempotency-in-flight':
          throw inFlight();
        case 'affiliate-changed':
          affiliate = outcome.affiliate;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
    throw new ServiceUnavailableError('Too many payout requests for this affiliate at once; retry in a moment.');
  }

  /** Applies the business rules to the affiliate as read; throws the 4xx a rule gives, or returns the payout. */
  private draftPayout(affiliate: Affiliate, body: PayoutRequestBody): Payout {
    if (affiliate.status !== ACTIVE) {
      throw new ForbiddenError('AFFILIATE_INACTIVE', `Only an active affiliate can request a payout; this account is ${affiliate.status}.`);
    }
    const method = body.payment_method ?? affiliate.payment_method;
    if (!method || !(PAYMENT_METHODS as readonly string[]).includes(method)) {
      throw new BadRequestError('PAYMENT_METHOD_REQUIRED', `Choose a payment_method (${PAYMENT_METHODS.join(' or ')}).`);
    }
    if (method === 'stripe' && !affiliate.stripe_account_id) {
      throw new BadRequestError('STRIPE_ACCOUNT_REQUIRED', 'To be paid by stripe, connect a Stripe account first (no stripe_account_id on file).');
    }
    const email = body.payment_email ?? affiliate.payment_email;
    if (!email) {
      throw new BadRequestError('PAYMENT_EMAIL_REQUIRED', `A payment_email is required to pay by ${method}.`);
    }
    const minimum = minimumPayoutFor(affiliate.tier, this.rules.tierMinimums, this.rules.defaultMinimumPayout);
    if (body.amount < minimum) {
      throw new BadRequestError('BELOW_MINIMUM', `The minimum payout is ${minimum} cents (${describeCents(minimum)}).`);
    }
    const { available } = balanceOf(affiliate.total_earned, affiliate.total_paid, affiliate.total_pending);
    if (body.amount > available) {
      throw new BadRequestError(
        'INSUFFICIENT_BALANCE',
        `The amount exceeds your available balance of ${available} cents (${describeCents(available)}).`,
      );
    }
    const at = this.clock.now().toISOString();
    return {
      payout_id: this.newId(),
      affiliate_id: affiliate.affiliate_id,
      amount: body.amount,
      currency: 'USD',
      payment_method: method as PaymentMethod,
      payment_email: email,
      ...(method === 'stripe' ? { stripe_account_id: affiliate.stripe_account_id } : {}),
      status: 'pending',
      requested_at: at,
      updated_at: at,
      history: [{ at, by: affiliate.user_id, from: null, to: 'pending', note: 'requested by affiliate' }],
    };
  }

  /** The reporting path: earned from the affiliate record, paid and pending summed from the affiliate-payouts index. */
  async balance(userId: string): Promise<{ balance: Balance }> {
    const { balance } = await this.balanceAndPayouts(userId);
    return { balance };
  }

  async summary(userId: string): Promise<SummaryView> {
    const { affiliate, balance, payouts } = await this.balanceAndPayouts(userId);
    const last = payouts[0];
    return {
      affiliate_id: affiliate.affiliate_id,
      tier: affiliate.tier ?? null,
      // The balance both flat (as the seed's summary lists its figures) and grouped (as GET /payouts/balance).
      ...balance,
      balance,
      minimum_payout: minimumPayoutFor(affiliate.tier, this.rules.tierMinimums, this.rules.defaultMinimumPayout),
      payout_count: payouts.length,
      last_payout: last ? toPayoutView(last) : null,
    };
  }

  private async balanceAndPayouts(userId: string) {
    const affiliateId = await this.affiliateIdOf(userId);
    const [affiliate, payouts] = await Promise.all([
      this.store.getAffiliate(affiliateId),
      this.store.allAffiliatePayouts(affiliateId),
    ]);
    this.assertOwner(userId, affiliate);
    const { paid, pending } = sumPayouts(payouts);
    return { affiliate, payouts, balance: balanceOf(affiliate.total_earned, paid, pending) };
  }

  async list(userId: string, limit: number, cursor?: string): Promise<PayoutListView> {
    const affiliateId = await this.affiliateIdOf(userId);
    const startKey = cursor === undefined ? undefined : decodeCursor(cursor, affiliateIndexKey);
    if (startKey && startKey.affiliate_id !== affiliateId) {
      throw new BadRequestError('INVALID_CURSOR', 'The cursor is not valid; start again without it.');
    }
    const [affiliate, page] = await Promise.all([
      this.store.getAffiliate(affiliateId),
      this.store.listAffiliatePayouts(affiliateId, limit, startKey),
    ]);
    this.assertOwner(userId, affiliate);
    return {
      payouts: page.items.map((item) => toPayoutView(item)),
      total: affiliate.payout_count,
      next_cursor: page.lastKey ? encodeCursor(page.lastKey) : null,
    };
  }

  async get(userId: string, payoutId: string): Promise<{ payout: PayoutView }> {
    const payout = await this.ownPayout(userId, payoutId);
    return { payout: toPayoutView(payout, { withHistory: true }) };
  }

  async cancel(userId: string, payoutId: string): Promise<UseCaseResult<{ payout: PayoutView }>> {
    let payout = await this.ownPayout(userId, payoutId);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      if (payout.status === 'cancelled') {
        // A retried cancel: the first one already returned the money.
        return { statusCode: 200, message: 'Payout already cancelled', data: { payout: toPayoutView(payout, { withHistory: true }) } };
      }
      if (payout.status !== 'pending') {
        throw new ConflictError(
          'PAYOUT_NOT_CANCELLABLE',
          `Only a pending payout can be cancelled; this one is ${payout.status} (move ${payout.status} -> cancelled is not allowed).`,
        );
      }
      const at = this.clock.now().toISOString();
      const outcome = await this.store.movePayout({
        payout,
        to: 'cancelled',
        change: { at, by: userId, from: 'pending', to: 'cancelled', note: 'cancelled by affiliate' },
        set: {},
      });
      if (outcome.kind === 'moved') {
        return { statusCode: 200, message: 'Payout cancelled', data: { payout: toPayoutView(outcome.payout, { withHistory: true }) } };
      }
      if (!outcome.current) throw payoutNotFound();
      payout = outcome.current;
    }
    throw new ServiceUnavailableError('The payout is changing right now; retry in a moment.');
  }

  /** The record read with a cached mapping must still be the caller's; a stale mapping is dropped. */
  private assertOwner(userId: string, affiliate: Affiliate | undefined): asserts affiliate is Affiliate {
    if (affiliate?.user_id === userId) return;
    this.affiliateIds.delete(userId);
    throw notAnAffiliate();
  }

  /** The payout if it belongs to the caller; another affiliate's payout is a 404, exactly like a missing one. */
  private async ownPayout(userId: string, payoutId: string): Promise<Payout> {
    if (!PAYOUT_ID_PATTERN.test(payoutId)) throw payoutNotFound();
    // The affiliate record (not only the cached mapping) proves ownership; both reads go out together.
    const [affiliate, payout] = await Promise.all([this.affiliateOf(userId), this.store.getPayout(payoutId)]);
    if (!payout || payout.affiliate_id !== affiliate.affiliate_id) throw payoutNotFound();
    return payout;
  }
}

function replayOf<T>(record: IdempotencyRecord, fingerprint: string): UseCaseResult<T> {
  if (record.fingerprint !== fingerprint) {
    throw new UnprocessableError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
    );
  }
  return { statusCode: record.statusCode, message: '', data: undefined as T, replayedBody: record.body };
}

function inFlight(): ConflictError {
  return new ConflictError(
    'IDEMPOTENCY_IN_FLIGHT',
    'A request with this Idempotency-Key is still being processed; retry in a moment to get its answer.',
    { headers: { 'Retry-After': '1' } },
  );
}

function notAnAffiliate(): ForbiddenError {
  return new ForbiddenError('NOT_AN_AFFILIATE', 'This account is not linked to an affiliate.');
}

function payoutNotFound(): NotFoundError {
  return new NotFoundError('PAYOUT_NOT_FOUND', 'No payout with this id was found.');
}
