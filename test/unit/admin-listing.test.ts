import { describe, expect, it } from 'vitest';
import type { IndexPage, IndexPosition, PayoutRow, RequestedRange } from '../../shared/domain/ports.ts';
import { InvalidInputError } from '../../shared/domain/errors.ts';
import { PAYOUT_STATUSES, type PayoutStatus } from '../../shared/domain/payout.ts';
import { listPayouts as listWith, type ListFilters } from '../../shared/usecases/admin-listing.ts';
import { CursorCodec } from '../../shared/usecases/cursor.ts';
import type { PayoutStore } from '../../shared/domain/ports.ts';

const cursors = new CursorCodec(async () => 'a-test-secret-that-is-32-bytes-long!');
const listPayouts = (store: unknown, filters: ListFilters, limit: number, cursor?: string) =>
  listWith({ store: store as PayoutStore, cursors }, filters, limit, cursor);
/** What a signed cursor carries, read without its signature (as anyone could). */
const stateOf = (cursor: string) => JSON.parse(Buffer.from(cursor.split('.')[0] as string, 'base64url').toString());

/**
 * An in-memory index with DynamoDB's semantics: newest first, ties in payout_id order (descending), Limit, and an
 * exclusive start position. Counts queries so a test can see what the listing read.
 */
class FakeIndexStore {
  queries: string[] = [];
  constructor(private readonly rows: PayoutRow[]) {}

  private page(rows: PayoutRow[], range: RequestedRange, limit: number, after?: IndexPosition): IndexPage<PayoutRow> {
    const sorted = rows
      .filter(
        (row) =>
          (range.from === undefined || row.requested_at >= range.from) &&
          (range.to === undefined || row.requested_at <= range.to),
      )
      .sort((a, b) =>
        a.requested_at === b.requested_at
          ? b.payout_id.localeCompare(a.payout_id)
          : b.requested_at.localeCompare(a.requested_at),
      );
    const start = after ? sorted.findIndex((row) => row.payout_id === after.payout_id) + 1 : 0;
    const items = sorted.slice(start, start + limit);
    const last = items.at(-1);
    return {
      items,
      ...(start + limit < sorted.length && last
        ? { next: { requested_at: last.requested_at, payout_id: last.payout_id } }
        : {}),
    };
  }

  async queryByStatus(status: PayoutStatus, range: RequestedRange, limit: number, after?: IndexPosition) {
    this.queries.push(`status:${status}`);
    return this.page(
      this.rows.filter((row) => row.status === status),
      range,
      limit,
      after,
    );
  }

  async queryByAffiliate(
    affiliateId: string,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    status?: PayoutStatus,
  ) {
    this.queries.push(`affiliate:${affiliateId}`);
    return this.page(
      this.rows.filter((row) => row.affiliate_id === affiliateId && (!status || row.status === status)),
      range,
      limit,
      after,
    );
  }
}

function rowsFixture(): PayoutRow[] {
  const rows: PayoutRow[] = [];
  for (let index = 0; index < 40; index += 1) {
    // Four payouts share each timestamp, across statuses and affiliates: ties are the hard case for a merge.
    const minute = String(Math.floor(index / 4)).padStart(2, '0');
    rows.push({
      payout_id: `p-${String(index).padStart(2, '0')}`,
      affiliate_id: `aff-${index % 3}`,
      amount: 1_000 + index,
      payment_method: 'paypal',
      payment_email: 'a@example.com',
      status: PAYOUT_STATUSES[index % PAYOUT_STATUSES.length] as PayoutStatus,
      requested_at: `2024-03-01T09:${minute}:00.000Z`,
    });
  }
  return rows;
}

async function readAll(store: FakeIndexStore, filters: ListFilters, limit: number): Promise<PayoutRow[]> {
  const seen: PayoutRow[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await listPayouts(store, filters, limit, cursor);
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    seen.push(...page.rows);
    if (!page.nextCursor) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('the listing never ended');
}

describe('Function: listPayouts', () => {
  it.each([1, 3, 7, 50])(
    'merges every status partition newest first, each payout exactly once (limit %i)',
    async (limit) => {
      // Prepare
      const rows = rowsFixture();
      const store = new FakeIndexStore(rows);

      // Act
      const seen = await readAll(store, {}, limit);

      // Assess
      expect(seen.map((row) => row.payout_id).sort()).toEqual(rows.map((row) => row.payout_id).sort());
      const times = seen.map((row) => row.requested_at);
      expect(times).toEqual([...times].sort().reverse());
      expect(store.queries.every((query) => query.startsWith('status:'))).toBe(true);
    },
  );

  it('reads one index partition for a status, and the affiliate index for an affiliate (+ status)', async () => {
    const rows = rowsFixture();
    const store = new FakeIndexStore(rows);

    const pending = await readAll(store, { status: 'pending' }, 2);
    expect(pending.map((row) => row.payout_id)).toEqual(
      rows
        .filter((row) => row.status === 'pending')
        .map((row) => row.payout_id)
        .reverse(),
    );
    expect(new Set(store.queries)).toEqual(new Set(['status:pending']));

    store.queries = [];
    const mine = await readAll(store, { affiliate_id: 'aff-1', status: 'processing' }, 1);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((row) => row.affiliate_id === 'aff-1' && row.status === 'processing')).toBe(true);
    expect(new Set(store.queries)).toEqual(new Set(['affiliate:aff-1']));
  });

  it('applies from/to to every partition', async () => {
    const store = new FakeIndexStore(rowsFixture());
    const seen = await readAll(store, { from: '2024-03-01T09:02:00.000Z', to: '2024-03-01T09:03:00.000Z' }, 3);
    expect(seen.map((row) => row.payout_id).sort()).toEqual([
      'p-08',
      'p-09',
      'p-10',
      'p-11',
      'p-12',
      'p-13',
      'p-14',
      'p-15',
    ]);
  });

  it('refuses a tampered cursor, one for other filters, and one for another kind of listing', async () => {
    // Prepare
    const store = new FakeIndexStore(rowsFixture());
    const merged = await listPayouts(store, {}, 2);
    const pending = await listPayouts(store, { status: 'pending' }, 2);
    const [, signature] = (pending.nextCursor as string).split('.');
    // A position moved inside the caller's own data, its payload re-encoded under the old signature.
    const moved = { ...stateOf(pending.nextCursor as string), position: ['2030-01-01T00:00:00.000Z', 'p-00'] };
    const tampered = `${Buffer.from(JSON.stringify(moved)).toString('base64url')}.${signature}`;
    const ranged = await listPayouts(store, { status: 'pending', from: '2024-03-01T09:00:00.000Z' }, 1);
    // Even a cursor signed with our key is checked against the range it was minted for.
    const outOfRange = await cursors.encode({
      ...stateOf(ranged.nextCursor as string),
      position: ['2023-01-01T00:00:00.000Z', 'p-00'],
    });

    // Act + Assess
    const refused = (filters: ListFilters, cursor: string) =>
      expect(listPayouts(store, filters, 2, cursor)).rejects.toThrow(InvalidInputError);
    await refused({ status: 'pending' }, tampered);
    await refused({ status: 'completed' }, pending.nextCursor as string);
    await refused({ status: 'pending' }, merged.nextCursor as string);
    await refused({}, `${merged.nextCursor as string}x`);
    await refused({}, 'not*base64');
    await refused({}, Buffer.from('{"v":2}').toString('base64url'));
    await refused({ status: 'pending', from: '2024-03-01T09:00:00.000Z' }, outOfRange);
    await expect(listPayouts(store, { status: 'pending' }, 2, pending.nextCursor as string)).resolves.toBeDefined();
  });
});
