import type { Cents } from './money.ts';

/** Every status a payout can be in. */
export const PAYOUT_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'returned'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const PAYMENT_METHODS = ['paypal', 'zelle', 'stripe'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** One entry of a payout's status history. `from` is null for the request that created it. */
export interface StatusChange {
  at: string;
  by: string;
  from: PayoutStatus | null;
  to: PayoutStatus;
  note?: string;
}

export interface Payout {
  payout_id: string;
  affiliate_id: string;
  amount: Cents;
  currency: 'USD';
  payment_method: PaymentMethod;
  payment_email: string;
  status: PayoutStatus;
  requested_at: string;
  updated_at: string;
  transaction_id?: string;
  notes?: string;
  processed_at?: string;
  processed_by?: string;
  /** Stripe payouts: the affiliate's connected account (acct_…), copied from the affiliate at request time. */
  stripe_account_id?: string;
  /** Why a processing or failed payout is where it is, in words an affiliate can read (no provider internals). */
  status_reason?: string;
  history: StatusChange[];
}

/**
 * The lifecycle. failed, cancelled and returned are final; completed can still be returned by the provider.
 */
export const TRANSITIONS: Readonly<Record<PayoutStatus, readonly PayoutStatus[]>> = {
  pending: ['processing', 'completed', 'failed', 'cancelled'],
  processing: ['completed', 'failed'],
  completed: ['returned'],
  failed: [],
  cancelled: [],
  returned: [],
};

export function canTransition(from: PayoutStatus, to: PayoutStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses whose amount is reserved (counted in `pending`) and paid (counted in `total_paid`). */
const RESERVED: ReadonlySet<PayoutStatus> = new Set(['pending', 'processing']);
const PAID: ReadonlySet<PayoutStatus> = new Set(['completed']);

/** How much of a payout in this status counts as pending and as paid. */
export function countersOf(status: PayoutStatus, amount: Cents): { pending: Cents; paid: Cents } {
  return { pending: RESERVED.has(status) ? amount : 0, paid: PAID.has(status) ? amount : 0 };
}

/**
 * What a move does to the affiliate's counters: the counters after minus the counters before.
 * @example counterDelta('pending', 'completed', 500) // { pending: -500, paid: 500 }
 */
export function counterDelta(from: PayoutStatus, to: PayoutStatus, amount: Cents): { pending: Cents; paid: Cents } {
  const before = countersOf(from, amount);
  const after = countersOf(to, amount);
  return { pending: after.pending - before.pending, paid: after.paid - before.paid };
}
