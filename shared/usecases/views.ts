import type { Payout } from '../domain/payout.ts';
import type { PayoutRow } from '../domain/ports.ts';
import type { AdminPayoutView } from '../schemas/admin.ts';
import type { PayoutView } from '../schemas/common.ts';

/** A payout as clients see it; absent optional fields are null so every answer has the same shape. */
export function toPayoutView(payout: Payout | PayoutRow, { withHistory = false } = {}): PayoutView {
  return {
    payout_id: payout.payout_id,
    affiliate_id: payout.affiliate_id,
    amount: payout.amount,
    currency: 'USD',
    payment_method: payout.payment_method,
    payment_email: payout.payment_email,
    status: payout.status,
    requested_at: payout.requested_at,
    processed_at: payout.processed_at ?? null,
    transaction_id: payout.transaction_id ?? null,
    notes: payout.notes ?? null,
    ...(payout.status_reason && (payout.status === 'processing' || payout.status === 'failed')
      ? { status_reason: payout.status_reason }
      : {}),
    ...(withHistory && 'history' in payout
      ? { history: payout.history ?? [], receipt_number: payout.receipt_number ?? null }
      : {}),
  };
}

/** A single payout as admins see it: with processed_by, updated_at and the full status history. */
export function toAdminPayoutView(payout: Payout): AdminPayoutView {
  return {
    ...toPayoutView(payout, { withHistory: true }),
    history: payout.history ?? [],
    processed_by: payout.processed_by ?? null,
    updated_at: payout.updated_at ?? null,
  };
}
