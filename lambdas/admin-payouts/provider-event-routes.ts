import { ok } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import type { AttemptStore } from '../../shared/domain/provider-ports.ts';
import { providerEventParams, providerEventsQuery, resolveEventBody } from '../../shared/schemas/provider-events.ts';
import { eventNotFound, listFlaggedEvents, resolveEvent } from '../../shared/usecases/provider-events.ts';
import type { Services } from '../../shared/usecases/services.ts';

/** Provider events an operator must look at (unknown payout, amount mismatch, partial reversal), and their review. */
export function providerEventRoutes(
  services: Services,
  store: Pick<AttemptStore, 'flaggedEvents' | 'resolveEvent'>,
): Route[] {
  return [
    route({
      method: 'GET',
      path: '/admin/provider-events',
      access: 'admin',
      summary: 'Provider events flagged for an operator (flagged=true), newest first; paged with a signed cursor.',
      query: providerEventsQuery,
      handle: async ({ query: { limit, cursor } }) => {
        const page = await listFlaggedEvents(store, services.cursors, limit, cursor);
        return ok(200, 'Success', { events: page.events, count: page.events.length, next_cursor: page.nextCursor });
      },
    }),
    route({
      method: 'POST',
      path: '/admin/provider-events/{event_id}/resolve',
      access: 'admin',
      summary: 'Mark a flagged provider event reviewed: it leaves the list; no payout or money moves.',
      params: { schema: providerEventParams, notFound: eventNotFound },
      body: resolveEventBody,
      handle: async ({ params, body, principal }) => {
        const { event, already } = await resolveEvent(
          store,
          services.clock,
          principal.userId,
          params.event_id,
          body.note,
        );
        return ok(200, already ? 'This event was not waiting for review' : 'Event marked reviewed', { event });
      },
    }),
  ];
}
