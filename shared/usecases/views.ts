import type { Payout } from '../domain/payout.ts';
import type { PayoutRow } from '../domain/ports.ts';
import { statusReason } from '../domain/status-reason.ts';
import type { AdminPayoutView } from '../schemas/admin.ts';
import type { PayoutView } from '../schemas/common.ts';

const todayOf = (now: Date = new Date()) => now.toISOString().slice(0, 10);

/**
 * A payout as clients see it; absent optional fields are null so every answer has the same shape. `status_reason`
 * comes from shared/domain/status-reason.ts for every payout that is not final; `today` (the clock's UTC date)
 * decides whether a future-dated payout is still scheduled. `admin` adds the review flags.
 */
export function toPayoutView(
  payout: Payout | PayoutRow,
  {
    withHistory = false,
    today = todayOf(),
    admin = false,
  }: { withHistory?: boolean; today?: string; admin?: boolean } = {},
): PayoutView {
  const reason = statusReason(payout, today);
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
    ...(reason !== undefined ? { status_reason: reason } : {}),
    scheduled_for: payout.scheduled_for ?? null,
    ...(admin ? { flags: [...(payout.flags ?? [])] } : {}),
    ...(withHistory && 'history' in payout
      ? { history: payout.history ?? [], receipt_number: payout.receipt_number ?? null }
      : {}),
  };
}

/** A single payout as admins see it: with processed_by, updated_at, the review flags and the full status history. */
export function toAdminPayoutView(payout: Payout, today = todayOf()): AdminPayoutView {
  return {
    ...toPayoutView(payout, { withHistory: true, today, admin: true }),
    history: payout.history ?? [],
    processed_by: payout.processed_by ?? null,
    updated_at: payout.updated_at ?? null,
  };
}

export { todayOf };
