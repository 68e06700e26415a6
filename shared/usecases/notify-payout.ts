// stream record -> (notifier) -> e-mails (SES) + webhook deliveries -> store
//
// For each write of a payout:
//  1 the transitions it holds (the history entries it added), each with its stable event id and sequence;
//  2 the e-mails each calls for: a record keyed by event and audience is put under a condition FIRST, and only
//    the caller that created it sends (at most once, see below); the record is marked sent with SES's message id;
//  3 one delivery per subscribed endpoint, created under a condition (its id derives from the event and the
//    endpoint), due at once: a redelivered record finds them there and creates nothing;
//  4 a first try of the deliveries this call created (the retry function tries whatever stays due).
//
// E-mail is AT MOST ONCE. SES has no idempotency key: the record is written before the SendEmail call, so a crash
// or a time-out between the call and the record's "sent" leaves a "sending" record and the e-mail is never sent
// again (it may or may not have gone out; the log line carries alarm EMAIL_UNCERTAIN). A definite refusal from
// SES (an error answer: throttling, a rejected address) releases the record and fails the stream record, so the
// stream's retry sends it. We chose a rare missing e-mail over a duplicate "you have been paid" e-mail; the
// webhook events, which receivers de-duplicate by webhook-id, are at least once instead.
import { type Clock, systemClock } from '../domain/clock.ts';
import type { Attempt } from '../domain/attempt.ts';
import {
  type AffiliateImage,
  type Mailer,
  MailRefusedError,
  type Transport,
  DISABLE_AFTER_FAILING_MS,
  destinationChangeOf,
  destinationRecipients,
  deliveryIdOf,
  type EmailKind,
  emailKeyOf,
  emailsFor,
  MAX_DELIVERY_ATTEMPTS,
  nextAttemptAfter,
  newFlagOf,
  type NotifyStore,
  type ProviderEventImage,
  type PayoutTransition,
  type TryResult,
  type WebhookDelivery,
  type WebhookEndpoint,
  wants,
} from '../domain/notifications.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Payout } from '../domain/payout.ts';
import { describeError, type Logger } from '../logger.ts';
import {
  type EmailContext,
  type RenderedEmail,
  renderDestinationChanged,
  renderEmail,
  renderProviderEventFlagged,
} from './email-templates.ts';
import { transitionsOf } from '../domain/notifications.ts';
import { toPayoutView } from './views.ts';

export type { Transport };

/** What the notifier reads of the notify config (shared/notify/config.ts parses it). */
export interface NotifierSettings {
  mailFrom: string;
  opsEmail: string;
  dashboardUrl: string;
  /** How long a receiver has to answer a try. */
  webhookTimeoutMs: number;
}

export interface NotifierDeps {
  store: NotifyStore;
  mailer: Mailer;
  config: NotifierSettings;
  logger: Logger;
  clock?: Clock;
  /** How a try is sent (the runtime gives sendSigned with the URL safety rules; tests give their own). */
  transport: Transport;
  /** Reads a payout (the operators' e-mail about a failed attempt names its amount). */
  getPayout?: (payoutId: string) => Promise<Payout | undefined>;
}

/** The webhook body of one transition. `sequence` orders one payout's events; `id` is also the webhook-id header. */
export function eventBody(transition: PayoutTransition, payout: Payout): string {
  return JSON.stringify({
    id: transition.event_id,
    type: transition.type,
    created_at: transition.at,
    sequence: transition.sequence,
    data: { payout: { ...toPayoutView(payout), status: transition.to, sequence: transition.sequence } },
  });
}

export type EmailOutcome = 'sent' | 'already' | 'uncertain';

/** The e-mail kind of a changed payout destination (not a payout's: it has its own renderer). */
export const DESTINATION_CHANGED = 'affiliate.destination_changed';
/** The e-mail kind of a provider event flagged for an operator (its own renderer too). */
export const PROVIDER_EVENT_FLAGGED = 'ops.provider_event_flagged';

export class Notifier {
  readonly deliveries: WebhookDeliveries;
  private readonly clock: Clock;

  constructor(private readonly deps: NotifierDeps) {
    this.clock = deps.clock ?? systemClock;
    this.deliveries = new WebhookDeliveries(deps, (delivery, result) => this.deliveryGivenUp(delivery, result));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  /** One write of a payout (the stream's old and new image). Throws when a step must be retried by the stream. */
  async onPayoutWrite(before: Payout | undefined, after: Payout | undefined): Promise<PayoutTransition[]> {
    const transitions = transitionsOf(before, after);
    if (!after || transitions.length === 0) return [];
    let endpoints: WebhookEndpoint[] | undefined;
    for (const transition of transitions) {
      for (const plan of emailsFor(transition)) {
        await this.email(
          emailKeyOf(transition.event_id, plan.audience),
          plan.kind,
          plan.audience === 'affiliate' ? after.payment_email : this.deps.config.opsEmail,
          { payout: after, at: transition.at, dashboardUrl: this.deps.config.dashboardUrl },
          { event_id: transition.event_id, payout_id: after.payout_id, audience: plan.audience },
        );
      }
      endpoints ??= (await this.deps.store.listEndpoints()).filter((endpoint) => endpoint.status === 'active');
      const created = await this.deliveries.create(transition, after, endpoints);
      await Promise.all(created.map((id) => this.deliveries.tryDelivery(id)));
    }
    return transitions;
  }

  /**
   * A provider attempt's write: when it failed for a reason on our side (category "ours": the platform's balance,
   * the API key), the operators are told once per attempt. The payout stays processing, so its stream says nothing.
   */
  async onAttemptWrite(before: Attempt | undefined, after: Attempt | undefined): Promise<EmailOutcome | undefined> {
    if (after?.status !== 'failed' || after.error?.category !== 'ours' || before?.status === 'failed') return undefined;
    const payout = await this.deps.getPayout?.(after.payout_id);
    if (!payout) return undefined;
    return this.email(
      `email#attempt#${after.payout_id}#${after.attempt}#ops`,
      'ops.payout_failed_ours',
      this.deps.config.opsEmail,
      { payout, at: after.updated_at, dashboardUrl: this.deps.config.dashboardUrl },
      { payout_id: after.payout_id, audience: 'ops' },
    );
  }

  /**
   * A write of an affiliate (the affiliates table's stream): when it changed where the money goes (issue 13's
   * settings), the new address and the old one are each told once.
   */
  async onAffiliateWrite(
    before: AffiliateImage | undefined,
    after: AffiliateImage | undefined,
  ): Promise<EmailOutcome[]> {
    const change = destinationChangeOf(before, after);
    if (!change) return [];
    const outcomes: EmailOutcome[] = [];
    for (const { role, to, key } of destinationRecipients(change))
      outcomes.push(
        await this.send(
          key,
          DESTINATION_CHANGED,
          to,
          () => renderDestinationChanged(change, role, this.deps.config.dashboardUrl),
          { affiliate_id: change.affiliate_id, audience: 'affiliate', role },
        ),
      );
    return outcomes;
  }

  /**
   * A write of a provider event (the provider events table's stream): when it recorded an event flagged for a
   * person (issue 10), the operators are told once per event.
   */
  async onProviderEventWrite(
    before: ProviderEventImage | undefined,
    after: ProviderEventImage | undefined,
  ): Promise<EmailOutcome | undefined> {
    const flag = newFlagOf(before, after);
    if (!flag) return undefined;
    return this.send(
      flag.key,
      PROVIDER_EVENT_FLAGGED,
      this.deps.config.opsEmail,
      () => renderProviderEventFlagged(flag.event),
      {
        event_key: flag.event.event_key,
        ...(flag.event.payout_id ? { payout_id: flag.event.payout_id } : {}),
        audience: 'ops',
      },
    );
  }

  /** Claim, send, mark sent; see the top of this file for why in this order. */
  email(
    key: string,
    kind: EmailKind,
    to: string,
    context: EmailContext,
    fields: Record<string, unknown>,
  ): Promise<EmailOutcome> {
    return this.send(key, kind, to, () => renderEmail(kind, context), fields);
  }

  private async send(
    key: string,
    kind: EmailKind | typeof DESTINATION_CHANGED | typeof PROVIDER_EVENT_FLAGGED,
    to: string,
    render: () => RenderedEmail,
    fields: Record<string, unknown>,
  ): Promise<EmailOutcome> {
    const claimed = await this.deps.store.claimEmail(key, { ...fields, kind, to, created_at: this.now() });
    if (claimed === 'exists') return 'already';
    const rendered = render();
    let messageId: string;
    try {
      ({ messageId } = await this.deps.mailer.send({ ...rendered, from: this.deps.config.mailFrom, to }));
    } catch (error) {
      if (error instanceof MailRefusedError) {
        await this.deps.store.releaseEmail(key);
        throw error;
      }
      this.deps.logger.error('e-mail may not have been sent; it will not be sent again', {
        notification_key: key,
        kind,
        alarm: 'EMAIL_UNCERTAIN',
        ...describeError(error),
      });
      return 'uncertain';
    }
    await this.deps.store.markEmailSent(key, messageId, this.now());
    this.deps.logger.info('e-mail sent', { notification_key: key, kind, message_id: messageId });
    return 'sent';
  }

  private async deliveryGivenUp(delivery: WebhookDelivery, result: TryResult | undefined): Promise<void> {
    const endpoint = await this.deps.store.getEndpoint(delivery.endpoint_id);
    const payout = JSON.parse(delivery.body).data.payout as Payout;
    await this.email(
      `email#${delivery.delivery_id}#ops`,
      'ops.webhook_failed',
      this.deps.config.opsEmail,
      {
        payout,
        at: this.now(),
        dashboardUrl: this.deps.config.dashboardUrl,
        webhook: {
          url: endpoint?.url ?? '(deleted endpoint)',
          eventType: delivery.event_type,
          eventId: delivery.event_id,
          attempts: delivery.attempts,
          ...(result?.status !== undefined ? { lastStatus: result.status } : {}),
        },
      },
      { delivery_id: delivery.delivery_id, audience: 'ops' },
    ).catch((error: unknown) =>
      this.deps.logger.error('could not e-mail the operators about a failed delivery', describeError(error)),
    );
  }
}

/** Outgoing webhook deliveries: created once per event and endpoint, tried, retried with backoff, given up on. */
export class WebhookDeliveries {
  private readonly clock: Clock;
  private readonly transport: Transport;

  constructor(
    private readonly deps: NotifierDeps,
    private readonly onGiveUp: (delivery: WebhookDelivery, result: TryResult | undefined) => Promise<void>,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.transport = deps.transport;
  }

  /** Creates the deliveries of one transition to the endpoints that want it; answers the ids this call created. */
  async create(transition: PayoutTransition, payout: Payout, endpoints: WebhookEndpoint[]): Promise<string[]> {
    const body = eventBody(transition, payout);
    const now = this.clock.now().toISOString();
    const created = await Promise.all(
      endpoints
        .filter((endpoint) => wants(endpoint.events, transition.type))
        .map(async (endpoint) => {
          const delivery: WebhookDelivery = {
            delivery_id: deliveryIdOf(transition.event_id, endpoint.endpoint_id),
            endpoint_id: endpoint.endpoint_id,
            event_id: transition.event_id,
            event_type: transition.type,
            payout_id: transition.payout_id,
            sequence: transition.sequence,
            body,
            status: 'pending',
            attempts: 0,
            max_attempts: MAX_DELIVERY_ATTEMPTS,
            next_attempt_at: now,
            created_at: now,
          };
          return (await this.deps.store.createDelivery(delivery)) ? delivery.delivery_id : undefined;
        }),
    );
    return created.filter((id): id is string => id !== undefined);
  }

  /** One try of a delivery, if it is due and nobody else holds it. */
  async tryDelivery(id: string): Promise<'delivered' | 'retry' | 'failed' | 'cancelled' | 'skipped'> {
    const { store, config, logger } = this.deps;
    const current = await store.getDelivery(id);
    const now = this.clock.now();
    if (current?.status !== 'pending') return 'skipped';
    if (current.next_attempt_at && current.next_attempt_at > now.toISOString()) return 'skipped';
    const leaseUntil = new Date(now.getTime() + config.webhookTimeoutMs + 30_000).toISOString();
    const leased = await store.leaseDelivery(id, current.attempts, now.toISOString(), leaseUntil);
    if (!leased) return 'skipped';
    const endpoint = await store.getEndpoint(leased.endpoint_id);
    if (endpoint?.status !== 'active') {
      await store.finishTry(id, leased.attempts, {
        status: 'cancelled',
        result: { ok: false, error: endpoint ? 'endpoint disabled' : 'endpoint deleted' },
        at: now.toISOString(),
      });
      return 'cancelled';
    }
    const result = await this.transport({
      url: endpoint.url,
      secret: endpoint.secret,
      id: leased.event_id,
      body: leased.body,
      timestamp: this.clock.now(),
    });
    const at = this.clock.now();
    if (result.ok) {
      await store.finishTry(id, leased.attempts, { status: 'delivered', result, at: at.toISOString() });
      if (endpoint.failing_since) await store.endpointHealth(endpoint.endpoint_id, true, at.toISOString());
      return 'delivered';
    }
    const health = await store.endpointHealth(endpoint.endpoint_id, false, at.toISOString());
    if (health?.failing_since && at.getTime() - Date.parse(health.failing_since) >= DISABLE_AFTER_FAILING_MS) {
      await store.disableEndpoint(endpoint.endpoint_id, at.toISOString());
      logger.warn('webhook endpoint disabled: failing for days', {
        endpoint_id: endpoint.endpoint_id,
        alarm: 'WEBHOOK_ENDPOINT_DISABLED',
      });
    }
    const next =
      leased.attempts < leased.max_attempts ? nextAttemptAfter(leased.attempts, at) : { kind: 'give-up' as const };
    if (next.kind === 'retry') {
      await store.finishTry(id, leased.attempts, { status: 'pending', next: next.at, result, at: at.toISOString() });
      return 'retry';
    }
    const finished = await store.finishTry(id, leased.attempts, { status: 'failed', result, at: at.toISOString() });
    logger.warn('webhook delivery given up', {
      delivery_id: id,
      endpoint_id: endpoint.endpoint_id,
      attempts: leased.attempts,
      alarm: 'WEBHOOK_GIVEN_UP',
    });
    if (finished) await this.onGiveUp(leased, result);
    return 'failed';
  }

  /** Every delivery due now (the sparse index), a few at a time. */
  async runDue(limit = 100, concurrency = 8): Promise<{ tried: number; delivered: number }> {
    const ids = await this.deps.store.dueDeliveries(this.clock.now().toISOString(), limit);
    let delivered = 0;
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          if ((await this.tryDelivery(id)) === 'delivered') delivered += 1;
        } catch (error) {
          this.deps.logger.error('delivery try failed; it stays due', { delivery_id: id, ...describeError(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    return { tried: ids.length, delivered };
  }

  /** One more try now, whatever the delivery's state; answers it after the try. */
  async redeliver(id: string): Promise<WebhookDelivery> {
    const reopened = await this.deps.store.reopenDelivery(id, this.clock.now().toISOString());
    if (!reopened) throw deliveryNotFound();
    await this.tryDelivery(id);
    return (await this.deps.store.getDelivery(id)) ?? reopened;
  }
}

export function deliveryNotFound(): NotFoundError {
  return new NotFoundError('DELIVERY_NOT_FOUND', 'No webhook delivery with this id was found.');
}
