import type * as z from 'zod/mini';
import { payoutNotFound } from '../../shared/domain/errors.ts';
import { httpErrorOf } from '../../shared/http/errors.ts';
import { ok } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import { describeError, type Logger } from '../../shared/logger.ts';
import { payoutIdParams } from '../../shared/schemas/common.ts';
import {
  bulkSendBody,
  type bulkSendView,
  emptyBody,
  MAX_SEND_BODY_BYTES,
  sendBody,
} from '../../shared/schemas/providers.ts';
import { getAdminPayout } from '../../shared/usecases/admin-moves.ts';
import type { BulkSendOutcome, PayoutSending } from '../../shared/usecases/payout-sending.ts';
import type { Services } from '../../shared/usecases/services.ts';
import { toAdminPayoutView } from '../../shared/usecases/views.ts';

const onePayout = { schema: payoutIdParams, notFound: payoutNotFound };

type BulkSendResult = z.infer<typeof bulkSendView>['results'][number];

/** A bulk send item's result: sent, or its error answered through the same map as a whole request's. */
function bulkSendResultOf(outcome: BulkSendOutcome, requestId: string, logger: Logger): BulkSendResult {
  const { payout_id } = outcome;
  if ('sent' in outcome) return { payout_id, success: true, status_code: 202, message: 'Payout sent', ...outcome.sent };
  const { status, code, message } = httpErrorOf(outcome.error, requestId);
  if (status < 500) return { payout_id, success: false, status_code: status, code, message };
  logger.error('bulk send item failed', { payout_id, ...describeError(outcome.error) });
  return {
    payout_id,
    success: false,
    status_code: status,
    code,
    message: 'This payout could not be sent because of an error on our side; retry it.',
  };
}

/** Paying through the providers (issue 10): send, bulk send, retry, and the payout with its attempts. */
export function sendingRoutes(services: Services, sending: PayoutSending): Route[] {
  return [
    route({
      method: 'GET',
      path: '/admin/payouts/{payout_id}',
      access: 'admin',
      summary: 'One payout with its status history and its provider attempts.',
      params: onePayout,
      handle: async ({ params }) => {
        const payout = toAdminPayoutView(await getAdminPayout(services, params.payout_id));
        return ok(200, 'Success', { payout, attempts: await sending.attempts(params.payout_id) });
      },
    }),
    route({
      method: 'POST',
      path: '/admin/payouts/send',
      access: 'admin',
      summary: 'Send up to 500 pending payouts through their provider (Stripe, PayPal), each on its own.',
      body: bulkSendBody,
      maxBodyBytes: MAX_SEND_BODY_BYTES,
      handle: async ({ body: { payout_ids, confirm_duplicate_destination }, principal, requestId, logger }) => {
        const options = { confirmDuplicateDestination: confirm_duplicate_destination === true };
        const results = (await sending.sendMany(principal.userId, payout_ids, options)).map((outcome) =>
          bulkSendResultOf(outcome, requestId, logger),
        );
        const succeeded = results.filter((result) => result.success).length;
        return ok(200, `${succeeded} of ${payout_ids.length} payout(s) sent`, {
          results,
          succeeded,
          failed: results.length - succeeded,
        });
      },
    }),
    route({
      method: 'POST',
      path: '/admin/payouts/{payout_id}/send',
      access: 'admin',
      summary: 'Send one pending payout through its provider: processing, with a queued attempt (202).',
      params: onePayout,
      body: sendBody,
      handle: async ({ params, principal, body }) =>
        ok(
          202,
          'Payout sent; the provider is being called',
          await sending.send(principal.userId, params.payout_id, {
            confirmDuplicateDestination: body.confirm_duplicate_destination === true,
          }),
        ),
    }),
    route({
      method: 'POST',
      path: '/admin/payouts/{payout_id}/retry',
      access: 'admin',
      summary: 'Queue a new attempt for a processing payout whose last attempt failed on our side (202).',
      params: onePayout,
      body: emptyBody,
      handle: async ({ params, principal }) =>
        ok(202, 'A new attempt is queued', await sending.retry(principal.userId, params.payout_id)),
    }),
  ];
}
