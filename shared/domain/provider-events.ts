/**
 * What a provider says about a payout, and what that means for the payout: pure functions, no SDK, no AWS.
 * Provider event (webhook or poll) -> ProviderFact -> (with the payout as stored) -> ProviderIntent.
 */
import { decimalToCents, PROVIDER_LABELS as LABEL, type Provider } from './attempt.ts';
import type { Cents } from './money.ts';
import type { Payout } from './payout.ts';

/** A provider's statement about one payout, in our words. */
export type ProviderFact =
  /** The money reached the recipient (a Stripe transfer exists; a PayPal item SUCCESS). */
  | { kind: 'paid'; transaction_id: string }
  /** It will not arrive, and the money is back with us (recipient's account, PayPal FAILED/BLOCKED/RETURNED…). */
  | { kind: 'failed'; code: string; reason: string }
  /** Not final yet (PayPal UNCLAIMED, ONHOLD, PENDING): the payout stays processing, with a reason. */
  | { kind: 'waiting'; code: string; reason: string }
  /** Taken back after it was paid (Stripe transfer reversal, PayPal REFUNDED/REVERSED). */
  | { kind: 'reversed'; reversed: Cents };

/** A fact with what identifies it: whose payout, how much the provider says it was, which provider object. */
export interface ProviderObservation {
  provider: Provider;
  /** Our payout id, from Stripe's metadata.payout_id or PayPal's sender_item_id; undefined when absent. */
  payout_id: string | undefined;
  /** The amount of the transfer or item, in cents, as the provider states it; undefined when unreadable. */
  amount: Cents | undefined;
  /** The transfer id or payout item id. */
  reference: string;
  fact: ProviderFact;
}

/** What to do with a payout given an observation. */
export type ProviderIntent =
  | {
      kind: 'move';
      to: 'completed' | 'failed' | 'returned';
      transaction_id?: string;
      reason?: string;
      attempt?: 'succeeded' | 'failed';
      code?: string;
    }
  /** Stays processing; shows the reason to the affiliate. */
  | { kind: 'stay'; reason: string }
  /** Already where the observation puts it (the other of webhook and poll came first, or a replay). */
  | { kind: 'none'; why: string }
  /** Not safe to apply: record it for an operator (unknown payout, wrong amount, partial reversal, contradiction). */
  | { kind: 'flag'; reason: string }
  /** Arrived before what it follows (a reversal of a payout not yet completed): ask the provider to redeliver later. */
  | { kind: 'defer'; reason: string };

/**
 * The lifecycle's reading of a provider observation. Illegal or contradictory combinations are flagged, never
 * forced: the payout only moves along the lifecycle (processing -> completed | failed, completed -> returned).
 * @example intentFor(processingPayout, {…, fact: {kind: 'paid', transaction_id: 'tr_1'}}) // {kind: 'move', to: 'completed', …}
 */
export function intentFor(payout: Payout | undefined, observation: ProviderObservation): ProviderIntent {
  const { fact, provider } = observation;
  if (!payout)
    return {
      kind: 'flag',
      reason: `${LABEL[provider]} event for an unknown payout (${observation.payout_id ?? 'no payout id'})`,
    };
  if (observation.amount !== payout.amount) {
    return {
      kind: 'flag',
      reason: `${LABEL[provider]} amount ${observation.amount ?? 'unreadable'} does not match the payout's ${payout.amount} cents`,
    };
  }
  const status = payout.status;
  switch (fact.kind) {
    case 'paid':
      if (status === 'processing')
        return { kind: 'move', to: 'completed', transaction_id: fact.transaction_id, attempt: 'succeeded' };
      if ((status === 'completed' || status === 'returned') && payout.transaction_id === fact.transaction_id) {
        return { kind: 'none', why: `already ${status}` };
      }
      return {
        kind: 'flag',
        reason: `${LABEL[provider]} paid ${fact.transaction_id} but the payout is ${status}${payout.transaction_id ? ` with ${payout.transaction_id}` : ''}`,
      };
    case 'failed':
      if (status === 'processing') {
        return {
          kind: 'move',
          to: 'failed',
          reason: `${LABEL[provider]}: ${fact.reason}`,
          attempt: 'failed',
          code: fact.code,
        };
      }
      if (status === 'failed') return { kind: 'none', why: 'already failed' };
      return {
        kind: 'flag',
        reason: `${LABEL[provider]} says the payment failed (${fact.code}) but the payout is ${status}`,
      };
    case 'waiting':
      if (status === 'processing') return { kind: 'stay', reason: `${LABEL[provider]}: ${fact.reason}` };
      return { kind: 'none', why: `${fact.code} after the payout became ${status}` };
    case 'reversed':
      if (status === 'returned') return { kind: 'none', why: 'already returned' };
      if (status === 'processing')
        return { kind: 'defer', reason: 'a reversal of a payout whose payment is not recorded yet' };
      if (status !== 'completed')
        return { kind: 'flag', reason: `${LABEL[provider]} reversed a payout that is ${status}` };
      if (fact.reversed < payout.amount) {
        return {
          kind: 'flag',
          reason: `${LABEL[provider]} reversed ${fact.reversed} of ${payout.amount} cents (partial): check with the affiliate`,
        };
      }
      return { kind: 'move', to: 'returned', reason: `${LABEL[provider]}: the payment was reversed` };
  }
}

/** The slice of a Stripe event this service reads (structural, so the domain needs no SDK). */
export interface StripeEventLike {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
}

/** The slice of a PayPal webhook event this service reads. */
export interface PaypalEventLike {
  id: string;
  event_type: string;
  resource?: Record<string, unknown>;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const int = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;

/** A Stripe transfer object as an observation of `fact`. */
export function observeStripeTransfer(transfer: Record<string, unknown>, fact: ProviderFact): ProviderObservation {
  const metadata = (transfer.metadata ?? {}) as Record<string, unknown>;
  return {
    provider: 'stripe',
    payout_id: str(metadata.payout_id),
    amount: transfer.currency === undefined || transfer.currency === 'usd' ? int(transfer.amount) : undefined,
    reference: str(transfer.id) ?? 'unknown',
    fact,
  };
}

/**
 * A Stripe event as an observation, or undefined for event types this service ignores.
 * `transfer.reversed` carries the transfer with its amount_reversed; `transfer.created` confirms a payment.
 */
export function observeStripeEvent(event: StripeEventLike): ProviderObservation | undefined {
  const transfer = event.data.object;
  if (event.type === 'transfer.reversed') {
    return observeStripeTransfer(transfer, { kind: 'reversed', reversed: int(transfer.amount_reversed) ?? 0 });
  }
  if (event.type === 'transfer.created') {
    return observeStripeTransfer(transfer, { kind: 'paid', transaction_id: str(transfer.id) ?? 'unknown' });
  }
  return undefined;
}

/** PayPal payout item statuses (transaction_status) and what each means. */
const PAYPAL_ITEM_STATUS: Record<string, { kind: 'paid' | 'failed' | 'waiting' | 'reversed'; reason: string }> = {
  SUCCESS: { kind: 'paid', reason: 'paid' },
  FAILED: { kind: 'failed', reason: 'the payment failed' },
  BLOCKED: { kind: 'failed', reason: 'the payment was blocked' },
  DENIED: { kind: 'failed', reason: 'the payment was denied' },
  RETURNED: { kind: 'failed', reason: 'the recipient did not claim it in 30 days; the money came back' },
  CANCELED: { kind: 'failed', reason: 'the payment was cancelled' },
  UNCLAIMED: { kind: 'waiting', reason: 'the recipient has not claimed it yet' },
  ONHOLD: { kind: 'waiting', reason: 'the payment is on hold for review' },
  HELD: { kind: 'waiting', reason: 'the payment is on hold for review' },
  PENDING: { kind: 'waiting', reason: 'the payment is being processed' },
  NEW: { kind: 'waiting', reason: 'the payment is being processed' },
  REFUNDED: { kind: 'reversed', reason: 'refunded' },
  REVERSED: { kind: 'reversed', reason: 'reversed' },
};

/**
 * A PayPal payout item (from GET payouts-item or a webhook's resource) as an observation, or undefined for a
 * status this service does not know (left for the next poll).
 */
export function observePaypalItem(
  item: Record<string, unknown>,
  statusOverride?: string,
): ProviderObservation | undefined {
  const status = statusOverride ?? str(item.transaction_status);
  const meaning = status ? PAYPAL_ITEM_STATUS[status] : undefined;
  if (!meaning || !status) return undefined;
  const inner = (item.payout_item ?? {}) as Record<string, unknown>;
  const amount = (inner.amount ?? {}) as Record<string, unknown>;
  const cents =
    amount.currency === 'USD' && typeof amount.value === 'string' ? decimalToCents(amount.value) : undefined;
  const itemId = str(item.payout_item_id) ?? 'unknown';
  const errors = (item.errors ?? {}) as Record<string, unknown>;
  const fact: ProviderFact =
    meaning.kind === 'paid'
      ? { kind: 'paid', transaction_id: str(item.transaction_id) ?? itemId }
      : meaning.kind === 'reversed'
        ? { kind: 'reversed', reversed: cents ?? 0 }
        : { kind: meaning.kind, code: str(errors.name) ?? status, reason: meaning.reason };
  return { provider: 'paypal', payout_id: str(inner.sender_item_id), amount: cents, reference: itemId, fact };
}

/** PAYMENT.PAYOUTS-ITEM.<X> events -> the item status they report. */
const PAYPAL_EVENT_STATUS: Record<string, string> = {
  'PAYMENT.PAYOUTS-ITEM.SUCCEEDED': 'SUCCESS',
  'PAYMENT.PAYOUTS-ITEM.FAILED': 'FAILED',
  'PAYMENT.PAYOUTS-ITEM.BLOCKED': 'BLOCKED',
  'PAYMENT.PAYOUTS-ITEM.DENIED': 'DENIED',
  'PAYMENT.PAYOUTS-ITEM.RETURNED': 'RETURNED',
  'PAYMENT.PAYOUTS-ITEM.CANCELED': 'CANCELED',
  'PAYMENT.PAYOUTS-ITEM.UNCLAIMED': 'UNCLAIMED',
  'PAYMENT.PAYOUTS-ITEM.HELD': 'HELD',
  'PAYMENT.PAYOUTS-ITEM.REFUNDED': 'REFUNDED',
  'PAYMENT.PAYOUTS-ITEM.REVERSED': 'REVERSED',
};

/** A PayPal webhook event as an observation, or undefined for event types this service ignores. */
export function observePaypalEvent(event: PaypalEventLike): ProviderObservation | undefined {
  const status = PAYPAL_EVENT_STATUS[event.event_type];
  if (!status || !event.resource) return undefined;
  return observePaypalItem(event.resource, status);
}
