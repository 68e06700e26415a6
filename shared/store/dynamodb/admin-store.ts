import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AdminPayoutStore, IndexPage, IndexPosition, PayoutRow, RequestedRange } from '../../domain/admin-ports.ts';
import { ServiceUnavailableError } from '../../domain/errors.ts';
import type { PayoutStatus } from '../../domain/payout.ts';
import { DynamoPayoutStore } from './payout-store.ts';
import { PAYOUTS, type TableNames } from './tables.ts';

type Item = Record<string, unknown>;

/** What a listing or an export reads of a payout: everything but the status history, which grows with every move. */
const ROW_ATTRIBUTES = [
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
] as const;

/** How many index pages one listing call reads at most before it hands back a cursor with a short page. */
const MAX_QUERY_ROUNDS = 10;
/** A filtered query (affiliate + status) reads this many index items per round, so a rare status needs few rounds. */
const FILTERED_READ = 200;
/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_KEYS = 100;

interface IndexQuery {
  index: string;
  partitionKey: string;
  partitionValue: string;
  sortKey: string;
  range: RequestedRange;
  status?: PayoutStatus;
}

/**
 * The admin side's DynamoDB adapter: the affiliate store's reads and transactions, plus the admin-only queries
 * on the status and affiliate indexes. No Scan anywhere; a listing is always a Query on one index partition.
 * @example const store = new DynamoAdminStore(runtime.client, runtime.config.tables);
 */
export class DynamoAdminStore extends DynamoPayoutStore implements AdminPayoutStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableNames: TableNames,
    now: () => Date = () => new Date(),
  ) {
    super(documents, tableNames, now);
  }

  queryByStatus(status: PayoutStatus, range: RequestedRange, limit: number, after?: IndexPosition): Promise<IndexPage<PayoutRow>> {
    return this.queryIndex(
      {
        index: PAYOUTS.statusIndex.name,
        partitionKey: PAYOUTS.statusIndex.partitionKey,
        partitionValue: status,
        sortKey: PAYOUTS.statusIndex.sortKey,
        range,
      },
      limit,
      after,
    );
  }

  queryByAffiliate(
    affiliateId: string,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    status?: PayoutStatus,
  ): Promise<IndexPage<PayoutRow>> {
    return this.queryIndex(
      {
        index: PAYOUTS.affiliateIndex.name,
        partitionKey: PAYOUTS.affiliateIndex.partitionKey,
        partitionValue: affiliateId,
        sortKey: PAYOUTS.affiliateIndex.sortKey,
        range,
        ...(status ? { status } : {}),
      },
      limit,
      after,
    );
  }

  async getPayoutRows(payoutIds: readonly string[]): Promise<Map<string, PayoutRow>> {
    const rows = new Map<string, PayoutRow>();
    const unique = [...new Set(payoutIds)];
    const names = Object.fromEntries(ROW_ATTRIBUTES.map((name, index) => [`#a${index}`, name]));
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
      let keys: Item[] = unique.slice(start, start + BATCH_GET_KEYS).map((id) => ({ [PAYOUTS.partitionKey]: id }));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        // Unprocessed keys mean the table is throttling: back off, and after a few rounds let the client retry.
        if (attempt > 5) throw new ServiceUnavailableError('The payouts store is busy right now; retry in a moment.');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
        const request = {
          [this.tableNames.payouts]: { Keys: keys, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names },
        };
        const result = await this.call(() => this.documents.send(new BatchGetCommand({ RequestItems: request })));
        for (const item of result.Responses?.[this.tableNames.payouts] ?? []) rows.set(String(item.payout_id), item as PayoutRow);
        keys = (result.UnprocessedKeys?.[this.tableNames.payouts]?.Keys ?? []) as Item[];
      }
    }
    return rows;
  }

  /**
   * Reads up to `limit` items of one index partition, newest first, from `after` on. DynamoDB applies Limit before
   * a filter, so a filtered query reads in rounds (at most MAX_QUERY_ROUNDS) and trims what it read too much;
   * the next position is then the last item kept, so nothing is skipped.
   */
  private async queryIndex(query: IndexQuery, limit: number, after?: IndexPosition): Promise<IndexPage<PayoutRow>> {
    const items: PayoutRow[] = [];
    let startKey: Item | undefined = after ? this.keyOf(query, after) : undefined;
    for (let round = 1; ; round += 1) {
      const wanted = limit - items.length;
      const result = await this.call(() =>
        this.documents.send(new QueryCommand({
          ...this.queryInput(query),
          // One more than wanted: a page that ends exactly at the partition's end then has no next position.
          Limit: query.status ? Math.max(wanted + 1, FILTERED_READ) : wanted + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        })),
      );
      const read = (result.Items ?? []) as PayoutRow[];
      const kept = read.slice(0, wanted);
      items.push(...kept);
      const last = items.at(-1);
      if (kept.length < read.length && last) return { items, next: positionOf(last) };
      if (!result.LastEvaluatedKey) return { items };
      if (items.length >= limit || round >= MAX_QUERY_ROUNDS) return { items, next: positionOf(result.LastEvaluatedKey) };
      startKey = result.LastEvaluatedKey;
    }
  }

  private queryInput({ index, partitionKey, partitionValue, sortKey, range, status }: IndexQuery): QueryCommandInput {
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
    attributes.forEach((name, position) => (names[`#p${position}`] = name));
    const input: QueryCommandInput = {
      TableName: this.tableNames.payouts,
      IndexName: index,
      KeyConditionExpression: condition,
      ProjectionExpression: attributes.map((_, position) => `#p${position}`).join(', '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    };
    if (status) {
      names['#status'] = 'status';
      values[':status'] = status;
      input.FilterExpression = '#status = :status';
    }
    return input;
  }

  /** The ExclusiveStartKey of an index: the table key plus the index keys. */
  private keyOf(query: IndexQuery, position: IndexPosition): Item {
    return {
      [PAYOUTS.partitionKey]: position.payout_id,
      [query.partitionKey]: query.partitionValue,
      [query.sortKey]: position.requested_at,
    };
  }
}

function positionOf(item: Item): IndexPosition {
  return { requested_at: String(item.requested_at), payout_id: String(item.payout_id) };
}
