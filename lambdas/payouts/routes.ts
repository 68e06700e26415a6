import { ok, replay, type HttpResponse } from '../../shared/http/respond.ts';
import { parseWith, queryOf, readJsonObject } from '../../shared/http/request.ts';
import { openApiRoute } from '../../shared/http/openapi-route.ts';
import type { Route } from '../../shared/http/router.ts';
import { BadRequestError } from '../../shared/domain/errors.ts';
import { listPayoutsQuery, payoutRequestBody } from '../../shared/schemas/payouts.ts';
import { applied, countMove, noTelemetry, type Telemetry } from '../../shared/telemetry.ts';
import type { AffiliatePayouts, UseCaseResult } from '../../shared/usecases/affiliate-payouts.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

function idempotencyKeyOf(headers: Record<string, string>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return key;
}

function send<T>(result: UseCaseResult<T>): HttpResponse {
  return result.replayedBody === undefined
    ? ok(result.statusCode, result.message, result.data)
    : replay(result.statusCode, result.replayedBody);
}

/** The affiliate-facing routes: each parses its input with zod and hands it to one use case. */
export function payoutRoutes(payouts: AffiliatePayouts, maxPayoutCents: number, telemetry: Telemetry = noTelemetry): Route[] {
  const requestSchema = payoutRequestBody(maxPayoutCents);
  return [
    openApiRoute,
    {
      method: 'POST',
      path: '/payouts/request',
      access: 'affiliate',
      handle: async ({ event, headers, principal }) => {
        const key = idempotencyKeyOf(headers);
        const body = parseWith(requestSchema, readJsonObject(event, headers));
        const result = await payouts.requestPayout(principal.userId, body, key);
        if (result.replayedBody !== undefined) telemetry.count('IdempotentReplays');
        else {
          telemetry.count('PayoutsRequested');
          telemetry.count('PayoutsRequestedCents', body.amount);
        }
        return send(result);
      },
    },
    {
      method: 'GET',
      path: '/payouts',
      access: 'affiliate',
      handle: async ({ event, principal }) => {
        const query = parseWith(listPayoutsQuery, queryOf(event));
        return ok(200, 'Success', await payouts.list(principal.userId, query.limit, query.cursor));
      },
    },
    {
      method: 'GET',
      path: '/payouts/balance',
      access: 'affiliate',
      handle: async ({ principal }) => ok(200, 'Success', await payouts.balance(principal.userId)),
    },
    {
      method: 'GET',
      path: '/payouts/summary',
      access: 'affiliate',
      handle: async ({ principal }) => ok(200, 'Success', await payouts.summary(principal.userId)),
    },
    {
      method: 'GET',
      path: '/payouts/{payout_id}',
      access: 'affiliate',
      handle: async ({ params, principal }) => ok(200, 'Success', await payouts.get(principal.userId, params.payout_id ?? '')),
    },
    {
      method: 'POST',
      path: '/payouts/{payout_id}/cancel',
      access: 'affiliate',
      handle: async ({ event, headers, params, principal }) => {
        // A cancel takes no fields; an empty body or `{}` is fine, anything else is refused.
        const body = readJsonObject(event, headers);
        if (Object.keys(body).length > 0) {
          throw new BadRequestError('VALIDATION_ERROR', `Unknown field(s): ${Object.keys(body).join(', ')}`);
        }
        const result = await payouts.cancel(principal.userId, params.payout_id ?? '');
        if (applied(result)) countMove(telemetry, 'cancelled', result.data.payout.amount);
        return send(result);
      },
    },
  ];
}
