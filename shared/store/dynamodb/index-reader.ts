import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { PayoutStatus } from '../../domain/payout.ts';
import type { IndexPage, IndexPosition, PayoutRow, RequestedRange } from '../../domain/ports.ts';
import type { Item } from './records.ts';
import { PAYOUTS } from './tables.ts';

/** What a listing or an export reads of a payout: everything but the status history, which grows with every move. */
export const ROW_ATTRIBUTES = [
  'payout_id',
  'affiliate_id',
  'amount',
  'currency',
  'payment_method',
  'payment_email',
  'status',
  'requested_at',
  'updated_at',
  'transaction_id',
  'notes',
  'processed_at',
  'processed_by',
  'status_reason',
  'scheduled_for',
  'flags',
] as const;

/** How many index pages one listing call reads at most before it hands back a cursor with a short page. */
const MAX_QUERY_ROUNDS = 10;
/** A filtered query (affiliate + status) reads this many index items per round, so a rare status needs few rounds. */
const FILTERED_READ = 200;

export interface IndexQuery {
  index: string;
  partitionKey: string;
  partitionValue: string;
  sortKey: string;
  range: RequestedRange;
  status?: PayoutStatus;
  /** Pending payouts that may be sent on `today` (true) or are future-dated past it (false). */
  due?: { due: boolean; today: string };
}

export const byStatus = (status: PayoutStatus, range: RequestedRange, due?: IndexQuery['due']): IndexQuery => ({
  index: PAYOUTS.statusIndex.name,
  partitionKey: PAYOUTS.statusIndex.partitionKey,
  partitionValue: status,
  sortKey: PAYOUTS.statusIndex.sortKey,
  range,
  ...(due ? { due } : {}),
});

export const byAffiliate = (
  affiliateId: string,
  range: RequestedRange,
  status?: PayoutStatus,
  due?: IndexQuery['due'],
): IndexQuery => ({
  index: PAYOUTS.affiliateIndex.name,
  partitionKey: PAYOUTS.affiliateIndex.partitionKey,
  partitionValue: affiliateId,
  sortKey: PAYOUTS.affiliateIndex.sortKey,
  range,
  ...(status ? { status } : {}),
  ...(due ? { due } : {}),
});

/**
 * The one reader of the payouts table's indexes: pages of one partition, newest first. DynamoDB applies Limit
 * before a filter, so a filtered query reads in rounds (at most MAX_QUERY_ROUNDS) and trims what it read too
 * much; the next position is then the last item kept, so nothing is skipped.
 */
export class IndexReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly call: <T>(request: () => Promise<T>) => Promise<T>,
  ) {}

  async page(query: IndexQuery, limit: number, after?: IndexPosition): Promise<IndexPage<PayoutRow>> {
    const items: PayoutRow[] = [];
    let startKey: Item | undefined = after ? keyOf(query, after) : undefined;
    for (let round = 1; ; round += 1) {
      const wanted = limit - items.length;
      const result = await this.call(() =>
        this.client.send(
          new QueryCommand({
            ...this.input(query),
            // One more than wanted: a page that ends exactly at the partition's end then has no next position.
            Limit: query.status || query.due ? Math.max(wanted + 1, FILTERED_READ) : wanted + 1,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      const read = (result.Items ?? []) as PayoutRow[];
      const kept = read.slice(0, wanted);
      items.push(...kept);
      const last = items.at(-1);
      if (kept.length < read.length && last) return { items, next: positionOf(last) };
      if (!result.LastEvaluatedKey) return { items };
      if (items.length >= limit || round >= MAX_QUERY_ROUNDS)
        return { items, next: positionOf(result.LastEvaluatedKey) };
      startKey = result.LastEvaluatedKey;
    }
  }

  /** The whole partition, page by page (an affiliate's payouts, for the balance and the reconciliation). */
  async all(query: IndexQuery): Promise<PayoutRow[]> {
    const rows: PayoutRow[] = [];
    let startKey: Item | undefined;
    do {
      const result = await this.call(() =>
        this.client.send(
          new QueryCommand({ ...this.input(query), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        ),
      );
      rows.push(...((result.Items ?? []) as PayoutRow[]));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }

  private input({ index, partitionKey, partitionValue, sortKey, range, status, due }: IndexQuery): QueryCommandInput {
    const names: Record<string, string> = { '#pk': partitionKey };
    const values: Record<string, unknown> = { ':pk': partitionValue };
    let condition = '#pk = :pk';
    // DynamoDB refuses unused names, so the sort key's name is only added with a range.
    if (range.from !== undefined || range.to !== undefined) names['#sk'] = sortKey;
    if (range.from !== undefined && range.to !== undefined) {
      condition += ' AND #sk BETWEEN :from AND :to';
      Object.assign(values, { ':from': range.from, ':to': range.to });
    } else if (range.from !== undefined) {
      condition += ' AND #sk >= :from';
      values[':from'] = range.from;
    } else if (range.to !== undefined) {
      condition += ' AND #sk <= :to';
      values[':to'] = range.to;
    }
    // The affiliate index projects a subset; ask only for what it holds, or the query is refused.
    const attributes =
      index === PAYOUTS.affiliateIndex.name
        ? ['payout_id', 'affiliate_id', 'requested_at', ...PAYOUTS.affiliateIndex.projectedAttributes]
        : [...ROW_ATTRIBUTES];
    for (const [position, name] of attributes.entries()) names[`#p${position}`] = name;
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: index,
      KeyConditionExpression: condition,
      ProjectionExpression: attributes.map((_, position) => `#p${position}`).join(', '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    };
    const filters: string[] = [];
    if (status) {
      names['#status'] = 'status';
      values[':status'] = status;
      filters.push('#status = :status');
    }
    if (due) {
      names['#scheduled'] = 'scheduled_for';
      values[':today'] = due.today;
      filters.push(due.due ? '(attribute_not_exists(#scheduled) OR #scheduled <= :today)' : '#scheduled > :today');
    }
    if (filters.length > 0) input.FilterExpression = filters.join(' AND ');
    return input;
  }
}

/** The ExclusiveStartKey of an index: the table key plus the index keys. */
function keyOf(query: IndexQuery, position: IndexPosition): Item {
  return {
    [PAYOUTS.partitionKey]: position.payout_id,
    [query.partitionKey]: query.partitionValue,
    [query.sortKey]: position.requested_at,
  };
}

function positionOf(item: Item): IndexPosition {
  return { requested_at: String(item.requested_at), payout_id: String(item.payout_id) };
}
