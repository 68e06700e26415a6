/**
 * The OpenAPI 3.1 document of both functions, generated from the zod schemas in shared/schemas (zod-openapi works
 * with zod/mini). Build-time only: `npm run openapi` writes it to openapi.json, which the functions serve at
 * GET /openapi.json; zod-openapi never reaches a function bundle.
 */
import * as z from 'zod/mini';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { DEFAULT_MAX_PAYOUT_CENTS } from '../../shared/config.ts';
import {
  adminListQuery,
  adminPayoutPage,
  adminPayoutView,
  bulkItem,
  bulkResultView,
  exportQuery,
  processBody,
  reconciliationView,
} from '../../shared/schemas/admin.ts';
import { balanceView, errorEnvelope, payoutView, statusChange } from '../../shared/schemas/common.ts';
import { taxFormBody, taxFormView, taxYearView } from '../../shared/schemas/tax.ts';
import { listPayoutsQuery, payoutListView, payoutRequestBody, summaryView } from '../../shared/schemas/payouts.ts';
import { attemptView, bulkSendBody, bulkSendView, sendBody, sendView } from '../../shared/schemas/providers.ts';
import {
  clearedCooldownView,
  clearedFlagView,
  scheduleRunBody,
  scheduleRunView,
  settingsBody,
  settingsView,
} from '../../shared/schemas/settings.ts';
import {
  createEndpointBody,
  createdEndpointView,
  deliveryListView,
  deliveryView,
  endpointListView,
} from '../../shared/schemas/webhooks.ts';
import {
  providerEventsQuery,
  providerEventsView,
  resolveEventBody,
  resolvedEventView,
} from '../../shared/schemas/provider-events.ts';

/** `{success: true, message, data}`: every JSON answer but the errors. */
const envelope = (data: z.core.$ZodType) => z.object({ success: z.literal(true), message: z.string(), data });

const json = (schema: z.core.$ZodType) => ({ 'application/json': { schema } });

const ERROR_TEXT: Record<string, string> = {
  '400': 'Invalid input: a sentence naming the field, and a machine `code` (VALIDATION_ERROR, BELOW_MINIMUM, …)',
  '401': 'Missing or invalid bearer token (`WWW-Authenticate: Bearer`)',
  '403': 'Not allowed (NOT_AN_AFFILIATE, AFFILIATE_INACTIVE, ADMIN_ONLY)',
  '404': "No such payout or affiliate (another affiliate's payout answers the same)",
  '409': 'The lifecycle or a guard refused the move, or a twin request is in flight (`Retry-After`)',
  '413': 'The body is too large',
  '415': 'The body is not application/json',
  '422': 'The Idempotency-Key was used with another body',
  '503': 'A transient DynamoDB failure: retry (with the same Idempotency-Key) after `Retry-After`',
};

/** The error answers an operation can give, all in the error envelope. */
const errors = (...statuses: (keyof typeof ERROR_TEXT)[]): ZodOpenApiResponsesObject =>
  Object.fromEntries(
    statuses.map((status) => [status, { description: ERROR_TEXT[status] as string, content: json(errorEnvelope) }]),
  );

const ok = (description: string, data: z.core.$ZodType, status = '200'): ZodOpenApiResponsesObject => ({
  [status]: { description, content: json(envelope(data)) },
});

const payoutIdPath = z.object({ payout_id: z.string() });
const yearPath = z.object({ year: z.string() });
const pdf = { 'application/pdf': { schema: z.string() } };
const idempotencyKeyHeader = z.object({
  'Idempotency-Key': z.optional(z.string().check(z.regex(/^[\x21-\x7E]{1,255}$/))),
});
const emptyBody = z.strictObject({});
/** The bulk body as clients send it: the route validates each item on its own, so one bad item fails alone. */
const bulkRequest = z.strictObject({ items: z.optional(z.array(bulkItem)), payouts: z.optional(z.array(bulkItem)) });

const payoutData = z.object({ payout: payoutView });
const adminPayoutData = z.object({ payout: adminPayoutView });
const AFFILIATE_ERRORS = ['401', '403', '503'] as const;
const ADMIN_ERRORS = ['401', '403', '503'] as const;

/** Every operation, keyed `METHOD path` exactly as the routers' tables spell them (test/unit/openapi.test.ts holds them equal). */
export const OPERATIONS: Record<string, ZodOpenApiOperationObject> = {
  'GET /openapi.json': {
    operationId: 'getOpenApi',
    summary: 'This document (no token needed); both functions serve it',
    tags: ['contract'],
    security: [],
    responses: {
      '200': {
        description: 'The OpenAPI 3.1 document',
        content: {
          'application/json': {
            schema: z.looseObject({
              openapi: z.literal('3.1.0'),
              info: z.object({ title: z.string(), version: z.string() }),
              paths: z.record(z.string(), z.unknown()),
            }),
          },
        },
      },
    },
  },
  'POST /payouts/request': {
    operationId: 'requestPayout',
    summary: 'Request a payout of part of the available balance',
    tags: ['payouts'],
    requestParams: { header: idempotencyKeyHeader },
    requestBody: { required: true, content: json(payoutRequestBody(DEFAULT_MAX_PAYOUT_CENTS)) },
    responses: {
      ...ok('The payout, pending (or the first answer replayed for a known Idempotency-Key)', payoutData, '201'),
      ...errors('400', ...AFFILIATE_ERRORS, '409', '413', '415', '422'),
    },
  },
  'GET /payouts': {
    operationId: 'listPayouts',
    summary: "The caller's payouts, newest first, a page at a time",
    tags: ['payouts'],
    requestParams: { query: listPayoutsQuery },
    responses: { ...ok('One page', payoutListView), ...errors('400', ...AFFILIATE_ERRORS) },
  },
  'GET /payouts/balance': {
    operationId: 'getBalance',
    summary: 'Earned, paid, pending and available, in cents',
    tags: ['payouts'],
    responses: { ...ok('The balance', z.object({ balance: balanceView })), ...errors(...AFFILIATE_ERRORS) },
  },
  'GET /payouts/summary': {
    operationId: 'getSummary',
    summary: 'The balance, the minimum payout, the payout count and the last payout',
    tags: ['payouts'],
    responses: { ...ok('The summary', summaryView), ...errors(...AFFILIATE_ERRORS) },
  },
  'GET /payouts/{payout_id}': {
    operationId: 'getPayout',
    summary: 'One payout with its status history',
    tags: ['payouts'],
    requestParams: { path: payoutIdPath },
    responses: { ...ok('The payout', payoutData), ...errors(...AFFILIATE_ERRORS, '404') },
  },
  'POST /payouts/{payout_id}/cancel': {
    operationId: 'cancelPayout',
    summary: 'Cancel a pending payout; the amount returns to available',
    tags: ['payouts'],
    requestParams: { path: payoutIdPath },
    requestBody: { required: false, content: json(emptyBody) },
    responses: {
      ...ok('The payout, cancelled', payoutData),
      ...errors('400', ...AFFILIATE_ERRORS, '404', '409', '415'),
    },
  },
  'GET /admin/payouts': {
    operationId: 'adminListPayouts',
    summary: 'Payouts of all affiliates, filtered, newest first, a page at a time',
    tags: ['admin'],
    requestParams: { query: adminListQuery },
    responses: { ...ok('One page', adminPayoutPage), ...errors('400', ...ADMIN_ERRORS) },
  },
  'GET /admin/payouts/export': {
    operationId: 'adminExportPayouts',
    summary: 'The filtered payouts as CSV (RFC 4180), a page at a time',
    tags: ['admin'],
    requestParams: { query: exportQuery },
    responses: {
      '200': {
        description: 'CSV rows; `X-Next-Cursor` and `Link: <…>; rel="next"` when there are more',
        headers: z.object({ 'X-Next-Cursor': z.optional(z.string()), Link: z.optional(z.string()) }),
        content: { 'text/csv': { schema: z.string() } },
      },
      ...errors('400', ...ADMIN_ERRORS),
    },
  },
  'POST /admin/payouts/process': {
    operationId: 'adminProcessPayouts',
    summary: 'Move up to 100 payouts, each on its own (send `items` or `payouts`)',
    tags: ['admin'],
    requestBody: { required: true, content: json(bulkRequest) },
    responses: {
      ...ok('One result per item, in the order sent', bulkResultView),
      ...errors('400', ...ADMIN_ERRORS, '413', '415'),
    },
  },
  'GET /admin/payouts/{payout_id}': {
    operationId: 'adminGetPayout',
    summary:
      'One payout with processed_by, updated_at and its history (and its provider attempts, with provider payments on)',
    tags: ['admin'],
    requestParams: { path: payoutIdPath },
    responses: {
      ...ok('The payout', z.object({ payout: adminPayoutView, attempts: z.optional(z.array(attemptView)) })),
      ...errors(...ADMIN_ERRORS, '404'),
    },
  },
  'POST /admin/payouts/send': {
    operationId: 'adminSendPayouts',
    summary:
      'Send up to 500 pending payouts through their provider (Stripe, PayPal), each on its own (provider payments on)',
    tags: ['admin', 'providers'],
    requestBody: { required: true, content: json(bulkSendBody) },
    responses: {
      ...ok('One result per id, in the order sent', bulkSendView),
      ...errors('400', ...ADMIN_ERRORS, '413', '415'),
    },
  },
  'POST /admin/payouts/{payout_id}/send': {
    operationId: 'adminSendPayout',
    summary: 'Send one pending payout through its provider: processing, with a queued attempt (provider payments on)',
    tags: ['admin', 'providers'],
    requestParams: { path: payoutIdPath },
    requestBody: { required: false, content: json(sendBody) },
    responses: {
      ...ok('The payout, processing, and its queued attempt', sendView, '202'),
      ...errors('400', ...ADMIN_ERRORS, '404', '409', '415'),
    },
  },
  'POST /admin/payouts/{payout_id}/retry': {
    operationId: 'adminRetryPayout',
    summary: 'A new attempt for a processing payout whose last attempt failed on our side (provider payments on)',
    tags: ['admin', 'providers'],
    requestParams: { path: payoutIdPath },
    requestBody: { required: false, content: json(emptyBody) },
    responses: {
      ...ok('The payout and the new queued attempt', sendView, '202'),
      ...errors('400', ...ADMIN_ERRORS, '404', '409', '415'),
    },
  },
  'GET /admin/provider-events': {
    operationId: 'adminListProviderEvents',
    summary:
      'Provider events flagged for an operator (unknown payout, amount mismatch, partial reversal), newest first (provider payments on)',
    tags: ['admin', 'providers'],
    requestParams: { query: providerEventsQuery },
    responses: { ...ok('One page', providerEventsView), ...errors('400', ...ADMIN_ERRORS) },
  },
  'POST /admin/provider-events/{event_id}/resolve': {
    operationId: 'adminResolveProviderEvent',
    summary: 'Mark a flagged provider event reviewed: it leaves the list; no payout moves (provider payments on)',
    tags: ['admin', 'providers'],
    requestParams: { path: z.object({ event_id: z.string() }) },
    requestBody: { required: false, content: json(resolveEventBody) },
    responses: {
      ...ok('The event, resolved', resolvedEventView),
      ...errors('400', ...ADMIN_ERRORS, '404', '415'),
    },
  },
  'POST /admin/payouts/{payout_id}/process': {
    operationId: 'adminProcessPayout',
    summary: 'Move one payout through the lifecycle (a safe retry answers 200 unchanged)',
    tags: ['admin'],
    requestParams: { path: payoutIdPath },
    requestBody: { required: true, content: json(processBody) },
    responses: {
      ...ok('The payout in its new status', adminPayoutData),
      ...errors('400', ...ADMIN_ERRORS, '404', '409', '415'),
    },
  },
  'GET /admin/affiliates/{affiliate_id}/balance': {
    operationId: 'adminReconcile',
    summary: "An affiliate's counters beside a recomputation from its payouts, and the drift",
    tags: ['admin'],
    requestParams: { path: z.object({ affiliate_id: z.string() }) },
    responses: { ...ok('The reconciliation', reconciliationView), ...errors(...ADMIN_ERRORS, '404') },
  },
  'GET /payouts/{payout_id}/receipt.pdf': {
    operationId: 'getReceipt',
    summary: 'The PDF receipt of one of your completed or returned payouts (same bytes every time)',
    tags: ['payouts'],
    requestParams: { path: payoutIdPath },
    responses: { '200': { description: 'The receipt', content: pdf }, ...errors(...AFFILIATE_ERRORS, '404', '409') },
  },
  'GET /payouts/tax/{year}': {
    operationId: 'getTaxYear',
    summary: 'Your totals for a calendar year (completed minus returned, by the date of each move)',
    tags: ['payouts'],
    requestParams: { path: yearPath },
    responses: { ...ok('The year', taxYearView), ...errors(...AFFILIATE_ERRORS, '404') },
  },
  'PUT /admin/affiliates/{affiliate_id}/tax-form': {
    operationId: 'adminRecordTaxForm',
    summary: "Record an affiliate's tax form (never a full TIN: at most its last 4 digits)",
    tags: ['admin'],
    requestParams: { path: z.object({ affiliate_id: z.string() }) },
    requestBody: { required: true, content: json(taxFormBody) },
    responses: { ...ok('The form on file', taxFormView), ...errors('400', ...ADMIN_ERRORS, '404', '415') },
  },
  'GET /admin/payouts/{payout_id}/receipt.pdf': {
    operationId: 'adminGetReceipt',
    summary: "Any completed or returned payout's PDF receipt",
    tags: ['admin'],
    requestParams: { path: payoutIdPath },
    responses: { '200': { description: 'The receipt', content: pdf }, ...errors(...ADMIN_ERRORS, '404', '409') },
  },
  'GET /admin/tax/{year}.csv': {
    operationId: 'adminTaxYearCsv',
    summary:
      'One row per affiliate paid that year: totals, 1099-K vs other, the form on file, whether a 1099-NEC is due',
    tags: ['admin'],
    requestParams: { path: yearPath },
    responses: {
      '200': { description: 'RFC 4180 CSV', content: { 'text/csv': { schema: z.string() } } },
      ...errors(...ADMIN_ERRORS, '404'),
    },
  },
  // Issue 13: payout settings, the cool-down, automatic payouts.
  'GET /payouts/settings': {
    operationId: 'getSettings',
    summary: 'Your payout settings: method, e-mail, Stripe account, schedule, auto_minimum, cool-down',
    tags: ['payouts'],
    responses: { ...ok('The settings', settingsView), ...errors(...AFFILIATE_ERRORS) },
  },
  'PUT /payouts/settings': {
    operationId: 'putSettings',
    summary:
      'Change any of the settings; a new destination starts a cool-down (PAYOUT_METHOD_COOLDOWN_HOURS) on payouts',
    tags: ['payouts'],
    requestBody: { required: true, content: json(settingsBody(DEFAULT_MAX_PAYOUT_CENTS)) },
    responses: { ...ok('The settings as saved', settingsView), ...errors('400', ...AFFILIATE_ERRORS, '415') },
  },
  'POST /admin/affiliates/{affiliate_id}/cooldown/clear': {
    operationId: 'adminClearCooldown',
    summary: "End an affiliate's payout destination cool-down now",
    tags: ['admin'],
    requestParams: { path: z.object({ affiliate_id: z.string() }) },
    requestBody: { required: false, content: json(emptyBody) },
    responses: { ...ok('The settings, cool-down ended', clearedCooldownView), ...errors(...ADMIN_ERRORS, '404') },
  },
  'POST /admin/affiliates/{affiliate_id}/duplicate-destination/clear': {
    operationId: 'adminClearDuplicateDestination',
    summary: "Clear an affiliate's shared-destination flag after review",
    tags: ['admin'],
    requestParams: { path: z.object({ affiliate_id: z.string() }) },
    requestBody: { required: false, content: json(emptyBody) },
    responses: { ...ok('The review flags left', clearedFlagView), ...errors(...ADMIN_ERRORS, '404') },
  },
  'POST /admin/schedules/run': {
    operationId: 'adminRunSchedules',
    summary: 'Run the automatic payout schedules now, optionally as if at `at`',
    tags: ['admin'],
    requestBody: { required: false, content: json(scheduleRunBody) },
    responses: { ...ok('What the run did', scheduleRunView), ...errors('400', ...ADMIN_ERRORS, '415') },
  },
  // Outgoing webhooks (issue 12): lambdas/admin-payouts/webhook-routes.ts
  'POST /admin/webhook-endpoints': {
    operationId: 'adminCreateWebhookEndpoint',
    summary:
      'Register a webhook endpoint (https, a public address); the answer holds its signing secret (whsec_…), shown this once',
    tags: ['admin', 'webhooks'],
    requestBody: { required: true, content: json(createEndpointBody) },
    responses: {
      ...ok('The endpoint and its secret', createdEndpointView, '201'),
      ...errors('400', ...ADMIN_ERRORS, '413', '415'),
    },
  },
  'GET /admin/webhook-endpoints': {
    operationId: 'adminListWebhookEndpoints',
    summary: 'The webhook endpoints, newest first (secrets are never shown again)',
    tags: ['admin', 'webhooks'],
    responses: { ...ok('The endpoints', endpointListView), ...errors(...ADMIN_ERRORS) },
  },
  'DELETE /admin/webhook-endpoints/{id}': {
    operationId: 'adminDeleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint: its pending deliveries stop',
    tags: ['admin', 'webhooks'],
    requestParams: { path: z.object({ id: z.string() }) },
    responses: {
      ...ok('Deleted', z.object({ id: z.string(), deleted: z.literal(true) })),
      ...errors(...ADMIN_ERRORS, '404'),
    },
  },
  'GET /admin/webhook-endpoints/{id}/deliveries': {
    operationId: 'adminListWebhookDeliveries',
    summary: "An endpoint's 50 most recent deliveries: event, attempt, status code, next try",
    tags: ['admin', 'webhooks'],
    requestParams: { path: z.object({ id: z.string() }) },
    responses: { ...ok('The deliveries', deliveryListView), ...errors(...ADMIN_ERRORS, '404') },
  },
  'POST /admin/webhook-deliveries/{id}/redeliver': {
    operationId: 'adminRedeliverWebhook',
    summary: 'One more try of a delivery, now (same event id and body, a fresh signature)',
    tags: ['admin', 'webhooks'],
    requestParams: { path: z.object({ id: z.string() }) },
    requestBody: { required: false, content: json(emptyBody) },
    responses: { ...ok('The delivery after the try', deliveryView), ...errors('400', ...ADMIN_ERRORS, '404', '415') },
  },
};

/** Builds the document. Deterministic: the same schemas give the same bytes. */
export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const [key, operation] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Affiliate payouts',
      version: '1.0.0',
      description:
        'Two Lambda functions behind Function URLs: the payouts function (paths under /payouts) and the admin ' +
        'payouts function (paths under /admin). Amounts are integer cents. Errors answer ' +
        '`{"success": false, "message": <a sentence>, "code": <MACHINE_CODE>}`.',
    },
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Payout: payoutView,
        AdminPayout: adminPayoutView,
        StatusChange: statusChange,
        Balance: balanceView,
        Error: errorEnvelope,
      },
    },
  });
}

/** The document as `npm run openapi` writes it (two-space indent, final newline). */
export const openApiText = () => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
