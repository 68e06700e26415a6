import type { SeedAffiliate } from '../../../bin/local/seed.ts';
import type { Executed, ModelAffiliate, Op } from './model.ts';
import { raiseEarned, type System } from './system.ts';

/**
 * Runs one resolved operation against the real handlers, the way the model-based tests all do. A provider step is
 * not run here: the rails run those one at a time (support/rails.ts).
 */
export async function executeOp(system: System, op: Op, affiliates: ModelAffiliate[]): Promise<Executed> {
  switch (op.t) {
    case 'request': {
      const user = affiliates[op.aff]!.user;
      const headers: Record<string, string> = op.key === undefined ? {} : { 'idempotency-key': op.key };
      return {
        op,
        result: await system.asUser(user, { method: 'POST', path: '/payouts/request', body: op.body, headers }),
      };
    }
    case 'cancel':
      return {
        op,
        result: await system.asUser(affiliates[op.aff]!.user, {
          method: 'POST',
          path: `/payouts/${op.payoutId}/cancel`,
        }),
      };
    case 'move': {
      const body = { status: op.to, ...(op.tx !== undefined ? { transaction_id: op.tx } : {}) };
      return {
        op,
        result: await system.asAdmin({ method: 'POST', path: `/admin/payouts/${op.payoutId}/process`, body }),
      };
    }
    case 'bulk': {
      const items = op.items.map((item) => ({
        payout_id: item.payoutId,
        status: item.to,
        ...(item.tx !== undefined ? { transaction_id: item.tx } : {}),
      }));
      return {
        op,
        result: await system.asAdmin({ method: 'POST', path: '/admin/payouts/process', body: { items } }),
      };
    }
    case 'earn':
      await raiseEarned(system.db.client, system.db.tables, affiliates[op.aff]!.id, op.cents);
      return { op };
    case 'balance':
      return { op, result: await system.asUser(affiliates[op.aff]!.user, { path: '/payouts/balance' }) };
    case 'reconcile':
      return { op, result: await system.asAdmin({ path: `/admin/affiliates/${affiliates[op.aff]!.id}/balance` }) };
    case 'send':
      return { op, result: await system.asAdmin({ method: 'POST', path: `/admin/payouts/${op.payoutId}/send` }) };
    case 'retry':
      return { op, result: await system.asAdmin({ method: 'POST', path: `/admin/payouts/${op.payoutId}/retry` }) };
    case 'bulkSend':
      return {
        op,
        result: await system.asAdmin({
          method: 'POST',
          path: '/admin/payouts/send',
          body: { payout_ids: op.payoutIds },
        }),
      };
    case 'provider':
      return { op };
  }
}

/** The seed record of a model affiliate (its Stripe account too, when the rails gave it one). */
export function seedOf(affiliate: ModelAffiliate): SeedAffiliate {
  return {
    affiliate_id: affiliate.id,
    user_id: affiliate.user,
    status: affiliate.status,
    ...(affiliate.tier ? { tier: affiliate.tier } : {}),
    total_earned: affiliate.earned,
    payment_method: affiliate.method,
    payment_email: affiliate.email,
    ...(affiliate.account ? { stripe_account_id: affiliate.account } : {}),
  };
}
