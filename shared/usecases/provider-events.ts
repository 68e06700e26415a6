// route -> (use case) -> attempt store. What the providers said that nobody could apply, for an operator:
// - list:    1 decode the signed cursor, 2 one Query of the sparse flagged index (newest first), 3 the view (no raw
//            body, no signature, no secret: the record never held them), 4 sign where the page stopped.
// - resolve: 1 one conditional update (still flagged -> resolved, off the index), 2 a second resolve is answered
//            with the event as it is. Resolving only says "an operator looked": it moves no payout and no money
//            (an operator who decides the payout must change uses the process route, which the lifecycle guards).
import * as z from 'zod/mini';
import { NotFoundError } from '../domain/errors.ts';
import type { AttemptStore, FlaggedPosition, ProviderEventRecord } from '../domain/provider-ports.ts';
import type { ProviderEventView } from '../schemas/provider-events.ts';
import type { Clock } from '../domain/clock.ts';
import type { CursorCodec } from './cursor.ts';

const positionSchema = z.strictObject({ received_at: z.string(), event_key: z.string() });

export function toProviderEventView(event: ProviderEventRecord): ProviderEventView {
  return {
    event_id: event.event_key,
    provider: event.provider,
    event_type: event.event_type,
    payout_id: event.payout_id ?? null,
    reason: event.reason ?? null,
    received_at: event.received_at,
    flagged: event.flagged === 'yes',
    resolved_at: event.resolved_at ?? null,
    resolved_by: event.resolved_by ?? null,
    resolution_note: event.resolution_note ?? null,
  };
}

/** GET /admin/provider-events?flagged=true: one page of the flagged events, newest first. */
export async function listFlaggedEvents(
  store: Pick<AttemptStore, 'flaggedEvents'>,
  cursors: CursorCodec,
  limit: number,
  cursor?: string,
): Promise<{ events: ProviderEventView[]; nextCursor: string | null }> {
  const after: FlaggedPosition | undefined = cursor ? await cursors.decode(cursor, positionSchema) : undefined;
  const page = await store.flaggedEvents(limit, after);
  return {
    events: page.items.map(toProviderEventView),
    nextCursor: page.next ? await cursors.encode(page.next) : null,
  };
}

/** POST /admin/provider-events/{event_id}/resolve: the event leaves the list; nothing else changes. */
export async function resolveEvent(
  store: Pick<AttemptStore, 'resolveEvent'>,
  clock: Clock,
  adminId: string,
  eventId: string,
  note?: string,
): Promise<{ event: ProviderEventView; already: boolean }> {
  const outcome = await store.resolveEvent(eventId, adminId, clock.now().toISOString(), note);
  if (outcome.kind === 'not-found') throw eventNotFound();
  return { event: toProviderEventView(outcome.event), already: outcome.kind === 'not-flagged' };
}

export const eventNotFound = () =>
  new NotFoundError('PROVIDER_EVENT_NOT_FOUND', 'No provider event with this id was recorded.');
