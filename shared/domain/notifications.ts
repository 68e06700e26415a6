/**
 * What a payout's status change means to the people and systems outside (issue 12): pure functions from the
 * payout item before and after a write to the transitions it holds, each with a stable event id. No AWS here.
 */
import { createHash } from 'node:crypto';
import type { Payout, PayoutStatus } from './payout.ts';

import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  PAYOUT_EVENT_TYPES,
  type PayoutEventType,
} from './notification-events.ts';

export { DELIVERY_STATUSES, type DeliveryStatus, PAYOUT_EVENT_TYPES, type PayoutEventType };

/** The event a payout reaching `status` emits: a new payout (pending) is `payout.requested`. */
export function eventTypeOf(status: PayoutStatus): PayoutEventType {
  return status === 'pending' ? 'payout.requested' : (`payout.${status}` as PayoutEventType);
}

/**
 * The event id of one history entry: the same payout, entry and status always give the same id, so a
 * redelivered stream record (or a second notifier racing the first) can never mint a second event.
 * @example eventIdOf('p-1', 0, 'pending') // 'evt_3f1c…' (32 hex digits)
 */
export function eventIdOf(payoutId: string, historyIndex: number, status: PayoutStatus): string {
  const digest = createHash('sha256').update(`${payoutId}\n${historyIndex}\n${status}`).digest('hex');
  return `evt_${digest.slice(0, 32)}`;
}

/** One status change of one payout, as the notifier acts on it. */
export interface PayoutTransition {
  event_id: string;
  type: PayoutEventType;
  payout_id: string;
  /** 1 for the request, 2 for the next move, …: the history entry's position, so receivers can order events. */
  sequence: number;
  from: PayoutStatus | null;
  to: PayoutStatus;
  /** When the move was committed (the history entry's `at`). */
  at: string;
  /** Who moved it (an admin's user id, an affiliate, a provider); for the operators only, never in an e-mail. */
  by: string;
}

/**
 * The transitions one write of a payout holds: the history entries the new image has and the old one had not
 * (every move appends exactly one). An insert holds the request; a removal, or a write that changed only other
 * fields (a status_reason update), holds none.
 * @example transitionsOf(undefined, requested) // [{ type: 'payout.requested', sequence: 1, … }]
 */
export function transitionsOf(before: Payout | undefined, after: Payout | undefined): PayoutTransition[] {
  if (!after) return [];
  const seen = before?.history?.length ?? 0;
  const history = after.history ?? [];
  const transitions: PayoutTransition[] = [];
  for (let index = seen; index < history.length; index += 1) {
    const entry = history[index]!;
    transitions.push({
      event_id: eventIdOf(after.payout_id, index, entry.to),
      type: eventTypeOf(entry.to),
      payout_id: after.payout_id,
      sequence: index + 1,
      from: entry.from,
      to: entry.to,
      at: entry.at,
      by: entry.by,
    });
  }
  return transitions;
}

/** Who an e-mail goes to: the affiliate (the payout's payment e-mail) or the operators (OPS_EMAIL). */
export type Audience = 'affiliate' | 'ops';

/** Every e-mail the service sends, by name; the templates (shared/usecases/email-templates.ts) have one entry each. */
export const EMAIL_KINDS = [
  ...PAYOUT_EVENT_TYPES,
  'ops.payout_requested',
  'ops.payout_failed_ours',
  'ops.webhook_failed',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** One e-mail a transition calls for. */
export interface EmailPlan {
  kind: EmailKind;
  audience: Audience;
}

/**
 * The e-mails a transition sends: the affiliate hears of every status change; the operators of every new request.
 * (A payout that failed on our side and a webhook given up on reach the operators through their own paths.)
 */
export function emailsFor(transition: Pick<PayoutTransition, 'type'>): EmailPlan[] {
  const plans: EmailPlan[] = [{ kind: transition.type, audience: 'affiliate' }];
  if (transition.type === 'payout.requested') plans.push({ kind: 'ops.payout_requested', audience: 'ops' });
  return plans;
}

/** The key of the record that stands for one e-mail: one per event and audience, whatever redelivers it. */
export function emailKeyOf(eventId: string, audience: Audience): string {
  return `email#${eventId}#${audience}`;
}

// --- outgoing webhooks

/** How long after a failed try the next one goes: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h (about 17.6 h in all). */
export const RETRY_DELAYS_SECONDS = [5, 300, 1_800, 7_200, 18_000, 36_000] as const;
/** The first try plus one per delay. */
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** An endpoint whose deliveries have failed without a single success for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 3 * 24 * 3_600_000;

/**
 * What happens after try number `attempt` (1-based) failed: the time of the next try, or give up.
 * @example nextAttemptAfter(1, new Date(0)) // { kind: 'retry', at: '1970-01-01T00:00:05.000Z' }
 */
export function nextAttemptAfter(attempt: number, now: Date): { kind: 'retry'; at: string } | { kind: 'give-up' } {
  const delay = RETRY_DELAYS_SECONDS[attempt - 1];
  if (delay === undefined) return { kind: 'give-up' };
  return { kind: 'retry', at: new Date(now.getTime() + delay * 1000).toISOString() };
}

/** The id of the delivery of one event to one endpoint: stable, so a redelivered record finds it already there. */
export function deliveryIdOf(eventId: string, endpointId: string): string {
  const digest = createHash('sha256').update(`${eventId}\n${endpointId}`).digest('hex');
  return `dlv_${digest.slice(0, 32)}`;
}

/** Does an endpoint subscribed to `events` (none = all) want this event? */
export function wants(events: readonly string[] | undefined, type: PayoutEventType): boolean {
  return !events || events.length === 0 || events.includes(type);
}

/** A receiver of our events, registered by an operator. */
export interface WebhookEndpoint {
  endpoint_id: string;
  url: string;
  /** Event types it wants; empty = all. */
  events: string[];
  description?: string;
  /** `whsec_…`: shown once at creation, kept to sign every delivery. */
  secret: string;
  /** active, or disabled after failing for days (DISABLE_AFTER_FAILING_MS). */
  status: 'active' | 'disabled';
  created_at: string;
  /** Set on the first failure after a success (or ever); cleared by a success. */
  failing_since?: string;
  disabled_at?: string;
}

/** One event to one endpoint: the body is fixed at creation, so every try sends the same bytes and webhook-id. */
export interface WebhookDelivery {
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: PayoutEventType;
  payout_id: string;
  sequence: number;
  /** The JSON body, exactly as signed and sent. */
  body: string;
  status: DeliveryStatus;
  /** Tries made so far. */
  attempts: number;
  /** Tries allowed before giving up (MAX_DELIVERY_ATTEMPTS; a redeliver allows one more). */
  max_attempts: number;
  /** When the next try is due (pending), or until when the current try holds the lease. */
  next_attempt_at?: string;
  created_at: string;
  last_attempt_at?: string;
  last_status_code?: number;
  /** "timeout", "connection refused", "blocked address"…: ours, never the receiver's body. */
  last_error?: string;
  /** At most 200 characters of the receiver's answer. */
  response_excerpt?: string;
  delivered_at?: string;
}

/** What one try of a delivery gave. */
export type TryResult =
  | { ok: true; status: number; excerpt: string }
  | { ok: false; status?: number; error?: string; excerpt?: string };

/** The persistence the notifier and the webhook routes need (implemented by notify-store.ts). */
export interface NotifyStore {
  /** Records an e-mail about to be sent; 'exists' when it was already recorded (sent, or being sent). */
  claimEmail(key: string, fields: Record<string, unknown>): Promise<'claimed' | 'exists'>;
  markEmailSent(key: string, messageId: string, at: string): Promise<void>;
  /** Takes a claim back (SES said no for sure): the next delivery of the record may send it. */
  releaseEmail(key: string): Promise<void>;
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  listEndpoints(): Promise<WebhookEndpoint[]>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  deleteEndpoint(id: string): Promise<boolean>;
  /** Records a try's outcome on the endpoint: clears failing_since on success, sets it on a first failure. */
  endpointHealth(id: string, ok: boolean, at: string): Promise<WebhookEndpoint | undefined>;
  disableEndpoint(id: string, at: string): Promise<void>;
  /** Creates the delivery unless it exists; true when this call created it. */
  createDelivery(delivery: WebhookDelivery): Promise<boolean>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
  /** Ids of pending deliveries due at `now`, oldest first (the sparse index). */
  dueDeliveries(now: string, limit: number): Promise<string[]>;
  /**
   * Takes the next try of a delivery: attempts + 1 and next_attempt_at pushed to `leaseUntil`, only while it is
   * pending, due, and still at `attempts` tries. Undefined when someone else took it (or it is no longer due).
   */
  leaseDelivery(id: string, attempts: number, now: string, leaseUntil: string): Promise<WebhookDelivery | undefined>;
  /** The try's outcome: delivered, failed (given up), cancelled, or pending again at `next`. */
  finishTry(
    id: string,
    attempts: number,
    outcome: { status: DeliveryStatus; next?: string; result?: TryResult; at: string },
  ): Promise<boolean>;
  /** Makes a delivery pending and due now with one more try allowed (the redeliver route). */
  reopenDelivery(id: string, now: string): Promise<WebhookDelivery | undefined>;
}

// --- a changed payout destination (issue 13's settings)

/** The affiliate fields a destination-change e-mail reads from the affiliates table's stream images. */
export interface AffiliateImage {
  affiliate_id: string;
  payment_method?: string;
  payment_email?: string;
  stripe_account_id?: string;
  previous_destination?: { payment_method?: string; payment_email?: string; stripe_account_id?: string };
  destination_changed_at?: string;
  cooldown_until?: string;
}

/** One change of where an affiliate's money goes, as the settings use case recorded it on the affiliate item. */
export interface DestinationChange {
  affiliate_id: string;
  /** When it changed: also what makes each e-mail's key unique, so a redelivered record sends nothing new. */
  at: string;
  before: { payment_method?: string; payment_email?: string; stripe_account_id?: string };
  after: { payment_method?: string; payment_email?: string; stripe_account_id?: string };
  cooldown_until?: string;
}

/**
 * The destination change one write of an affiliate holds: the settings use case stamps `destination_changed_at`
 * (and keeps `previous_destination`) on every change of method, e-mail or Stripe account; any other write (the
 * payout counters, a schedule) leaves the stamp as it was and holds none.
 */
export function destinationChangeOf(
  before: AffiliateImage | undefined,
  after: AffiliateImage | undefined,
): DestinationChange | undefined {
  const at = after?.destination_changed_at;
  if (!after || !at || at === before?.destination_changed_at) return undefined;
  const { payment_method, payment_email, stripe_account_id } = after;
  return {
    affiliate_id: after.affiliate_id,
    at,
    before: after.previous_destination ?? {},
    after: {
      ...(payment_method ? { payment_method } : {}),
      ...(payment_email ? { payment_email } : {}),
      ...(stripe_account_id ? { stripe_account_id } : {}),
    },
    ...(after.cooldown_until ? { cooldown_until: after.cooldown_until } : {}),
  };
}

/**
 * Who hears of a destination change: the new address and the old one (when they differ), so a hijacked account's
 * owner learns of it at the address they still read. Each recipient's e-mail has its own key.
 */
export function destinationRecipients(
  change: DestinationChange,
): Array<{ role: 'old' | 'new'; to: string; key: string }> {
  const key = (role: string) => `email#destination#${change.affiliate_id}#${change.at}#${role}`;
  const recipients: Array<{ role: 'old' | 'new'; to: string; key: string }> = [];
  const now = change.after.payment_email;
  const old = change.before.payment_email;
  if (now) recipients.push({ role: 'new', to: now, key: key('new') });
  if (old && old.trim().toLowerCase() !== (now ?? '').trim().toLowerCase())
    recipients.push({ role: 'old', to: old, key: key('old') });
  return recipients;
}

// --- a provider event that needs a person (issue 10's flags, issue 12's operators e-mail)

/** The provider-event fields the operators' e-mail reads from the provider events table's stream images. */
export interface ProviderEventImage {
  event_key: string;
  provider: string;
  event_type: string;
  payout_id?: string;
  received_at: string;
  /** Our own sentence (shared/domain/provider-events.ts), never the provider's body. */
  reason?: string;
  flagged?: 'yes';
}

/**
 * The flag one write of a provider event raises: only the write that recorded it flagged (a flagged event is put
 * once; resolving it removes the flag, and tells nobody). The key makes the e-mail one per event.
 */
export function newFlagOf(
  before: ProviderEventImage | undefined,
  after: ProviderEventImage | undefined,
): { event: ProviderEventImage; key: string } | undefined {
  if (after?.flagged !== 'yes' || before?.flagged === 'yes') return undefined;
  return { event: after, key: `email#provider-event#${after.event_key}#ops` };
}

// --- the ports the notifier sends through (adapters: shared/notify/mailer.ts, shared/notify/webhook-transport.ts)

/** One e-mail, rendered, with its sender and recipient. */
export interface OutgoingEmail {
  subject: string;
  text: string;
  html: string;
  from: string;
  to: string;
}

/**
 * Sends e-mail. Throws MailRefusedError when the service certainly did not take the message (it answered with an
 * error); any other failure (a time-out, a lost connection) means it may have gone out.
 */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/** The mail service answered with a refusal (throttling, a rejected address): the message certainly did not go. */
export class MailRefusedError extends Error {
  override readonly name = 'MailRefusedError';
}

/** One signed try of a webhook delivery: the same id and body on every try, a fresh timestamp. */
export interface SignedRequest {
  url: string;
  secret: string;
  /** The event id: webhook-id, the same on every try. */
  id: string;
  body: string;
  timestamp: Date;
}

/** Sends one signed try, under the URL safety rules, and answers what the receiver did. */
export type Transport = (request: SignedRequest) => Promise<TryResult>;
