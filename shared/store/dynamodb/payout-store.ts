import { randomUUID } from 'node:crypto';
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Affiliate } from '../../domain/affiliate.ts';
import { ACTIVE } from '../../domain/affiliate.ts';
import { counterDelta, type Payout } from '../../domain/payout.ts';
import type {
  IdempotencyRecord,
  MoveOutcome,
  MoveRequest,
  Page,
  PayoutListItem,
  PayoutStore,
  ReservationGuard,
  ReserveOutcome,
} from '../../domain/ports.ts';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, type TableNames } from './tables.ts';
import { translateStoreError } from './errors.ts';
import { ConflictError } from '../../domain/errors.ts';

type Item = Record<string, unknown>;
/** One item of a TransactWriteItems call. */
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** An extra item of a move (see movePayout) failed its condition: nothing was written. */
export class ExtraConditionFailed extends Error {
  override readonly name = 'ExtraConditionFailed';
  constructor(readonly index: number, readonly item: Item | undefined) {
    super(`extra item ${index} of the move failed its condition`);
  }
}

/** Thrown when a transaction failed for a reason this store does not turn into an outcome. */
class UnexpectedCancellation extends Error {
  override readonly name = 'UnexpectedCancellation';
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

function toAffiliate(item: Item): Affiliate {
  return {
    ...(item as unknown as Affiliate),
    total_earned: num(item.total_earned),
    total_paid: num(item.total_paid),
    total_pending: num(item.total_pending),
    payout_count: num(item.payout_count),
  };
}

function toIdempotencyRecord(item: Item): IdempotencyRecord {
  return {
    key: String(item[IDEMPOTENCY.partitionKey]),
    fingerprint: String(item.fingerprint),
    statusCode: num(item.status_code),
    // Stored as the JSON text that was sent, so a replay is byte-for-byte the first answer.
    body: typeof item.response_body === 'string' ? JSON.parse(item.response_body) : item.response_body,
    payoutId: String(item.payout_id),
    expiresAt: num(item[IDEMPOTENCY.ttlAttribute]),
  };
}

/** The reasons of a cancelled transaction, with each failed item's old image unmarshalled. */
function cancellationReasons(error: unknown): { code: string; item?: Item }[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason: CancellationReason) => ({
    code: reason.Code ?? 'None',
    ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
  }));
}

/**
 * The DynamoDB adapter: every read and every transaction the payouts service makes. Guards live in condition
 * expressions so they hold under concurrency; reads used as guards are strongly consistent base-table reads.
 */
export class DynamoPayoutStore implements PayoutStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs one call, turning transient failures into a retryable 503. */
  protected async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async findAffiliateIdByUser(userId: string): Promise<string | undefined> {
    const result = await this.call(() =>
      this.client.send(new QueryCommand({
        TableName: this.tables.affiliates,
        IndexName: AFFILIATES.userIndex.name,
        KeyConditionExpression: '#user = :user',
        ExpressionAttributeNames: { '#user': AFFILIATES.userIndex.partitionKey },
        ExpressionAttributeValues: { ':user': userId },
        Limit: 1,
      })),
    );
    const id = result.Items?.[0]?.[AFFILIATES.partitionKey];
    return typeof id === 'string' ? id : undefined;
  }

  async getAffiliate(affiliateId: string): Promise<Affiliate | undefined> {
    const result = await this.call(() =>
      this.client.send(new GetCommand({
        TableName: this.tables.affiliates,
        Key: { [AFFILIATES.partitionKey]: affiliateId },
        ConsistentRead: true,
      })),
    );
    return result.Item ? toAffiliate(result.Item) : undefined;
  }

  async getPayout(payoutId: string): Promise<Payout | undefined> {
    const result = await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.tables.payouts, Key: { [PAYOUTS.partitionKey]: payoutId }, ConsistentRead: true })),
    );
    return result.Item as Payout | undefined;
  }

  async getIdempotencyRecord(key: string): Promise<IdempotencyRecord | undefined> {
    const result = await this.call(() =>
      this.client.send(new GetCommand({
        TableName: this.tables.idempotency,
        Key: { [IDEMPOTENCY.partitionKey]: key },
        ConsistentRead: true,
      })),
    );
    const item = result.Item;
    // TTL deletes lag behind expiry; an expired record no longer binds the key.
    if (!item || num(item[IDEMPOTENCY.ttlAttribute]) <= this.epochSeconds()) return undefined;
    return toIdempotencyRecord(item);
  }

  async reservePayout(
    payout: Payout,
    guard: ReservationGuard,
    idempotency?: IdempotencyRecord,
  ): Promise<ReserveOutcome> {
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Put: {
          TableName: this.tables.payouts,
          Item: payout,
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': PAYOUTS.partitionKey },
        },
      },
      {
        Update: {
          TableName: this.tables.affiliates,
          Key: { [AFFILIATES.partitionKey]: payout.affiliate_id },
          // earned may only have risen and paid only fallen since the read, and pending is at most
          // earned - paid - amount as read (the caller's bound), so paid + pending + amount <= earned
          // still holds at commit: the reservation can never overdraw.
          ConditionExpression:
            '#status = :active AND total_earned >= :earned' +
            ' AND (attribute_not_exists(total_paid) OR total_paid <= :paid)' +
            ' AND (attribute_not_exists(total_pending) OR total_pending <= :pending)',
          UpdateExpression:
            'SET total_pending = if_not_exists(total_pending, :zero) + :amount,' +
            ' payout_count = if_not_exists(payout_count, :zero) + :one',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':active': ACTIVE,
            ':earned': guard.earnedAtLeast,
            ':paid': guard.paidAtMost,
            ':pending': guard.pendingAtMost,
            ':amount': payout.amount,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    if (idempotency) {
      items.push({
        Put: {
          TableName: this.tables.idempotency,
          Item: {
            [IDEMPOTENCY.partitionKey]: idempotency.key,
            fingerprint: idempotency.fingerprint,
            status_code: idempotency.statusCode,
            response_body: JSON.stringify(idempotency.body),
            payout_id: idempotency.payoutId,
            [IDEMPOTENCY.ttlAttribute]: idempotency.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(#key) OR #expires <= :now',
          ExpressionAttributeNames: { '#key': IDEMPOTENCY.partitionKey, '#expires': IDEMPOTENCY.ttlAttribute },
          ExpressionAttributeValues: { ':now': this.epochSeconds() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    }
    try {
      // A fresh token per attempt: the SDK's own retries of this attempt (a timeout after commit) are then
      // answered by DynamoDB as already done, instead of failing on the payout that already exists.
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
      return { kind: 'created' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw translateStoreError(error);
      const [payoutReason, affiliateReason, idempotencyReason] = reasons;
      if (idempotencyReason?.code === 'ConditionalCheckFailed' && idempotencyReason.item) {
        return { kind: 'idempotency-replay', record: toIdempotencyRecord(idempotencyReason.item) };
      }
      if (idempotencyReason?.code === 'TransactionConflict') return { kind: 'idempotency-in-flight' };
      if (affiliateReason?.code === 'ConditionalCheckFailed') {
        return { kind: 'affiliate-changed', affiliate: affiliateReason.item ? toAffiliate(affiliateReason.item) : undefined };
      }
      const transient = transientCancellation(error, reasons);
      if (transient) throw transient;
      throw new UnexpectedCancellation(
        `Payout reservation cancelled: ${reasons.map((reason) => reason.code).join(', ')} (payout ${payoutReason?.code})`,
        { cause: error },
      );
    }
  }

  /**
   * `extra`: items committed in the same transaction (a provider attempt); if one of their conditions fails the
   * move is not made and ExtraConditionFailed is thrown.
   */
  async movePayout({ payout, to, change, set }: MoveRequest, extra: readonly TransactItem[] = []): Promise<MoveOutcome> {
    const delta = counterDelta(payout.status, to, payout.amount);
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':from': payout.status,
      ':to': to,
      ':now': change.at,
      ':change': [change],
    };
    const assignments = ['#status = :to', 'updated_at = :now', 'history = list_append(if_not_exists(history, :empty), :change)'];
    values[':empty'] = [];
    for (const [field, value] of Object.entries(set)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.tables.payouts,
          Key: { [PAYOUTS.partitionKey]: payout.payout_id },
          ConditionExpression: '#status = :from',
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    if (delta.pending !== 0 || delta.paid !== 0) {
      items.push({
        Update: {
          TableName: this.tables.affiliates,
          Key: { [AFFILIATES.partitionKey]: payout.affiliate_id },
          // A counter that would go below zero means the counters drifted: refuse rather than hide it.
          ConditionExpression:
            'attribute_exists(#id)' +
            (delta.pending < 0 ? ' AND total_pending >= :pendingOut' : '') +
            (delta.paid < 0 ? ' AND total_paid >= :paidOut' : ''),
          UpdateExpression: 'ADD total_pending :pending, total_paid :paid',
          ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey },
          ExpressionAttributeValues: {
            ':pending': delta.pending,
            ':paid': delta.paid,
            ...(delta.pending < 0 ? { ':pendingOut': -delta.pending } : {}),
            ...(delta.paid < 0 ? { ':paidOut': -delta.paid } : {}),
          },
        },
      });
    }
    const core = items.length;
    items.push(...extra);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw translateStoreError(error);
      const [payoutReason] = reasons;
      const affiliateReason = core > 1 ? reasons[1] : undefined;
      if (payoutReason?.code === 'ConditionalCheckFailed') {
        return { kind: 'status-changed', current: payoutReason.item as Payout | undefined };
      }
      const extraIndex = reasons.findIndex((reason, index) => index >= core && reason.code === 'ConditionalCheckFailed');
      if (extraIndex >= 0) throw new ExtraConditionFailed(extraIndex - core, reasons[extraIndex]?.item);
      const transient = transientCancellation(error, reasons);
      if (transient) throw transient;
      if (affiliateReason?.code === 'ConditionalCheckFailed') {
        // The counters hold less than this payout: they drifted (e.g. adopted tables never backfilled).
        throw new ConflictError(
          'COUNTERS_OUT_OF_SYNC',
          `The affiliate's payout counters do not cover this payout, so nothing was changed; compare them with GET /admin/affiliates/${payout.affiliate_id}/balance and repair them first.`,
        );
      }
      throw new UnexpectedCancellation(
        `Payout move ${payout.status} -> ${to} cancelled: affiliate counters ${affiliateReason?.code ?? 'n/a'}`,
        { cause: error },
      );
    }
    const moved: Payout = { ...payout, ...definedOnly(set), status: to, updated_at: change.at, history: [...(payout.history ?? []), change] };
    return { kind: 'moved', payout: moved };
  }

  async listAffiliatePayouts(
    affiliateId: string,
    limit: number,
    startKey?: Record<string, string>,
  ): Promise<Page<PayoutListItem>> {
    // One more than the page: DynamoDB returns a LastEvaluatedKey whenever Limit is reached, even at the end.
    const result = await this.call(() =>
      this.client.send(new QueryCommand({ ...this.affiliateQuery(affiliateId), Limit: limit + 1, ExclusiveStartKey: startKey })),
    );
    const items = (result.Items ?? []) as PayoutListItem[];
    if (items.length <= limit) return { items };
    const page = items.slice(0, limit);
    const last = page.at(-1)!;
    return {
      items: page,
      lastKey: { payout_id: last.payout_id, affiliate_id: last.affiliate_id, requested_at: last.requested_at },
    };
  }

  async allAffiliatePayouts(affiliateId: string): Promise<PayoutListItem[]> {
    const payouts: PayoutListItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.call(() =>
        this.client.send(new QueryCommand({ ...this.affiliateQuery(affiliateId), ExclusiveStartKey: startKey })),
      );
      payouts.push(...((result.Items ?? []) as PayoutListItem[]));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return payouts;
  }

  private affiliateQuery(affiliateId: string): QueryCommandInput {
    return {
      TableName: this.tables.payouts,
      IndexName: PAYOUTS.affiliateIndex.name,
      KeyConditionExpression: '#affiliate = :affiliate',
      ExpressionAttributeNames: { '#affiliate': PAYOUTS.affiliateIndex.partitionKey },
      ExpressionAttributeValues: { ':affiliate': affiliateId },
      ScanIndexForward: false,
    };
  }

  private epochSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** Two transactions touched the same item at once (real DynamoDB only): retryable. */
function translateConflict(error: unknown): unknown {
  return translateStoreError(Object.assign(new Error('Transaction conflict', { cause: error }), { name: 'TransactionConflictException' }));
}

/**
 * A transaction cancelled for a transient reason, as a retryable 503: throttled (real DynamoDB cancels a
 * throttled transaction with ThrottlingError / ProvisionedThroughputExceeded reasons) or in conflict.
 */
function transientCancellation(error: unknown, reasons: { code: string }[]): unknown {
  if (reasons.some((reason) => reason.code === 'ThrottlingError' || reason.code === 'ProvisionedThroughputExceeded')) {
    return translateStoreError(Object.assign(new Error('Transaction throttled', { cause: error }), { name: 'ThrottlingException' }));
  }
  if (reasons.some((reason) => reason.code === 'TransactionConflict')) return translateConflict(error);
  return undefined;
}
