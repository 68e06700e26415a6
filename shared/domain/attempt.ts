import type { Cents } from './money.ts';

/** The providers a payout can be sent through; zelle has no API and is paid by hand. */
export const PROVIDERS = ['stripe', 'paypal'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** How a provider is named in sentences people read. */
export const PROVIDER_LABELS: Record<Provider, string> = { stripe: 'Stripe', paypal: 'PayPal' };

export const ATTEMPT_STATUSES = ['queued', 'sent', 'succeeded', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/**
 * Whose problem a failed provider call is:
 * - transient: rate limited, connection lost, a 5xx: retry with the same idempotency key;
 * - recipient: the affiliate's account cannot receive it (invalid, closed, no transfers capability): the payout fails;
 * - ours: the platform's balance is too low, the API key is bad: the attempt fails, the payout stays processing and
 *   an operator retries once it is fixed.
 */
export const ERROR_CATEGORIES = ['transient', 'recipient', 'ours'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export interface AttemptError {
  code: string;
  message: string;
  category: ErrorCategory;
}

/** One try at paying a payout through a provider; stored (with its key) before the provider is called. */
export interface Attempt {
  payout_id: string;
  attempt: number;
  provider: Provider;
  /** The key the provider de-duplicates on: Stripe's Idempotency-Key, PayPal's sender_batch_id. */
  idempotency_key: string;
  status: AttemptStatus;
  amount: Cents;
  /** Where the money goes: a Stripe connected account (acct_…) or a PayPal e-mail. */
  destination: string;
  /** The transfer id (Stripe) or payout batch id (PayPal), once the provider answered. */
  provider_reference?: string;
  /** PayPal's payout item id, the thing to poll and the webhooks talk about. */
  provider_item_id?: string;
  error?: AttemptError;
  created_at: string;
  updated_at: string;
  sent_at?: string;
  /** Who asked for it (the admin's user id). */
  created_by: string;
}

/**
 * The provider's idempotency key of an attempt: the same attempt always sends the same key, so a retry after a
 * time-out gets the first result instead of a second transfer.
 * @example idempotencyKeyOf('p-1', 2) // 'payout-p-1-attempt-2'
 */
export function idempotencyKeyOf(payoutId: string, attempt: number): string {
  return `payout-${payoutId}-attempt-${attempt}`;
}

/** The provider that pays a payment method, or undefined for one paid by hand (zelle). */
export function providerOf(paymentMethod: string): Provider | undefined {
  return paymentMethod === 'stripe' ? 'stripe' : paymentMethod === 'paypal' ? 'paypal' : undefined;
}

/**
 * Cents as the decimal string PayPal wants, with integer arithmetic only.
 * @example centsToDecimal(5000) // '50.00'
 */
export function centsToDecimal(cents: Cents): string {
  if (!Number.isSafeInteger(cents) || cents < 0)
    throw new RangeError(`not a whole, non-negative number of cents: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * A provider's decimal amount as cents, or undefined when it is not a plain amount with at most two decimals.
 * @example decimalToCents('50.5') // 5050
 */
export function decimalToCents(value: string): Cents | undefined {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}
