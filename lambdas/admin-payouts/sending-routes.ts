import { parseWith, readJsonObject } from '../../shared/http/request.ts';
import { ok } from '../../shared/http/respond.ts';
import type { Route } from '../../shared/http/router.ts';
import { bulkSendBody, emptyBody, MAX_SEND_BODY_BYTES } from '../../shared/schemas/providers.ts';
import type { AdminPayouts } from '../../shared/usecases/admin-payouts.ts';
import type { PayoutSending } from '../../shared/usecases/payout-sending.ts';

/** Paying through the providers (issue 10): send, bulk send, retry, and the payout with its attempts. */
export function sendingRoutes(admin: AdminPayouts, sending: PayoutSending): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/payouts/{payout_id}',
      access: 'admin',
      handle: async ({ params }) => {
        const id = params.payout_id ?? '';
        const { payout } = await admin.get(id);
        return ok(200, 'Success', { payout, attempts: await sending.attempts(id) });
      },
    },
    {
      method: 'POST',
      path: '/admin/payouts/send',
      access: 'admin',
      handle: async ({ event, headers, principal, logger }) => {
        const { payout_ids } = parseWith(bulkSendBody, readJsonObject(event, headers, { maxBytes: MAX_SEND_BODY_BYTES }));
        const result = await sending.sendMany(principal.userId, payout_ids, logger);
        return ok(200, `${result.succeeded} of ${payout_ids.length} payout(s) sent`, result);
      },
    },
    {
      method: 'POST',
      path: '/admin/payouts/{payout_id}/send',
      access: 'admin',
      handle: async ({ event, headers, params, principal }) => {
        parseWith(emptyBody, readJsonObject(event, headers));
        return ok(202, 'Payout sent; the provider is being called', await sending.send(principal.userId, params.payout_id ?? ''));
      },
    },
    {
      method: 'POST',
      path: '/admin/payouts/{payout_id}/retry',
      access: 'admin',
      handle: async ({ event, headers, params, principal }) => {
        parseWith(emptyBody, readJsonObject(event, headers));
        return ok(202, 'A new attempt is queued', await sending.retry(principal.userId, params.payout_id ?? ''));
      },
    },
  ];
}
