import { InvalidInputError, NotFoundError, payoutNotFound } from '../../shared/domain/errors.ts';
import { httpErrorOf } from '../../shared/http/errors.ts';
import { describeIssue, queryOf } from '../../shared/http/request.ts';
import { openApiRoute } from '../../shared/http/openapi-route.ts';
import { fileResponse, ok, pdfResponse } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import { describeError, type Logger } from '../../shared/logger.ts';
import {
  adminListQuery,
  type BulkResultView,
  bulkBody,
  bulkItem,
  exportQuery,
  MAX_BULK_BODY_BYTES,
  type ProcessStatus,
  processBody,
} from '../../shared/schemas/admin.ts';
import { affiliateIdParams, payoutIdParams } from '../../shared/schemas/common.ts';
import { taxFormBody, taxYearParams } from '../../shared/schemas/tax.ts';
import { exportPage, listPayouts } from '../../shared/usecases/admin-listing.ts';
import {
  type BulkInput,
  type BulkOutcome,
  getAdminPayout,
  processMany,
  processPayout,
} from '../../shared/usecases/admin-moves.ts';
import { payoutsCsv } from '../../shared/usecases/csv.ts';
import type { MoveResult } from '../../shared/usecases/move-payout.ts';
import { adminReceipt } from '../../shared/usecases/receipt.ts';
import { recordTaxForm } from '../../shared/usecases/record-tax-form.ts';
import { reconcile } from '../../shared/usecases/reconcile.ts';
import { countMove, countRefusal, noTelemetry, type Telemetry } from '../../shared/telemetry.ts';
import { taxYearCsv } from '../../shared/usecases/tax-year.ts';
import type { Services } from '../../shared/usecases/services.ts';
import { toAdminPayoutView, todayOf, toPayoutView } from '../../shared/usecases/views.ts';

const CSV_TYPE = 'text/csv; charset=utf-8';

const MOVED_MESSAGE: Record<ProcessStatus, string> = {
  processing: 'Payout marked processing',
  completed: 'Payout completed',
  failed: 'Payout marked failed',
  returned: 'Payout marked returned',
  cancelled: 'Payout cancelled',
};

/** What an admin sees after a move: the message for what happened, and the payout as it now is. */
function moveMessage({ kind, payout }: MoveResult, to: ProcessStatus): string {
  return kind === 'moved' ? MOVED_MESSAGE[to] : `Payout already ${payout.status}`;
}

/** Each bulk item is validated on its own: a bad one becomes a failed result, the others still run. */
function bulkInputOf(raw: unknown): BulkInput {
  const parsed = bulkItem.safeParse(raw);
  if (parsed.success) return { move: parsed.data };
  const id = typeof raw === 'object' && raw !== null ? (raw as { payout_id?: unknown }).payout_id : undefined;
  return {
    payout_id: typeof id === 'string' ? id : null,
    error: new InvalidInputError('VALIDATION_ERROR', describeIssue(parsed.error)),
  };
}

/** A bulk item's result: a move, or its error answered through the same map as a whole request's. */
function bulkResultOf(
  outcome: BulkOutcome,
  to: ProcessStatus | undefined,
  requestId: string,
  logger: Logger,
): BulkResultView['results'][number] {
  const { payout_id } = outcome;
  if ('result' in outcome) {
    const message = moveMessage(outcome.result, to as ProcessStatus);
    return { payout_id, success: true, status_code: 200, message, payout: toAdminPayoutView(outcome.result.payout) };
  }
  const { status, code, message } = httpErrorOf(outcome.error, requestId);
  if (status < 500) return { payout_id, success: false, status_code: status, code, message };
  logger.error('bulk item failed', { payout_id, ...describeError(outcome.error) });
  return {
    payout_id,
    success: false,
    status_code: status,
    code,
    message: 'This payout could not be processed because of an error on our side; retry it.',
  };
}

/** The query string of the next export page: the same parameters, the new cursor. */
function nextPageQuery(query: Record<string, string>, cursor: string): string {
  const params = new URLSearchParams(Object.entries(query).filter(([name]) => name !== 'cursor'));
  params.set('cursor', cursor);
  return params.toString();
}

const onePayout = { schema: payoutIdParams, notFound: payoutNotFound };
const oneAffiliate = {
  schema: affiliateIdParams,
  notFound: () => new NotFoundError('AFFILIATE_NOT_FOUND', 'No affiliate with this id was found.'),
};

/** The admin routes: input checked at the edge, then one use case, then the envelope. The router answers 401/403. */
export function adminRoutes(services: Services, telemetry: Telemetry = noTelemetry): Route[] {
  return [
    openApiRoute,
    route({
      method: 'GET',
      path: '/admin/payouts',
      access: 'admin',
      summary: 'The payout queue: filter by status, affiliate and dates; newest first; paged.',
      query: adminListQuery,
      handle: async ({ query: { limit, cursor, ...filters } }) => {
        const page = await listPayouts(services, filters, limit, cursor);
        const today = todayOf(services.clock.now());
        const payouts = page.rows.map((row) => toPayoutView(row, { today, admin: true }));
        return ok(200, 'Success', { payouts, count: payouts.length, next_cursor: page.nextCursor });
      },
    }),
    route({
      method: 'GET',
      path: '/admin/payouts/export',
      access: 'admin',
      summary: 'The same filters as CSV (RFC 4180), paged with X-Next-Cursor and Link.',
      query: exportQuery,
      handle: async ({ event, query: { limit, cursor, ...filters } }) => {
        const page = await exportPage(services, filters, limit, cursor);
        const date = services.clock.now().toISOString().slice(0, 10);
        return fileResponse(200, payoutsCsv(page.rows), CSV_TYPE, {
          'Content-Disposition': `attachment; filename="payouts-${date}.csv"`,
          ...(page.nextCursor
            ? {
                'X-Next-Cursor': page.nextCursor,
                Link: `<${event.rawPath}?${nextPageQuery(queryOf(event), page.nextCursor)}>; rel="next"`,
              }
            : {}),
        });
      },
    }),
    route({
      method: 'POST',
      path: '/admin/payouts/process',
      access: 'admin',
      summary: 'Move up to 100 payouts, each on its own, with a result per item.',
      body: bulkBody,
      maxBodyBytes: MAX_BULK_BODY_BYTES,
      handle: async ({ body, principal, requestId, logger }) => {
        const inputs = body.map(bulkInputOf);
        const outcomes = await processMany(services, principal.userId, inputs);
        for (const outcome of outcomes) {
          if ('result' in outcome && outcome.result.kind === 'moved')
            countMove(telemetry, outcome.result.payout.status, outcome.result.payout.amount);
          else if ('error' in outcome) countRefusal(telemetry, (outcome.error as { code?: string }).code);
        }
        const results = outcomes.map((outcome, index) => {
          const input = inputs[index] as BulkInput;
          return bulkResultOf(outcome, 'move' in input ? input.move.status : undefined, requestId, logger);
        });
        const succeeded = results.filter((result) => result.success).length;
        return ok(200, `${succeeded} of ${body.length} payout(s) processed`, {
          results,
          succeeded,
          failed: results.length - succeeded,
        });
      },
    }),
    route({
      method: 'GET',
      path: '/admin/payouts/{payout_id}',
      access: 'admin',
      summary: 'One payout with its status history.',
      params: onePayout,
      handle: async ({ params }) =>
        ok(200, 'Success', { payout: toAdminPayoutView(await getAdminPayout(services, params.payout_id)) }),
    }),
    route({
      method: 'POST',
      path: '/admin/payouts/{payout_id}/process',
      access: 'admin',
      summary: 'Move one payout: processing, completed (with transaction_id), failed, returned or cancelled.',
      params: onePayout,
      body: processBody,
      handle: async ({ params, body, principal }) => {
        const result = await processPayout(services, principal.userId, params.payout_id, body);
        if (result.kind === 'moved') countMove(telemetry, body.status, result.payout.amount);
        return ok(200, moveMessage(result, body.status), { payout: toAdminPayoutView(result.payout) });
      },
    }),
    route({
      method: 'GET',
      path: '/admin/affiliates/{affiliate_id}/balance',
      access: 'admin',
      summary: "An affiliate's counters beside a recomputation from its payouts, and the drift.",
      params: oneAffiliate,
      handle: async ({ params }) => ok(200, 'Success', await reconcile(services, params.affiliate_id)),
    }),
    route({
      method: 'PUT',
      path: '/admin/affiliates/{affiliate_id}/tax-form',
      access: 'admin',
      summary: "Record an affiliate's tax form (W-9, W-8BEN, W-8BEN-E; at most the TIN's last 4 digits).",
      params: oneAffiliate,
      body: taxFormBody,
      handle: async ({ params, body }) =>
        ok(200, 'Tax form recorded', await recordTaxForm(services, params.affiliate_id, body)),
    }),
    route({
      method: 'GET',
      path: '/admin/payouts/{payout_id}/receipt.pdf',
      access: 'admin',
      summary: "A completed (or returned) payout's receipt, as a PDF.",
      params: onePayout,
      handle: async ({ params }) => pdfResponse(await adminReceipt(services, params.payout_id)),
    }),
    route({
      method: 'GET',
      path: '/admin/tax/{year}.csv',
      access: 'admin',
      summary:
        'One CSV row per affiliate paid (or returned) in a calendar year, with the form on file and whether a 1099-NEC is due.',
      params: {
        schema: taxYearParams,
        notFound: () => new NotFoundError('ROUTE_NOT_FOUND', 'A tax year is four digits, e.g. /admin/tax/2026.csv.'),
      },
      handle: async ({ params }) =>
        fileResponse(200, await taxYearCsv(services, params.year), CSV_TYPE, {
          'Content-Disposition': `attachment; filename="tax-${params.year}.csv"`,
        }),
    }),
  ];
}
