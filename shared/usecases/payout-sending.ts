// route -> (use case) -> store. Sending payouts through a provider, the operator's side:
// 1 read the payout, 2 check the method has a configured provider, 3 commit the move to processing and the queued
// attempt in one transaction (the stream takes it to the payout-sender), 4 answer 202 with both.
import { idempotencyKeyOf, providerOf, type Attempt, type Provider } from '../domain/attempt.ts';
import { ConflictError, payoutNotFound } from '../domain/errors.ts';
import type { Payout } from '../domain/payout.ts';
import type { AttemptStore } from '../domain/provider-ports.ts';
import type { AdminPayoutView } from '../schemas/admin.ts';
import { PAYOUT_ID_PATTERN } from '../schemas/common.ts';
import type { Clock } from '../domain/clock.ts';
import { unconfirmedDuplicate } from '../domain/settings.ts';
import { applyProviderMove } from './provider-move.ts';
import { toAdminPayoutView } from './views.ts';

/** An attempt as admins see it. */
export type AttemptView = Omit<Attempt, 'destination'> & { destination: string };

export interface SendView {
  payout: AdminPayoutView;
  attempt: AttemptView;
}

/** One payout of a bulk send: sent, or the error that refused it (the route answers it through the error map). */
export type BulkSendOutcome = { payout_id: string; sent: SendView } | { payout_id: string; error: unknown };

export const SEND_CONCURRENCY = 10;
/** PayPal's refusal of a reused batch id means the first call may have paid: never retry that one blindly. */
const UNSAFE_TO_RETRY = new Set(['DUPLICATE_BATCH']);

const notFound = payoutNotFound;

/** Masks all but the last 4 characters of a destination (an e-mail or an acct_ id) for listings. */
function maskDestination(destination: string): string {
  return destination.length <= 4
    ? '****'
    : `${'*'.repeat(Math.min(8, destination.length - 4))}${destination.slice(-4)}`;
}

export function toAttemptView(attempt: Attempt): AttemptView {
  return { ...attempt, destination: maskDestination(attempt.destination) };
}

export class PayoutSending {
  constructor(
    private readonly store: AttemptStore,
    /** The providers this deployment has credentials for (PAYOUT_PROVIDERS). */
    private readonly configured: ReadonlySet<Provider>,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  /** POST /admin/payouts/{id}/send. */
  async send(adminId: string, payoutId: string, { confirmDuplicateDestination = false } = {}): Promise<SendView> {
    const payout = await this.payout(payoutId);
    const provider = this.providerFor(payout);
    if (payout.status !== 'pending') {
      throw new ConflictError('PAYOUT_NOT_PENDING', `Only a pending payout can be sent; this one is ${payout.status}.`);
    }
    const at = this.clock.now().toISOString();
    const attempt = this.newAttempt(payout, provider, 1, adminId, at);
    const outcome = await applyProviderMove(
      this.store,
      {
        payout,
        to: 'processing',
        by: adminId,
        at,
        note: `sent to ${provider}`,
        set: { processed_by: adminId },
        attempt: { create: attempt },
        ...(confirmDuplicateDestination ? { confirmDuplicateDestination } : {}),
      },
      'admin',
    );
    if (outcome.kind === 'destination-unconfirmed') throw unconfirmedDuplicate();
    if (outcome.kind === 'moved') return { payout: toAdminPayoutView(outcome.payout), attempt: toAttemptView(attempt) };
    if (outcome.kind === 'status-changed') {
      if (!outcome.current) throw notFound();
      throw new ConflictError(
        'PAYOUT_NOT_PENDING',
        `Only a pending payout can be sent; this one is ${outcome.current.status}.`,
      );
    }
    throw new ConflictError('PAYOUT_NOT_PENDING', 'This payout already has an attempt; it is being sent.');
  }

  /** POST /admin/payouts/send: each payout on its own, SEND_CONCURRENCY at a time; duplicates run in order. */
  async sendMany(
    adminId: string,
    payoutIds: readonly string[],
    options: { confirmDuplicateDestination?: boolean } = {},
  ): Promise<BulkSendOutcome[]> {
    const results: BulkSendOutcome[] = new Array(payoutIds.length);
    const groups = new Map<string, number[]>();
    for (const [index, id] of payoutIds.entries()) groups.set(id, [...(groups.get(id) ?? []), index]);
    const queue = [...groups.values()];
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const index of group) {
          const payoutId = payoutIds[index] as string;
          try {
            results[index] = { payout_id: payoutId, sent: await this.send(adminId, payoutId, options) };
          } catch (error) {
            results[index] = { payout_id: payoutId, error };
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, queue.length) }, worker));
    return results;
  }

  /** POST /admin/payouts/{id}/retry: a new attempt for a processing payout whose last attempt failed on our side. */
  async retry(adminId: string, payoutId: string): Promise<SendView> {
    const payout = await this.payout(payoutId);
    const provider = this.providerFor(payout);
    if (payout.status !== 'processing') {
      throw new ConflictError(
        'PAYOUT_NOT_PROCESSING',
        `Only a processing payout can be retried; this one is ${payout.status}.`,
      );
    }
    const attempts = await this.store.listAttempts(payout.payout_id);
    const last = attempts.reduce<Attempt | undefined>(
      (latest, attempt) => (!latest || attempt.attempt > latest.attempt ? attempt : latest),
      undefined,
    );
    if (last?.status !== 'failed' || last.error?.category !== 'ours') {
      throw new ConflictError(
        'NOTHING_TO_RETRY',
        `The last attempt is ${last?.status ?? 'missing'}${last?.error ? ` (${last.error.category})` : ''}: only an attempt that failed on our side is retried.`,
      );
    }
    if (UNSAFE_TO_RETRY.has(last.error.code)) {
      throw new ConflictError(
        'ATTEMPT_MAY_HAVE_PAID',
        'The provider says the last attempt was already submitted: check the provider dashboard and record the result with the process route.',
      );
    }
    const at = this.clock.now().toISOString();
    const next = this.newAttempt(payout, provider, last.attempt + 1, adminId, at);
    const outcome = await this.store.queueRetry(payout, last, next);
    if (outcome === 'conflict')
      throw new ConflictError('NOTHING_TO_RETRY', 'The payout or its last attempt changed meanwhile; reload it.');
    return { payout: toAdminPayoutView(payout), attempt: toAttemptView(next) };
  }

  /** The attempts of a payout, oldest first (GET /admin/payouts/{id}). */
  async attempts(payoutId: string): Promise<AttemptView[]> {
    if (!PAYOUT_ID_PATTERN.test(payoutId)) return [];
    return (await this.store.listAttempts(payoutId)).sort((a, b) => a.attempt - b.attempt).map(toAttemptView);
  }

  private providerFor(payout: Payout): Provider {
    const provider = providerOf(payout.payment_method);
    if (!provider) {
      throw new ConflictError(
        'MANUAL_PAYMENT_METHOD',
        `A payout by ${payout.payment_method} is paid by hand: record it with POST /admin/payouts/{id}/process.`,
      );
    }
    if (!this.configured.has(provider)) {
      throw new ConflictError(
        'PROVIDER_NOT_CONFIGURED',
        `No ${provider} credentials are configured for this deployment; pay it by hand or configure ${provider}.`,
      );
    }
    return provider;
  }

  private newAttempt(payout: Payout, provider: Provider, number: number, adminId: string, at: string): Attempt {
    const destination = provider === 'stripe' ? payout.stripe_account_id : payout.payment_email;
    if (!destination) {
      throw new ConflictError(
        'DESTINATION_MISSING',
        provider === 'stripe' ? 'This payout has no Stripe account to send to.' : 'This payout has no PayPal e-mail.',
      );
    }
    return {
      payout_id: payout.payout_id,
      attempt: number,
      provider,
      idempotency_key: idempotencyKeyOf(payout.payout_id, number),
      status: 'queued',
      amount: payout.amount,
      destination,
      created_at: at,
      updated_at: at,
      created_by: adminId,
    };
  }

  private async payout(payoutId: string): Promise<Payout> {
    if (!PAYOUT_ID_PATTERN.test(payoutId)) throw notFound();
    const payout = await this.store.getPayout(payoutId);
    if (!payout) throw notFound();
    return payout;
  }
}
