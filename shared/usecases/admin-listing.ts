// route -> (list | export) -> store
//
// Primary course: 1 check the cursor (ours, and minted for these filters); 2 read the index the filters point at
// (status, affiliate, or every status partition merged); 3 hand back the rows and the next signed cursor.
import * as z from 'zod/mini';
import { systemClock } from '../domain/clock.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { PAYOUT_STATUSES, type PayoutStatus } from '../domain/payout.ts';
import type { IndexPage, IndexPosition, PayoutRow, PayoutStore, RequestedRange } from '../domain/ports.ts';
import { PAYOUT_ID_PATTERN } from '../schemas/common.ts';
import type { CursorCodec } from './cursor.ts';
import { fingerprintOf } from './fingerprint.ts';
import type { Services } from './services.ts';

/** The admin listing's filters, as validated by shared/schemas/admin.ts (from/to already normalized to UTC). */
export interface ListFilters {
  status?: PayoutStatus | undefined;
  affiliate_id?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Issue 13: pending payouts that may be sent today (true) or are future-dated past today (false). */
  due?: boolean | undefined;
}

export interface ListedPage {
  rows: PayoutRow[];
  /** Which index served the page: the affiliate index does not project processed_by. */
  source: 'status' | 'affiliate' | 'merge';
  nextCursor: string | null;
}

/**
 * The cursor's state: a version, the filters it was minted for (`filters`, their fingerprint), and either one index
 * position (`position`, a status or affiliate query) or one position per status partition (`partitions`, the
 * unfiltered merge; 0 = exhausted, absent = not started). Partition keys are implied by the filters.
 */
const position = z.tuple([
  z.string().check(z.minLength(1), z.maxLength(64)),
  z.string().check(z.regex(PAYOUT_ID_PATTERN)),
]);
const mergeState = z.strictObject(
  Object.fromEntries(
    PAYOUT_STATUSES.map((status) => [status, z.optional(z.union([position, z.literal(0)]))]),
  ) as Record<PayoutStatus, z.ZodMiniOptional<z.ZodMiniUnion<[typeof position, z.ZodMiniLiteral<0>]>>>,
);
const cursorSchema = z.strictObject({
  v: z.literal(2),
  filters: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  position: z.optional(position),
  partitions: z.optional(mergeState),
});
type CursorState = z.infer<typeof cursorSchema>;
type Position = z.infer<typeof position>;

const MAX_CURSOR_LENGTH = 4096;

function invalidCursor(): InvalidInputError {
  return new InvalidInputError('INVALID_CURSOR', 'The cursor is not valid for these filters; start again without it.');
}

/** The filters a cursor is bound to: a cursor minted for other filters is refused. */
function filtersFingerprint(filters: ListFilters): string {
  const bound = [
    filters.status ?? null,
    filters.affiliate_id ?? null,
    filters.from ?? null,
    filters.to ?? null,
    ...(filters.due !== undefined ? [filters.due] : []),
  ];
  return fingerprintOf('admin listing', bound).slice(0, 16);
}

async function decodeListCursor(cursors: CursorCodec, cursor: string, filters: ListFilters): Promise<CursorState> {
  // Room for one position per status, so longer than the affiliate list's cursors.
  const state = await cursors.decode(cursor, cursorSchema, {
    maxLength: MAX_CURSOR_LENGTH,
    message: invalidCursor().message,
  });
  if (state.filters !== filtersFingerprint(filters)) throw invalidCursor();
  const positions = [state.position, ...Object.values(state.partitions ?? {})].filter((entry): entry is Position =>
    Array.isArray(entry),
  );
  // A position outside the requested range would make DynamoDB refuse the query: it is not a cursor we minted.
  if (
    positions.some(
      ([at]) => (filters.from !== undefined && at < filters.from) || (filters.to !== undefined && at > filters.to),
    )
  ) {
    throw invalidCursor();
  }
  return state;
}

const toPosition = ([requested_at, payout_id]: Position): IndexPosition => ({ requested_at, payout_id });
const fromPosition = ({ requested_at, payout_id }: IndexPosition): Position => [requested_at, payout_id];

/**
 * One page of payouts across all affiliates, newest first. A status filter reads the status index; an
 * affiliate filter reads the affiliate index (filtering by status there); no filter merges the status index's
 * partitions. Never a Scan.
 * @example const page = await listPayouts(store, { status: 'pending' }, 50);
 */
export async function listPayouts(
  { store, cursors, clock = systemClock }: Pick<Services, 'store' | 'cursors'> & Partial<Pick<Services, 'clock'>>,
  requested: ListFilters,
  limit: number,
  cursor?: string,
): Promise<ListedPage> {
  // `due` is about pending payouts: it reads the pending partition (or the affiliate's pending payouts).
  if (requested.due !== undefined && requested.status !== undefined && requested.status !== 'pending') {
    throw new InvalidInputError(
      'VALIDATION_ERROR',
      'due applies to pending payouts only: leave status out or use pending.',
    );
  }
  const filters: ListFilters = requested.due !== undefined ? { ...requested, status: 'pending' } : requested;
  const due =
    filters.due !== undefined ? { due: filters.due, today: clock.now().toISOString().slice(0, 10) } : undefined;
  const state = cursor === undefined ? undefined : await decodeListCursor(cursors, cursor, filters);
  const range: RequestedRange = {
    ...(filters.from !== undefined ? { from: filters.from } : {}),
    ...(filters.to !== undefined ? { to: filters.to } : {}),
  };
  const bound = filtersFingerprint(filters);
  if (filters.affiliate_id !== undefined || filters.status !== undefined) {
    if (state?.partitions !== undefined) throw invalidCursor();
    const after = state?.position ? toPosition(state.position) : undefined;
    const page =
      filters.affiliate_id !== undefined
        ? await store.queryByAffiliate(filters.affiliate_id, range, limit, after, filters.status, due)
        : await store.queryByStatus(filters.status as PayoutStatus, range, limit, after, due);
    return {
      rows: page.items,
      source: filters.affiliate_id !== undefined ? 'affiliate' : 'status',
      nextCursor: page.next ? await cursors.encode({ v: 2, filters: bound, position: fromPosition(page.next) }) : null,
    };
  }
  if (state?.position !== undefined) throw invalidCursor();
  const merged = await mergeStatuses(store, range, limit, state?.partitions ?? {});
  return {
    rows: merged.rows,
    source: 'merge',
    nextCursor: merged.next ? await cursors.encode({ v: 2, filters: bound, partitions: merged.next }) : null,
  };
}

type MergeState = Partial<Record<PayoutStatus, Position | 0>>;

/**
 * The unfiltered list: each status partition is read from its own position and the pages are merged newest
 * first, consuming a prefix of each, so every partition's next position is exact (ties on requested_at can
 * neither repeat nor skip a payout).
 */
async function mergeStatuses(
  store: PayoutStore,
  range: RequestedRange,
  limit: number,
  state: MergeState,
): Promise<{ rows: PayoutRow[]; next?: MergeState }> {
  const open = PAYOUT_STATUSES.filter((status) => state[status] !== 0);
  const pages = await Promise.all(
    open.map(async (status) => {
      const at = state[status];
      const page: IndexPage<PayoutRow> = await store.queryByStatus(
        status,
        range,
        limit,
        Array.isArray(at) ? toPosition(at) : undefined,
      );
      return { status, page, taken: 0 };
    }),
  );
  const rows: PayoutRow[] = [];
  while (rows.length < limit) {
    // A partition that ran out of read items but has more in the table could hold the next-newest payout: stop here.
    if (pages.some(({ page, taken }) => taken === page.items.length && page.next)) break;
    let best: (typeof pages)[number] | undefined;
    for (const candidate of pages) {
      const head = candidate.page.items[candidate.taken];
      if (!head) continue;
      const bestHead = best?.page.items[best.taken];
      if (!bestHead || head.requested_at > bestHead.requested_at) best = candidate;
    }
    if (!best) break;
    rows.push(best.page.items[best.taken] as PayoutRow);
    best.taken += 1;
  }
  const next: MergeState = { ...state };
  for (const { status, page, taken } of pages) {
    if (taken === page.items.length) next[status] = page.next ? fromPosition(page.next) : 0;
    else if (taken > 0)
      next[status] = fromPosition({
        requested_at: page.items[taken - 1]!.requested_at,
        payout_id: page.items[taken - 1]!.payout_id,
      });
  }
  const done = PAYOUT_STATUSES.every((status) => next[status] === 0);
  return done ? { rows } : { rows, next };
}

export interface ExportPage {
  rows: PayoutRow[];
  nextCursor: string | null;
}

/** One page of the CSV export: the rows, with processed_by read from the table when the index lacks it. */
export async function exportPage(
  services: Services,
  filters: ListFilters,
  limit: number,
  cursor?: string,
): Promise<ExportPage> {
  const page = await listPayouts(services, filters, limit, cursor);
  if (page.source !== 'affiliate' || page.rows.length === 0) return { rows: page.rows, nextCursor: page.nextCursor };
  const stored = await services.store.getPayoutRows(page.rows.map((row) => row.payout_id));
  // The table is fresher than the index; a payout missing from it (deleted meanwhile) keeps the index's row.
  const rows = page.rows.map((row) => ({ ...row, ...stored.get(row.payout_id) }));
  return { rows, nextCursor: page.nextCursor };
}
