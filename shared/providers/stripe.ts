/**
 * Stripe Connect transfers through the official SDK. Only the sender, sweeper and webhooks functions import this
 * file: the SDK (~240 KiB) stays out of the request-path bundles.
 */
import Stripe from 'stripe';
import type { Attempt, ErrorCategory } from '../domain/attempt.ts';
import { observeStripeEvent, observeStripeTransfer, type ProviderObservation } from '../domain/provider-events.ts';
import {
  ProviderError,
  WebhookSignatureError,
  type PayoutProvider,
  type SendResult,
  type VerifiedWebhook,
} from '../domain/payout-provider.ts';

export interface StripeSettings {
  secretKey: string;
  webhookSecret?: string;
  /** e.g. http://127.0.0.1:12111 for a local fake; api.stripe.com when absent. */
  apiBase?: string;
  /** Per-request time-out; a time-out is transient and retried with the same idempotency key. */
  timeoutMs?: number;
}

/** Stripe error codes that mean the recipient's account cannot take the transfer. */
const RECIPIENT_CODES = new Set([
  'account_invalid',
  'account_closed',
  'insufficient_capabilities_for_transfer',
  'transfers_not_allowed',
  'account_country_invalid_address',
]);
/** Stripe error codes that are the platform's problem. */
const OUR_CODES = new Set([
  'balance_insufficient',
  'insufficient_funds',
  'platform_api_key_expired',
  'api_key_expired',
]);

/** The category of a Stripe SDK error; anything not recognized is ours (an operator looks before money moves again). */
export function categorizeStripeError(error: unknown): { category: ErrorCategory; code: string; message: string } {
  const e = error as { type?: string; code?: string; statusCode?: number; message?: string; param?: string };
  const code = e.code ?? e.type ?? 'unknown';
  const message = e.message ?? 'Stripe call failed';
  if (error instanceof Stripe.errors.StripeRateLimitError || error instanceof Stripe.errors.StripeConnectionError) {
    return {
      category: 'transient',
      code: e.type === 'StripeConnectionError' ? 'connection_error' : 'rate_limit',
      message,
    };
  }
  if (error instanceof Stripe.errors.StripeAPIError || (e.statusCode !== undefined && e.statusCode >= 500)) {
    return { category: 'transient', code, message };
  }
  if (
    error instanceof Stripe.errors.StripeAuthenticationError ||
    error instanceof Stripe.errors.StripePermissionError
  ) {
    return { category: 'ours', code: e.code ?? 'authentication_error', message };
  }
  if (e.code && RECIPIENT_CODES.has(e.code)) return { category: 'recipient', code, message };
  // "No such destination" comes back as resource_missing on the destination parameter.
  if (e.code === 'resource_missing' && e.param === 'destination')
    return { category: 'recipient', code: 'account_invalid', message };
  if (e.code && OUR_CODES.has(e.code)) return { category: 'ours', code, message };
  return { category: 'ours', code, message };
}

export function createStripeClient(settings: StripeSettings): Stripe {
  const options: ConstructorParameters<typeof Stripe>[1] = {
    maxNetworkRetries: 0,
    timeout: settings.timeoutMs ?? 10_000,
  };
  if (settings.apiBase) {
    const url = new URL(settings.apiBase);
    options.host = url.hostname;
    options.port = url.port || (url.protocol === 'http:' ? '80' : '443');
    options.protocol = url.protocol === 'http:' ? 'http' : 'https';
  }
  return new Stripe(settings.secretKey, options);
}

/** Stripe as a payout provider: one transfer per attempt, keyed payout-<id>-attempt-<n>. */
export class StripeProvider implements PayoutProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    this.stripe = createStripeClient(settings);
  }

  async send(attempt: Attempt): Promise<SendResult> {
    try {
      const transfer = await this.stripe.transfers.create(
        {
          amount: attempt.amount,
          currency: 'usd',
          destination: attempt.destination,
          transfer_group: `payout-${attempt.payout_id}`,
          metadata: { payout_id: attempt.payout_id, attempt: String(attempt.attempt) },
        },
        { idempotencyKey: attempt.idempotency_key },
      );
      return { kind: 'paid', reference: transfer.id, transaction_id: transfer.id };
    } catch (error) {
      const { category, code, message } = categorizeStripeError(error);
      throw new ProviderError('stripe', category, code, message, { cause: error });
    }
  }

  async poll(attempt: Attempt): Promise<ProviderObservation | undefined> {
    if (!attempt.provider_reference) return undefined;
    try {
      const transfer = (await this.stripe.transfers.retrieve(attempt.provider_reference)) as unknown as Record<
        string,
        unknown
      >;
      const reversed = typeof transfer.amount_reversed === 'number' ? transfer.amount_reversed : 0;
      return observeStripeTransfer(
        transfer,
        reversed > 0 ? { kind: 'reversed', reversed } : { kind: 'paid', transaction_id: String(transfer.id) },
      );
    } catch (error) {
      const { category, code, message } = categorizeStripeError(error);
      throw new ProviderError('stripe', category, code, message, { cause: error });
    }
  }

  /** Verifies Stripe-Signature over the raw body (default 300 s tolerance) and reads the event. */
  verifyWebhook(rawBody: string, signature: string | undefined): VerifiedWebhook {
    if (!this.settings.webhookSecret) throw new WebhookSignatureError('STRIPE_WEBHOOK_SECRET is not configured');
    if (!signature) throw new WebhookSignatureError('missing Stripe-Signature');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.settings.webhookSecret);
    } catch (error) {
      throw new WebhookSignatureError((error as Error).message);
    }
    // Signed but not an event this code can read (no id, no type, no data.object): refused like a bad signature.
    const data = (event as { data?: { object?: unknown } }).data;
    if (
      typeof event.id !== 'string' ||
      typeof event.type !== 'string' ||
      typeof data?.object !== 'object' ||
      data.object === null
    ) {
      throw new WebhookSignatureError('not a Stripe event');
    }
    const observation = observeStripeEvent(
      event as unknown as { id: string; type: string; data: { object: Record<string, unknown> } },
    );
    return { eventId: event.id, eventType: event.type, observation };
  }
}
