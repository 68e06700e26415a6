/** Outgoing webhooks (issue 12): the admin routes' bodies, parameters and answers. */
import * as z from 'zod/mini';
import { DELIVERY_STATUSES, PAYOUT_EVENT_TYPES } from '../domain/notification-events.ts';
import { strictError } from './common.ts';

export const MAX_DESCRIPTION_CHARS = 200;
export const MAX_URL_CHARS = 2_048;

/** POST /admin/webhook-endpoints: `{url, events?, description?}`. */
export const createEndpointBody = z.strictObject(
  {
    url: z
      .string({ error: 'url must be a string: the https address that receives the events' })
      .check(
        z.minLength(1, { error: 'url must not be empty' }),
        z.maxLength(MAX_URL_CHARS, { error: `url may be at most ${MAX_URL_CHARS} characters` }),
      ),
    events: z.optional(
      z
        .array(
          z.enum(PAYOUT_EVENT_TYPES, {
            error: `each event must be one of ${PAYOUT_EVENT_TYPES.join(', ')}`,
          }),
          { error: 'events must be an array of event types' },
        )
        .check(z.maxLength(PAYOUT_EVENT_TYPES.length * 2, { error: 'events lists too many event types' })),
    ),
    description: z.optional(
      z.string({ error: 'description must be a string' }).check(
        z.maxLength(MAX_DESCRIPTION_CHARS, {
          error: `description may be at most ${MAX_DESCRIPTION_CHARS} characters`,
        }),
      ),
    ),
  },
  strictError('field'),
);
export type CreateEndpointBody = z.infer<typeof createEndpointBody>;

const ID = /^(?:whe|dlv)_[A-Za-z0-9]{1,64}$/;
export const endpointIdParams = z.object({ id: z.string().check(z.regex(ID)) });
export const deliveryIdParams = z.object({ id: z.string().check(z.regex(ID)) });

export const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.nullable(z.string()),
  status: z.enum(['active', 'disabled']),
  created_at: z.string(),
  failing_since: z.nullable(z.string()),
  disabled_at: z.nullable(z.string()),
});
export type EndpointView = z.infer<typeof endpointView>;

/** The creation answer: the endpoint and its signing secret, shown this once. */
export const createdEndpointView = z.extend(endpointView, { secret: z.string() });
export type CreatedEndpointView = z.infer<typeof createdEndpointView>;

export const endpointListView = z.object({ endpoints: z.array(endpointView) });

export const deliveryView = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.enum(PAYOUT_EVENT_TYPES),
  payout_id: z.string(),
  sequence: z.int(),
  status: z.enum(DELIVERY_STATUSES),
  attempt: z.int(),
  status_code: z.nullable(z.int()),
  error: z.nullable(z.string()),
  response_excerpt: z.nullable(z.string()),
  next_attempt_at: z.nullable(z.string()),
  created_at: z.string(),
  last_attempt_at: z.nullable(z.string()),
  delivered_at: z.nullable(z.string()),
});
export type DeliveryView = z.infer<typeof deliveryView>;

export const deliveryListView = z.object({ deliveries: z.array(deliveryView) });
