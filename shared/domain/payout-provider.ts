import type { Attempt, ErrorCategory, Provider } from './attempt.ts';
import type { ProviderObservation } from './provider-events.ts';

/**
 * A provider call that did not succeed, with its category (see ErrorCategory): the sender retries transient ones
 * with the same key, fails the payout on the recipient's, and stops for an operator on ours.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly provider: Provider,
    readonly category: ErrorCategory,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a provider answered to a send. */
export type SendResult =
  /** Paid at once (a Stripe transfer): the payout completes. */
  | { kind: 'paid'; reference: string; transaction_id: string }
  /** Accepted, final status later (a PayPal batch): the attempt is sent, the payout stays processing. */
  | { kind: 'accepted'; reference: string; item_id?: string };

/** A provider as the sender and the sweeper use it. */
export interface PayoutProvider {
  readonly name: Provider;
  /** Sends the attempt's money with the attempt's idempotency key; throws ProviderError. */
  send(attempt: Attempt): Promise<SendResult>;
  /** What the provider says now about a sent attempt; undefined when it has nothing final or readable. */
  poll(attempt: Attempt): Promise<ProviderObservation | undefined>;
}

/** A webhook that passed its signature check: the provider's event id and, if relevant, what it says. */
export interface VerifiedWebhook {
  eventId: string;
  eventType: string;
  observation: ProviderObservation | undefined;
}

/** Thrown when a webhook's signature does not verify (or is missing): answered 400, nothing written. */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError';
}
