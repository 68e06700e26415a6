import { NotFoundError, payoutNotFound } from '../../shared/domain/errors.ts';
import { openApiRoute } from '../../shared/http/openapi-route.ts';
import { ok, pdfResponse, type HttpResponse } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import { emptyBody, payoutIdParams } from '../../shared/schemas/common.ts';
import { listPayoutsQuery, payoutRequestBody } from '../../shared/schemas/payouts.ts';
import { taxYearParams } from '../../shared/schemas/tax.ts';
import { balance, getPayout, listPayouts, summary } from '../../shared/usecases/affiliate-reports.ts';
import { cancelPayout } from '../../shared/usecases/cancel-payout.ts';
import { affiliateReceipt } from '../../shared/usecases/receipt.ts';
import { affiliateTaxYear } from '../../shared/usecases/tax-year.ts';
import type { MoveResult } from '../../shared/usecases/move-payout.ts';
import { requestPayout, type RequestOutcome } from '../../shared/usecases/request-payout.ts';
import { countMove, noTelemetry, type Telemetry } from '../../shared/telemetry.ts';
import type { Services } from '../../shared/usecases/services.ts';
import { toPayoutView } from '../../shared/usecases/views.ts';

export const REQUEST_MESSAGE = 'Payout request submitted successfully';

/** A new payout and its replay are rendered by the same code: the replay only adds its header. */
function requested(outcome: RequestOutcome): HttpResponse {
  return ok(201, REQUEST_MESSAGE, outcome.data, outcome.kind === 'replayed' ? { 'Idempotent-Replayed': 'true' } : {});
}

function cancelled({ kind, payout }: MoveResult): HttpResponse {
  const message = kind === 'moved' ? 'Payout cancelled' : 'Payout already cancelled';
  return ok(200, message, { payout: toPayoutView(payout, { withHistory: true }) });
}

const ownPayout = { schema: payoutIdParams, notFound: payoutNotFound };
const aYear = {
  schema: taxYearParams,
  notFound: () => new NotFoundError('ROUTE_NOT_FOUND', 'A tax year is four digits, e.g. /payouts/tax/2026.'),
};

/** The affiliate-facing routes: input checked at the edge, then one use case, then the envelope. */
export function payoutRoutes(services: Services, maxPayoutCents: number, telemetry: Telemetry = noTelemetry): Route[] {
  return [
    openApiRoute,
    route({
      method: 'POST',
      path: '/payouts/request',
      access: 'affiliate',
      summary: 'Request a payout of `amount` cents (Idempotency-Key recommended).',
      idempotencyKey: true,
      body: payoutRequestBody(maxPayoutCents),
      handle: async ({ body, idempotencyKey, principal }) => {
        const outcome = await requestPayout(services, principal.userId, body, idempotencyKey);
        if (outcome.kind === 'replayed') telemetry.count('IdempotentReplays');
        else {
          telemetry.count('PayoutsRequested');
          telemetry.count('PayoutsRequestedCents', body.amount);
        }
        return requested(outcome);
      },
    }),
    route({
      method: 'GET',
      path: '/payouts',
      access: 'affiliate',
      summary: 'Your payouts, newest first, a page at a time.',
      query: listPayoutsQuery,
      handle: async ({ query, principal }) =>
        ok(200, 'Success', await listPayouts(services, principal.userId, query.limit, query.cursor)),
    }),
    route({
      method: 'GET',
      path: '/payouts/balance',
      access: 'affiliate',
      summary: 'Earned, paid, pending and available, in cents.',
      handle: async ({ principal }) => ok(200, 'Success', await balance(services, principal.userId)),
    }),
    route({
      method: 'GET',
      path: '/payouts/summary',
      access: 'affiliate',
      summary: 'The balance, the tier minimum, the payout count and the last payout.',
      handle: async ({ principal }) => ok(200, 'Success', await summary(services, principal.userId)),
    }),
    route({
      method: 'GET',
      path: '/payouts/{payout_id}',
      access: 'affiliate',
      summary: 'One of your payouts, with its status history.',
      params: ownPayout,
      handle: async ({ params, principal }) =>
        ok(200, 'Success', await getPayout(services, principal.userId, params.payout_id)),
    }),
    route({
      method: 'POST',
      path: '/payouts/{payout_id}/cancel',
      access: 'affiliate',
      summary: 'Cancel a pending payout; the amount is available again.',
      params: ownPayout,
      body: emptyBody,
      handle: async ({ params, principal }) => {
        const result = await cancelPayout(services, principal.userId, params.payout_id);
        if (result.kind === 'moved') countMove(telemetry, 'cancelled', result.payout.amount);
        return cancelled(result);
      },
    }),
    route({
      method: 'GET',
      path: '/payouts/{payout_id}/receipt.pdf',
      access: 'affiliate',
      summary: 'The receipt of one of your completed (or returned) payouts, as a PDF.',
      params: ownPayout,
      handle: async ({ params, principal }) =>
        pdfResponse(await affiliateReceipt(services, principal.userId, params.payout_id)),
    }),
    route({
      method: 'GET',
      path: '/payouts/tax/{year}',
      access: 'affiliate',
      summary:
        'Your totals for a calendar year: paid (completed minus returned), count, through PayPal/Stripe and otherwise.',
      params: aYear,
      handle: async ({ params, principal }) =>
        ok(200, 'Success', await affiliateTaxYear(services, principal.userId, params.year)),
    }),
  ];
}
