import { randomBytes } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../../shared/domain/errors.ts';
import type { NotifyStore, WebhookDelivery, WebhookEndpoint } from '../../shared/domain/notifications.ts';
import { ok } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import { checkEndpointUrl, type Resolver, UnsafeUrlError } from '../../shared/notify/webhook-transport.ts';
import { emptyBody } from '../../shared/schemas/common.ts';
import {
  createEndpointBody,
  type DeliveryView,
  deliveryIdParams,
  endpointIdParams,
  type EndpointView,
} from '../../shared/schemas/webhooks.ts';
import type { Clock } from '../../shared/domain/clock.ts';
import type { WebhookDeliveries } from '../../shared/usecases/notify-payout.ts';
import { deliveryNotFound } from '../../shared/usecases/notify-payout.ts';

export interface WebhookRoutesDeps {
  store: NotifyStore;
  deliveries: Pick<WebhookDeliveries, 'redeliver'>;
  allowLocal: boolean;
  clock: Clock;
  resolve?: Resolver;
}

const endpointNotFound = () => new NotFoundError('ENDPOINT_NOT_FOUND', 'No webhook endpoint with this id was found.');

export function toEndpointView(endpoint: WebhookEndpoint): EndpointView {
  return {
    id: endpoint.endpoint_id,
    url: endpoint.url,
    events: endpoint.events ?? [],
    description: endpoint.description ?? null,
    status: endpoint.status,
    created_at: endpoint.created_at,
    failing_since: endpoint.failing_since ?? null,
    disabled_at: endpoint.disabled_at ?? null,
  };
}

export function toDeliveryView(delivery: WebhookDelivery): DeliveryView {
  return {
    id: delivery.delivery_id,
    endpoint_id: delivery.endpoint_id,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    payout_id: delivery.payout_id,
    sequence: delivery.sequence,
    status: delivery.status,
    attempt: delivery.attempts,
    status_code: delivery.last_status_code ?? null,
    error: delivery.last_error ?? null,
    response_excerpt: delivery.response_excerpt ?? null,
    next_attempt_at: delivery.status === 'pending' ? (delivery.next_attempt_at ?? null) : null,
    created_at: delivery.created_at,
    last_attempt_at: delivery.last_attempt_at ?? null,
    delivered_at: delivery.delivered_at ?? null,
  };
}

const RECENT_DELIVERIES = 50;

/** Outgoing webhooks (issue 12): endpoints (create, list, delete) and their deliveries (list, redeliver). */
export function webhookRoutes(deps: WebhookRoutesDeps): Route[] {
  const endpoint = { schema: endpointIdParams, notFound: endpointNotFound };
  return [
    route({
      method: 'POST',
      path: '/admin/webhook-endpoints',
      access: 'admin',
      summary: 'Register a webhook endpoint; the answer holds its signing secret (whsec_…), shown this once.',
      body: createEndpointBody,
      maxBodyBytes: 8 * 1024,
      handle: async ({ body }) => {
        try {
          await checkEndpointUrl(body.url, deps.allowLocal, deps.resolve);
        } catch (error) {
          if (error instanceof UnsafeUrlError) throw new InvalidInputError('UNSAFE_WEBHOOK_URL', error.message);
          throw error;
        }
        const created: WebhookEndpoint = {
          endpoint_id: `whe_${randomBytes(12).toString('hex')}`,
          url: body.url,
          events: [...new Set(body.events ?? [])],
          ...(body.description ? { description: body.description } : {}),
          secret: `whsec_${randomBytes(32).toString('base64')}`,
          status: 'active',
          created_at: deps.clock.now().toISOString(),
        };
        await deps.store.createEndpoint(created);
        return ok(201, 'Webhook endpoint created; keep the secret now: it is not shown again', {
          ...toEndpointView(created),
          secret: created.secret,
        });
      },
    }),
    route({
      method: 'GET',
      path: '/admin/webhook-endpoints',
      access: 'admin',
      summary: 'The webhook endpoints (never their secrets).',
      handle: async () => {
        const endpoints = (await deps.store.listEndpoints())
          .sort((a, b) => b.created_at.localeCompare(a.created_at))
          .map(toEndpointView);
        return ok(200, 'Success', { endpoints });
      },
    }),
    route({
      method: 'DELETE',
      path: '/admin/webhook-endpoints/{id}',
      access: 'admin',
      summary: 'Delete a webhook endpoint: its pending deliveries stop.',
      params: endpoint,
      handle: async ({ params }) => {
        if (!(await deps.store.deleteEndpoint(params.id))) throw endpointNotFound();
        return ok(200, 'Webhook endpoint deleted; its pending deliveries stop', { id: params.id, deleted: true });
      },
    }),
    route({
      method: 'GET',
      path: '/admin/webhook-endpoints/{id}/deliveries',
      access: 'admin',
      summary: "An endpoint's recent deliveries, newest first: event, attempt, status code, next try.",
      params: endpoint,
      handle: async ({ params }) => {
        if (!(await deps.store.getEndpoint(params.id))) throw endpointNotFound();
        const deliveries = (await deps.store.listDeliveries(params.id, RECENT_DELIVERIES)).map(toDeliveryView);
        return ok(200, 'Success', { deliveries });
      },
    }),
    route({
      method: 'POST',
      path: '/admin/webhook-deliveries/{id}/redeliver',
      access: 'admin',
      summary: 'One more try of a delivery, now; answers the delivery after the try.',
      params: { schema: deliveryIdParams, notFound: deliveryNotFound },
      body: emptyBody,
      handle: async ({ params }) => {
        const delivery = await deps.deliveries.redeliver(params.id);
        return ok(200, `Redelivered: ${delivery.status}`, toDeliveryView(delivery));
      },
    }),
  ];
}
