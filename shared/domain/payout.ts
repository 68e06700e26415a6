import { PROVIDER_LABELS, type Provider } from './attempt.ts';
import { ConflictError } from './errors.ts';
import type { Cents } from './money.ts';
import { taxYearEffect, taxYearOf, type TaxYearEffect } from './tax.ts';

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
  /** Given once, in the transaction that completes the payout; never changed after. */
  receipt_number?: string;
  /** A future-dated payout (issue 13): not sent or completed before this UTC date (YYYY-MM-DD). */
  scheduled_for?: string;
  /** Review flags copied from the affiliate at request time (DUPLICATE_PAYOUT_DESTINATION). */
  flags?: string[];
  /** Requested by the scheduler for this period ("2026-W50", "2026-12"): one payout per affiliate and period. */
  schedule_period?: string;
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

/** What a move does to the affiliate's counters: the counters after minus the counters before. */
export interface CounterDelta {
  pending: Cents;
  paid: Cents;
}

/**
 * Who asks for a move. An affiliate may only cancel; operator moves stamp processed_at and processed_by; a
 * provider (Stripe, PayPal: issue 10) reports what happened to money already sent, its fields set by the caller.
 */
export interface Actor {
  kind: 'affiliate' | 'admin' | 'provider';
  id: string;
}

/** How a provider's moves are signed in a payout's history: `provider:stripe`, `provider:paypal`. */
export const providerActorId = (provider: string): string => `provider:${provider}`;

/** Whether a provider (not an operator) completed the payout: its money left through Stripe or PayPal. */
export function paidThroughProvider(payout: Pick<Payout, 'history'>): boolean {
  return payout.history.some((change) => change.to === 'completed' && change.by.startsWith(providerActorId('')));
}

/** A move someone asks for: where to, by whom, and what the books should keep with it. */
export interface MoveIntent {
  to: PayoutStatus;
  by: Actor;
  transactionId?: string;
  note?: string;
  /** The admin checked a destination shared with another affiliate and sends (or completes) it anyway. */
  confirmDuplicateDestination?: boolean;
}

/** The fields a move sets besides status, updated_at and history. */
export type MoveFields = Partial<
  Pick<Payout, 'transaction_id' | 'notes' | 'processed_at' | 'processed_by' | 'status_reason'>
>;

export type MovePlan =
  /** The payout is already where the intent goes (a retried request): nothing to write. */
  | { kind: 'already-done' }
  | {
      kind: 'move';
      from: PayoutStatus;
      to: PayoutStatus;
      delta: CounterDelta;
      change: StatusChange;
      set: MoveFields;
      /** What the move adds to the affiliate's totals of the move's tax year (completions and returns). */
      taxYear?: TaxYearEffect;
      /** The year whose receipt sequence gives this payout its number (a completion). */
      receiptYear?: string;
      /**
       * What must still hold when the move commits, for a payout leaving pending to be paid: the affiliate not
       * flagged for a shared destination (unless the admin confirmed it), and a future-dated payout's date reached.
       */
      requires?: MoveRequirements;
    };

/** Conditions a payment move commits under (see MovePlan.requires). */
export interface MoveRequirements {
  affiliateNotFlagged?: true;
  /** Today's UTC date: the payout's scheduled_for must not be after it. */
  dueOn?: string;
}

/**
 * The lifecycle decided in one place: whether a move is legal (a 409 naming from and to when not), whether it is
 * already done (a safe retry: same status and, when one is sent, the same transaction_id), and what it does to the
 * affiliate's counters. Every status change — cancel, admin moves, bulk — goes through this and `movePayout`.
 * @example planMove(payout, { to: 'completed', by: { kind: 'admin', id: 'ops-1' }, transactionId: 'T1' }, at)
 */
export function planMove(payout: Payout, intent: MoveIntent, at: string): MovePlan {
  const from = payout.status;
  const { to, by } = intent;
  if (from === to) {
    if (intent.transactionId === undefined || intent.transactionId === payout.transaction_id)
      return { kind: 'already-done' };
    throw new ConflictError(
      'INVALID_TRANSITION',
      `Cannot move a payout from ${from} to ${to}: it is already ${from} with another transaction_id.`,
    );
  }
  if (by.kind === 'affiliate' && to === 'cancelled' && from !== 'pending') {
    throw new ConflictError(
      'PAYOUT_NOT_CANCELLABLE',
      `Only a pending payout can be cancelled; this one is ${from} (move ${from} -> cancelled is not allowed).`,
    );
  }
  if (by.kind === 'affiliate' && to !== 'cancelled') {
    throw new ConflictError('INVALID_TRANSITION', `An affiliate cannot move a payout to ${to}.`);
  }
  if (!canTransition(from, to))
    throw new ConflictError('INVALID_TRANSITION', `Cannot move a payout from ${from} to ${to}.`);
  if (by.kind === 'admin' && to === 'returned' && paidThroughProvider(payout)) {
    // Marking it returned by hand would put the money back in the balance while the transfer stands: paid twice.
    const provider = PROVIDER_LABELS[payout.payment_method as Provider] ?? 'the provider';
    throw new ConflictError(
      'PROVIDER_PAID',
      `This payout was paid through ${provider}: it becomes returned when ${provider} reports the reversal (its webhook, or the sweeper's poll). Reverse the payment at ${provider}; nothing was changed here.`,
    );
  }
  const requires = paymentGuards(payout, intent, at);
  const note = intent.note ?? (by.kind === 'affiliate' ? 'cancelled by affiliate' : undefined);
  const set: MoveFields =
    by.kind === 'admin'
      ? {
          processed_at: at,
          processed_by: by.id,
          ...(intent.transactionId !== undefined ? { transaction_id: intent.transactionId } : {}),
          ...(intent.note !== undefined ? { notes: intent.note } : {}),
        }
      : {};
  const delta = counterDelta(from, to, payout.amount);
  const taxYear = taxYearEffect(delta.paid, payout.payment_method, at);
  const receiptYear = to === 'completed' && payout.receipt_number === undefined ? taxYearOf(at) : undefined;
  return {
    kind: 'move',
    from,
    to,
    delta,
    change: { at, by: by.id, from, to, ...(note !== undefined ? { note } : {}) },
    set,
    ...(taxYear ? { taxYear } : {}),
    ...(receiptYear ? { receiptYear } : {}),
    ...(requires ? { requires } : {}),
  };
}

/**
 * Sending or completing a pending payout (issue 13): a future-dated one only from its date (409 NOT_DUE), and the
 * conditions the move's transaction keeps — the date, and the affiliate not flagged for a shared destination unless
 * the admin confirmed it.
 */
function paymentGuards(payout: Payout, intent: MoveIntent, at: string): MoveRequirements | undefined {
  if (payout.status !== 'pending' || (intent.to !== 'processing' && intent.to !== 'completed')) return undefined;
  const today = at.slice(0, 10);
  if (payout.scheduled_for !== undefined && payout.scheduled_for > today) {
    throw new ConflictError(
      'NOT_DUE',
      `This payout is scheduled for ${payout.scheduled_for}: it cannot be sent or completed before that day.`,
      { data: { scheduled_for: payout.scheduled_for } },
    );
  }
  const requires: MoveRequirements = {
    ...(intent.confirmDuplicateDestination === true ? {} : { affiliateNotFlagged: true as const }),
    ...(payout.scheduled_for !== undefined ? { dueOn: today } : {}),
  };
  return Object.keys(requires).length > 0 ? requires : undefined;
}

/**
 * What a move does to the affiliate's counters.
 * @example counterDelta('pending', 'completed', 500) // { pending: -500, paid: 500 }
 */
export function counterDelta(from: PayoutStatus, to: PayoutStatus, amount: Cents): CounterDelta {
  const before = countersOf(from, amount);
  const after = countersOf(to, amount);
  return { pending: after.pending - before.pending, paid: after.paid - before.paid };
}

/** The payout as a planned move leaves it. */
export function applyPlan(payout: Payout, plan: Extract<MovePlan, { kind: 'move' }>, receiptNumber?: string): Payout {
  return {
    ...payout,
    ...plan.set,
    ...(receiptNumber !== undefined ? { receipt_number: receiptNumber } : {}),
    status: plan.to,
    updated_at: plan.change.at,
    history: [...(payout.history ?? []), plan.change],
  };
}
