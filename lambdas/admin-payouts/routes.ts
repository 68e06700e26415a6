import { AppError, BadRequestError } from '../../shared/domain/errors.ts';
import { describeIssue, parseWith, queryOf, readJsonObject } from '../../shared/http/request.ts';
import { ok, text } from '../../shared/http/respond.ts';
import { openApiRoute } from '../../shared/http/openapi-route.ts';
import type { Route } from '../../shared/http/router.ts';
import { adminListQuery, bulkBody, bulkItem, exportQuery, MAX_BULK_BODY_BYTES, processBody } from '../../shared/schemas/admin.ts';
import { applied, countMove, countRefusal, noTelemetry, type Telemetry } from '../../shared/telemetry.ts';
import type { AdminPayouts, BulkInput } from '../../shared/usecases/admin-payouts.ts';
import type { Clock } from '../../shared/usecases/affiliate-payouts.ts';
import { payoutsCsv } from '../../shared/usecases/csv.ts';

const CSV_TYPE = 'text/csv; charset=utf-8';

/** Each bulk item is validated on its own: a bad one becomes a failed result, the others still run. */
function bulkInputOf(raw: unknown): BulkInput {
  const parsed = bulkItem.safeParse(raw);
  if (parsed.success) return { move: parsed.data };
  const id = typeof raw === 'object' && raw !== null ? (raw as { payout_id?: unknown }).payout_id : undefined;
  const error: AppError = new BadRequestError('VALIDATION_ERROR', describeIssue(parsed.error));
  return { payout_id: typeof id === 'string' ? id : null, error };
}

/** The query string of the next export page: the same parameters, the new cursor. */
function nextPageQuery(query: Record<string, string>, cursor: string): string {
  const params = new URLSearchParams(Object.entries(query).filter(([name]) => name !== 'cursor'));
  params.set('cursor', cursor);
  return params.toString();
}

/** The admin routes: each parses its input with zod and hands it to one use case. The router answers 401/403. */
export function adminRoutes(admin: AdminPayouts, clock: Clock = { now: () => new Date() }, telemetry: Telemetry = noTelemetry): Route[] {
  return [
    openApiRoute,
    {
      method: 'GET',
      path: '/admin/payouts',
      access: 'admin',
      handle: async ({ event }) => {
        const { limit, cursor, ...filters } = parseWith(adminListQuery, queryOf(event));
        return ok(200, 'Success', await admin.list(filters, limit, cursor));
      },
    },
    {
      method: 'GET',
      path: '/admin/payouts/export',
      access: 'admin',
      handle: async ({ event }) => {
        const query = queryOf(event);
        const { limit, cursor, ...filters } = parseWith(exportQuery, query);
        const page = await admin.exportPage(filters, limit, cursor);
        const date = clock.now().toISOString().slice(0, 10);
        return text(200, payoutsCsv(page.rows), CSV_TYPE, {
          'Content-Disposition': `attachment; filename="payouts-${date}.csv"`,
          ...(page.nextCursor
            ? {
                'X-Next-Cursor': page.nextCursor,
                Link: `<${event.rawPath}?${nextPageQuery(query, page.nextCursor)}>; rel="next"`,
              }
            : {}),
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/payouts/process',
      access: 'admin',
      handle: async ({ event, headers, principal, logger }) => {
        const items = parseWith(bulkBody, readJsonObject(event, headers, { maxBytes: MAX_BULK_BODY_BYTES }));
        const result = await admin.processMany(principal.userId, items.map(bulkInputOf), logger);
        for (const item of result.results) {
          if (item.success && item.payout && applied(item)) countMove(telemetry, item.payout.status, item.payout.amount);
          else if (!item.success) countRefusal(telemetry, item.code);
        }
        return ok(200, `${result.succeeded} of ${items.length} payout(s) processed`, result);
      },
    },
    {
      method: 'GET',
      path: '/admin/payouts/{payout_id}',
      access: 'admin',
      handle: async ({ params }) => ok(200, 'Success', await admin.get(params.payout_id ?? '')),
    },
    {
      method: 'POST',
      path: '/admin/payouts/{payout_id}/process',
      access: 'admin',
      handle: async ({ event, headers, params, principal }) => {
        const body = parseWith(processBody, readJsonObject(event, headers));
        const result = await admin.process(principal.userId, params.payout_id ?? '', body);
        if (applied(result)) countMove(telemetry, body.status, result.data.payout.amount);
        return ok(result.statusCode, result.message, result.data);
      },
    },
    {
      method: 'GET',
      path: '/admin/affiliates/{affiliate_id}/balance',
      access: 'admin',
      handle: async ({ params }) => ok(200, 'Success', await admin.reconcile(params.affiliate_id ?? '')),
    },
  ];
}
