// stream | webhook | schedule -> (use case) -> provider + store. Keeping payouts in step with the providers:
// - send:    1 re-read the attempt (a stream redelivery finds it no longer queued), 2 call the provider with the
//            attempt's key, 3 record what it said (paid -> completed; accepted -> sent; the recipient's error ->
//            failed, money back; ours -> attempt failed, payout stays processing; transient -> throw, retried).
// - observe: a verified webhook or a poll -> intent (shared/domain/provider-events.ts) -> one transaction.
// - sweep:   poll sent attempts nobody answered, re-drive queued attempts nobody sent.
import type { Attempt } from '../domain/attempt.ts';
import { providerActorId } from '../domain/payout.ts';
import { intentFor, type ProviderObservation } from '../domain/provider-events.ts';
import type { AttemptStore, ProviderEventRecord } from '../domain/provider-ports.ts';
import { describeError, type Logger } from '../logger.ts';
import { ProviderError, type PayoutProvider, type VerifiedWebhook } from '../domain/payout-provider.ts';
import type { Clock } from '../domain/clock.ts';
import { applyProviderMove } from './provider-move.ts';

export type SendOutcome = 'completed' | 'sent' | 'failed' | 'ours' | 'skipped';
export type ObserveOutcome = 'applied' | 'none' | 'stay' | 'flagged' | 'ignored' | 'replay' | 'defer';

const MAX_TRIES = 3;

export class ProviderSync {
  constructor(
    private readonly store: AttemptStore,
    private readonly providers: Partial<Record<string, PayoutProvider>>,
    private readonly logger: Logger,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  private now(): string {
    return this.clock.now().toISOString();
  }

  /** The sender's work for one queued attempt. Throws on a transient failure (the stream retries it). */
  async send(key: { payout_id: string; attempt: number }): Promise<SendOutcome> {
    const attempt = await this.store.getAttempt(key.payout_id, key.attempt);
    if (attempt?.status !== 'queued') return 'skipped';
    const payout = await this.store.getPayout(attempt.payout_id);
    if (payout?.status !== 'processing') {
      await this.store.markFailed(
        attempt,
        { code: 'PAYOUT_NOT_PROCESSING', message: `the payout is ${payout?.status ?? 'missing'}`, category: 'ours' },
        this.now(),
      );
      this.logger.error('attempt for a payout that is not processing', {
        payout_id: attempt.payout_id,
        attempt: attempt.attempt,
        alarm: 'PROVIDER_OURS',
      });
      return 'ours';
    }
    const provider = this.providers[attempt.provider];
    if (!provider) {
      await this.store.markFailed(
        attempt,
        { code: 'PROVIDER_NOT_CONFIGURED', message: `no ${attempt.provider} credentials`, category: 'ours' },
        this.now(),
      );
      this.logger.error('provider not configured', {
        payout_id: attempt.payout_id,
        provider: attempt.provider,
        alarm: 'PROVIDER_OURS',
      });
      return 'ours';
    }
    let result: Awaited<ReturnType<typeof provider.send>>;
    try {
      result = await provider.send(attempt);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.category === 'transient') throw error;
      const attemptError = { code: error.code, message: error.message.slice(0, 500), category: error.category };
      if (error.category === 'recipient') {
        const outcome = await this.observe(
          {
            provider: attempt.provider,
            payout_id: attempt.payout_id,
            amount: attempt.amount,
            reference: attempt.idempotency_key,
            fact: { kind: 'failed', code: error.code, reason: recipientReason(error.code) },
          },
          undefined,
          attempt,
          attemptError,
        );
        return outcome === 'applied' ? 'failed' : 'skipped';
      }
      // Only while still queued: a concurrent delivery of this attempt may have been accepted meanwhile.
      if (!(await this.store.markFailed(attempt, attemptError, this.now(), 'queued'))) return 'skipped';
      this.logger.error('provider refused on our side: an operator must fix it and retry', {
        payout_id: attempt.payout_id,
        attempt: attempt.attempt,
        provider: attempt.provider,
        code: error.code,
        alarm: 'PROVIDER_OURS',
      });
      return 'ours';
    }
    if (result.kind === 'accepted') {
      await this.store.markSent(attempt, result.reference, result.item_id, this.now());
      return 'sent';
    }
    const outcome = await this.observe(
      {
        provider: attempt.provider,
        payout_id: attempt.payout_id,
        amount: attempt.amount,
        reference: result.reference,
        fact: { kind: 'paid', transaction_id: result.transaction_id },
      },
      undefined,
      attempt,
    );
    return outcome === 'applied' || outcome === 'none' ? 'completed' : 'skipped';
  }

  /** A verified webhook: a replay or an ignored type answers 200 with no effect; see observe for the rest. */
  async webhook(verified: VerifiedWebhook, provider: 'stripe' | 'paypal'): Promise<ObserveOutcome> {
    const eventKey = `${provider}:${verified.eventId}`;
    if (await this.store.getEvent(eventKey)) return 'replay';
    const base = { event_key: eventKey, provider, event_type: verified.eventType, received_at: this.now() };
    if (!verified.observation) {
      return (await this.store.recordEvent({ ...base, outcome: 'ignored' })) === 'replay' ? 'replay' : 'ignored';
    }
    return this.observe(verified.observation, base);
  }

  /**
   * Applies what a provider said about a payout (webhook, poll or the sender's own call). Whichever of them
   * arrives first moves the payout; the others find it already there (a no-op). With an event, the event record
   * is written in the same transaction, so a replay of it is never applied twice.
   */
  async observe(
    observation: ProviderObservation,
    event?: Omit<ProviderEventRecord, 'outcome'>,
    knownAttempt?: Attempt,
    attemptError?: Attempt['error'],
  ): Promise<ObserveOutcome> {
    for (let tries = 1; tries <= MAX_TRIES; tries += 1) {
      const payout = observation.payout_id ? await this.store.getPayout(observation.payout_id) : undefined;
      const intent = intentFor(payout, observation);
      const at = this.now();
      const record = (outcome: ProviderEventRecord['outcome'], reason?: string): ProviderEventRecord | undefined =>
        event
          ? {
              ...event,
              outcome,
              ...(observation.payout_id ? { payout_id: observation.payout_id } : {}),
              ...(reason ? { reason } : {}),
            }
          : undefined;
      switch (intent.kind) {
        case 'defer':
          return 'defer';
        case 'none': {
          const stored = record('none', intent.why);
          if (stored && (await this.store.recordEvent(stored)) === 'replay') return 'replay';
          return 'none';
        }
        case 'flag': {
          this.logger.warn('provider event flagged for an operator', {
            payout_id: observation.payout_id,
            reason: intent.reason,
            alarm: 'PROVIDER_FLAG',
          });
          const stored = record('flagged', intent.reason) ?? {
            event_key: `${observation.provider}:observation:${observation.reference}:${observation.fact.kind}`,
            provider: observation.provider,
            event_type: `observation.${observation.fact.kind}`,
            received_at: at,
            outcome: 'flagged' as const,
            reason: intent.reason,
            ...(observation.payout_id ? { payout_id: observation.payout_id } : {}),
          };
          return (await this.store.recordEvent(stored, true)) === 'replay' && event ? 'replay' : 'flagged';
        }
        case 'stay': {
          if (payout!.status_reason === intent.reason && !event) return 'none';
          const outcome = await this.store.setReason(payout!, intent.reason, at, record('stay', intent.reason));
          if (outcome === 'event-replayed') return 'replay';
          if (outcome === 'changed') continue;
          return 'stay';
        }
        case 'move': {
          const attempts = knownAttempt ? [knownAttempt] : await this.store.listAttempts(payout!.payout_id);
          const attempt = knownAttempt ?? matchAttempt(attempts, observation);
          if (intent.attempt && !attempt) {
            // The sender (or the other of webhook and poll) may have just finished it: read the payout again first.
            if (tries < MAX_TRIES) continue;
            const reason = `${observation.provider} reports ${observation.fact.kind} for ${observation.reference}, which matches no open attempt`;
            this.logger.warn('provider event flagged for an operator', {
              payout_id: observation.payout_id,
              reason,
              alarm: 'PROVIDER_FLAG',
            });
            const stored = record('flagged', reason);
            if (stored) return (await this.store.recordEvent(stored, true)) === 'replay' ? 'replay' : 'flagged';
            return 'flagged';
          }
          const outcome = await applyProviderMove(
            this.store,
            {
              payout: payout!,
              to: intent.to,
              by: providerActorId(observation.provider),
              at,
              ...(intent.reason ? { note: intent.reason } : {}),
              set: {
                processed_at: at,
                ...(intent.transaction_id ? { transaction_id: intent.transaction_id } : {}),
                ...(intent.to === 'failed' && intent.reason ? { status_reason: intent.reason } : {}),
              },
              ...(intent.attempt && attempt
                ? {
                    attempt: {
                      finish: attempt,
                      status: intent.attempt,
                      ...(intent.transaction_id ? { reference: intent.transaction_id } : {}),
                      ...(intent.attempt === 'failed'
                        ? {
                            error: attemptError ?? {
                              code: intent.code ?? 'FAILED',
                              message: intent.reason ?? 'failed',
                              category: 'recipient' as const,
                            },
                          }
                        : {}),
                    },
                  }
                : {}),
              ...(record('applied') ? { event: record('applied')! } : {}),
            },
            'provider',
          );
          if (outcome.kind === 'moved') return 'applied';
          if (outcome.kind === 'event-replayed') return 'replay';
          // The payout or the attempt changed meanwhile (the other of webhook and poll won): decide again.
          knownAttempt = undefined;
          continue;
        }
      }
    }
    throw new Error(
      `payout ${observation.payout_id} kept changing while applying a ${observation.provider} observation`,
    );
  }

  /**
   * The sweeper: polls sent attempts older than minAgeSeconds, and re-drives queued ones that old (the sender
   * never finished them). Returns what it did, for the logs and the tests.
   */
  async sweep(
    minAgeSeconds: number,
    limit = 100,
  ): Promise<{ polled: number; redriven: number; outcomes: Record<string, number> }> {
    const before = new Date(this.clock.now().getTime() - minAgeSeconds * 1000).toISOString();
    const outcomes: Record<string, number> = {};
    const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);
    const sent = await this.store.openAttempts('sent', before, limit);
    for (const attempt of sent) {
      try {
        const provider = this.providers[attempt.provider];
        if (!provider) {
          count('no-provider');
          continue;
        }
        const observation = await provider.poll(attempt);
        if (!observation) {
          await this.store.touchPolled(attempt, this.now());
          count('unknown');
          continue;
        }
        const outcome = await this.observe(observation);
        if (outcome === 'stay' || outcome === 'none') await this.store.touchPolled(attempt, this.now());
        count(outcome);
      } catch (error) {
        count('error');
        this.logger.warn('sweeper could not poll an attempt', {
          payout_id: attempt.payout_id,
          attempt: attempt.attempt,
          ...describeError(error),
        });
      }
    }
    const queued = await this.store.openAttempts('queued', before, limit);
    let redriven = 0;
    for (const attempt of queued) if (await this.store.redrive(attempt, this.now())) redriven += 1;
    return { polled: sent.length, redriven, outcomes };
  }
}

/** The open attempt an observation is about: by its provider references, else the newest open one. */
function matchAttempt(attempts: Attempt[], observation: ProviderObservation): Attempt | undefined {
  // A payment can also finish an attempt failed on our side and not retried: a concurrent delivery of it was
  // accepted (and crashed before recording it), so the provider's success is the truth.
  const maybePaid = (attempt: Attempt) =>
    observation.fact.kind === 'paid' &&
    attempt.status === 'failed' &&
    attempt.error?.category === 'ours' &&
    (attempt as { superseded_by?: number }).superseded_by === undefined;
  const open = attempts.filter(
    (attempt) => attempt.status === 'queued' || attempt.status === 'sent' || maybePaid(attempt),
  );
  return (
    open.find(
      (attempt) =>
        attempt.provider_item_id === observation.reference || attempt.provider_reference === observation.reference,
    ) ?? open.filter((attempt) => attempt.provider === observation.provider).sort((a, b) => b.attempt - a.attempt)[0]
  );
}

/** Words an affiliate can read for the recipient-side errors (no provider internals). */
function recipientReason(code: string): string {
  if (code === 'insufficient_capabilities_for_transfer' || code === 'transfers_not_allowed')
    return 'the connected account cannot receive transfers yet';
  if (code === 'account_closed') return 'the connected account is closed';
  return 'the receiving account is not valid';
}
