import { type AttributeValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Attempt, AttemptError } from '../../domain/attempt.ts';
import type { MovePlan, Payout } from '../../domain/payout.ts';
import type { ReceiptClaim } from '../../domain/tax.ts';
import type {
  AttemptStore,
  FlaggedPosition,
  ProviderEventRecord,
  ProviderMove,
  ProviderMoveOutcome,
  ResolveOutcome,
} from '../../domain/provider-ports.ts';
import { translateStoreError } from './errors.ts';
import { DynamoPayoutStore } from './payout-store.ts';
import type { TransactItem } from './transactions.ts';
import { ATTEMPTS, PROVIDER_EVENTS, type ProviderTableNames } from './provider-tables.ts';
import { PAYOUTS, type TableNames } from './tables.ts';

const OPEN = new Set(['queued', 'sent']);
/**
 * Failed on our side and not retried: two deliveries of one attempt can run at once (a stream redelivery, a
 * sweeper re-drive), and one may meet "balance too low" while the other is accepted. The provider's yes wins.
 */
const FAILED_OURS_UNRETRIED = '#status = :failed AND #error.#category = :ours AND attribute_not_exists(superseded_by)';

/** An attempt as stored: while open it carries open_status (the sparse index the sweeper reads). */
function attemptItem(attempt: Attempt): Record<string, unknown> {
  return { ...attempt, ...(OPEN.has(attempt.status) ? { open_status: attempt.status } : {}) };
}

function toAttempt(item: Record<string, unknown>): Attempt {
  const { open_status: _open, ...attempt } = item;
  return attempt as unknown as Attempt;
}

/** The item a failed condition returns (ALL_OLD) comes back marshalled from the low-level client. */
function unmarshallIfNeeded(item: Record<string, unknown>): ProviderEventRecord {
  const marshalled = Object.values(item).every(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  );
  return (marshalled ? unmarshall(item as Record<string, AttributeValue>) : item) as ProviderEventRecord;
}

const conditionFailed = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * The DynamoDB adapter of provider payments: attempts, provider events, and the payout moves they cause, each
 * move one transaction (payout status condition + counters + attempt + event record): the plan of
 * shared/usecases/provider-move.ts, committed by DynamoPayoutStore.movePayout with the attempt items as extras.
 */
export class DynamoAttemptStore implements AttemptStore {
  private readonly payouts: DynamoPayoutStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly providerTables: ProviderTableNames,
  ) {
    this.payouts = new DynamoPayoutStore(client, tables);
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  getPayout(payoutId: string): Promise<Payout | undefined> {
    return this.payouts.getPayout(payoutId);
  }

  async getAttempt(payoutId: string, attempt: number): Promise<Attempt | undefined> {
    const result = await this.call(() =>
      this.client.send(
        new GetCommand({
          TableName: this.providerTables.attempts,
          Key: { payout_id: payoutId, attempt },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? toAttempt(result.Item) : undefined;
  }

  async listAttempts(payoutId: string): Promise<Attempt[]> {
    const result = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.providerTables.attempts,
          KeyConditionExpression: '#id = :id',
          ExpressionAttributeNames: { '#id': ATTEMPTS.partitionKey },
          ExpressionAttributeValues: { ':id': payoutId },
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Items ?? []).map(toAttempt);
  }

  lastReceiptNumber(year: string): Promise<number> {
    return this.payouts.lastReceiptNumber(year);
  }

  async applyMove(
    move: ProviderMove,
    plan: Extract<MovePlan, { kind: 'move' }>,
    receipt?: ReceiptClaim,
  ): Promise<ProviderMoveOutcome | 'sequence-taken'> {
    const extra: TransactItem[] = [];
    if (move.attempt && 'create' in move.attempt) {
      extra.push({
        Put: {
          TableName: this.providerTables.attempts,
          Item: attemptItem(move.attempt.create),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': ATTEMPTS.partitionKey },
        },
      });
    } else if (move.attempt) {
      extra.push(
        this.finishItem(move.attempt.finish, move.attempt.status, move.at, move.attempt.reference, move.attempt.error),
      );
    }
    if (move.event) extra.push(this.eventPut(move.event, false));
    const outcome = await this.payouts.movePayout(move.payout, plan, receipt, extra);
    if (outcome.kind === 'busy') throw outcome.error;
    if (outcome.kind === 'sequence-taken') return 'sequence-taken';
    if (outcome.kind === 'attempt-open') throw new Error('a provider move met the guard of moves by hand');
    if (outcome.kind !== 'extra-condition-failed') return outcome;
    const isEvent = move.event !== undefined && outcome.index === extra.length - 1;
    return isEvent ? { kind: 'event-replayed' } : { kind: 'attempt-changed' };
  }

  async queueRetry(payout: Payout, previous: Attempt, next: Attempt): Promise<'queued' | 'conflict'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          ClientRequestToken: randomUUID(),
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tables.payouts,
                Key: { [PAYOUTS.partitionKey]: payout.payout_id },
                ConditionExpression: '#status = :processing',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':processing': 'processing' },
              },
            },
            {
              Update: {
                TableName: this.providerTables.attempts,
                Key: { payout_id: previous.payout_id, attempt: previous.attempt },
                ConditionExpression: '#status = :failed AND attribute_not_exists(superseded_by)',
                UpdateExpression: 'SET superseded_by = :next',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':failed': 'failed', ':next': next.attempt },
              },
            },
            {
              Put: {
                TableName: this.providerTables.attempts,
                Item: attemptItem(next),
                ConditionExpression: 'attribute_not_exists(#id)',
                ExpressionAttributeNames: { '#id': ATTEMPTS.partitionKey },
              },
            },
          ],
        }),
      );
      return 'queued';
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')
      ) {
        return 'conflict';
      }
      throw translateStoreError(error);
    }
  }

  async markSent(attempt: Attempt, reference: string, itemId: string | undefined, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.providerTables.attempts,
          Key: { payout_id: attempt.payout_id, attempt: attempt.attempt },
          // Queued, or failed on our side by a concurrent delivery of the same attempt (the provider took it after all).
          ConditionExpression: `#status = :queued OR (${FAILED_OURS_UNRETRIED})`,
          UpdateExpression: `SET #status = :sent, open_status = :sent, provider_reference = :ref, sent_at = :at, updated_at = :at${itemId ? ', provider_item_id = :item' : ''} REMOVE #error`,
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#category': 'category' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':failed': 'failed',
            ':ours': 'ours',
            ':sent': 'sent',
            ':ref': reference,
            ':at': at,
            ...(itemId ? { ':item': itemId } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw translateStoreError(error);
    }
  }

  async markFailed(
    attempt: Attempt,
    error: AttemptError,
    at: string,
    from: 'open' | 'queued' = 'open',
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand(this.finishItem(attempt, 'failed', at, undefined, error, from).Update as never),
      );
      return true;
    } catch (failure) {
      if (conditionFailed(failure)) return false;
      throw translateStoreError(failure);
    }
  }

  async setReason(
    payout: Payout,
    reason: string,
    at: string,
    event?: ProviderEventRecord,
  ): Promise<'set' | 'changed' | 'event-replayed'> {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tables.payouts,
          Key: { [PAYOUTS.partitionKey]: payout.payout_id },
          ConditionExpression: '#status = :processing',
          UpdateExpression: 'SET status_reason = :reason, updated_at = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':processing': 'processing', ':reason': reason, ':at': at },
        },
      },
    ];
    if (event) items.push(this.eventPut(event, false));
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
      return 'set';
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [payoutReason, eventReason] = error.CancellationReasons ?? [];
        if (eventReason?.Code === 'ConditionalCheckFailed') return 'event-replayed';
        if (payoutReason?.Code === 'ConditionalCheckFailed') return 'changed';
      }
      throw translateStoreError(error);
    }
  }

  async recordEvent(event: ProviderEventRecord, flag = false): Promise<'recorded' | 'replay'> {
    try {
      await this.client.send(new PutCommand(this.eventPut(event, flag).Put as never));
      return 'recorded';
    } catch (error) {
      if (conditionFailed(error)) return 'replay';
      throw translateStoreError(error);
    }
  }

  async getEvent(eventKey: string): Promise<ProviderEventRecord | undefined> {
    const result = await this.call(() =>
      this.client.send(
        new GetCommand({
          TableName: this.providerTables.events,
          Key: { [PROVIDER_EVENTS.partitionKey]: eventKey },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item as ProviderEventRecord | undefined;
  }

  /** Events flagged for an operator and not yet resolved, newest first (a Query of the sparse flagged index). */
  async flaggedEvents(
    limit: number,
    after?: FlaggedPosition,
  ): Promise<{ items: ProviderEventRecord[]; next?: FlaggedPosition }> {
    const index = PROVIDER_EVENTS.flaggedIndex;
    const result = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.providerTables.events,
          IndexName: index.name,
          KeyConditionExpression: '#flagged = :yes',
          ExpressionAttributeNames: { '#flagged': index.partitionKey },
          ExpressionAttributeValues: { ':yes': 'yes' },
          ScanIndexForward: false,
          Limit: limit,
          ...(after
            ? {
                ExclusiveStartKey: {
                  [index.partitionKey]: 'yes',
                  [index.sortKey]: after.received_at,
                  [PROVIDER_EVENTS.partitionKey]: after.event_key,
                },
              }
            : {}),
        }),
      ),
    );
    const last = result.LastEvaluatedKey;
    return {
      items: (result.Items ?? []) as ProviderEventRecord[],
      ...(last
        ? { next: { received_at: String(last[index.sortKey]), event_key: String(last[PROVIDER_EVENTS.partitionKey]) } }
        : {}),
    };
  }

  async resolveEvent(eventKey: string, by: string, at: string, note?: string): Promise<ResolveOutcome> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.providerTables.events,
          Key: { [PROVIDER_EVENTS.partitionKey]: eventKey },
          // Still waiting for an operator: a second click (or a second operator) finds it resolved, changes nothing.
          ConditionExpression: '#flagged = :yes',
          UpdateExpression: `SET resolved_at = :at, resolved_by = :by${note ? ', resolution_note = :note' : ''} REMOVE #flagged`,
          ExpressionAttributeNames: { '#flagged': PROVIDER_EVENTS.flaggedIndex.partitionKey },
          ExpressionAttributeValues: { ':yes': 'yes', ':at': at, ':by': by, ...(note ? { ':note': note } : {}) },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'resolved', event: result.Attributes as ProviderEventRecord };
    } catch (error) {
      if (!conditionFailed(error)) throw translateStoreError(error);
      const old = (error as { Item?: Record<string, unknown> }).Item;
      return old ? { kind: 'not-flagged', event: unmarshallIfNeeded(old) } : { kind: 'not-found' };
    }
  }

  async openAttempts(status: 'queued' | 'sent', before: string, limit: number): Promise<Attempt[]> {
    const result = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.providerTables.attempts,
          IndexName: ATTEMPTS.openIndex.name,
          KeyConditionExpression: 'open_status = :status AND updated_at < :before',
          ExpressionAttributeValues: { ':status': status, ':before': before },
          Limit: limit,
        }),
      ),
    );
    return (result.Items ?? []).map(toAttempt);
  }

  async redrive(attempt: Attempt, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.providerTables.attempts,
          Key: { payout_id: attempt.payout_id, attempt: attempt.attempt },
          ConditionExpression: '#status = :queued',
          UpdateExpression: 'SET updated_at = :at, redrives = if_not_exists(redrives, :zero) + :one',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':queued': 'queued', ':at': at, ':zero': 0, ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw translateStoreError(error);
    }
  }

  async touchPolled(attempt: Attempt, at: string): Promise<void> {
    await this.call(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.providerTables.attempts,
          Key: { payout_id: attempt.payout_id, attempt: attempt.attempt },
          ConditionExpression: '#status = :sent',
          UpdateExpression: 'SET updated_at = :at, polled_at = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sent': 'sent', ':at': at },
        }),
      ),
    ).catch((error: unknown) => {
      if (!conditionFailed((error as { cause?: unknown }).cause ?? error)) throw error;
    });
  }

  /**
   * An open attempt -> succeeded | failed, conditioned on it still being open (`from: 'queued'`: still queued, what the
   * sender saw). A success may also finish an attempt a concurrent delivery failed on our side, as long as no
   * retry superseded it: the provider took the money after all.
   */
  private finishItem(
    attempt: Attempt,
    status: 'succeeded' | 'failed',
    at: string,
    reference?: string,
    error?: AttemptError,
    from: 'open' | 'queued' = 'open',
  ): TransactItem {
    const values: Record<string, unknown> = { ':queued': 'queued', ':to': status, ':at': at };
    if (from === 'open') values[':sent'] = 'sent';
    const names: Record<string, string> = { '#status': 'status' };
    let condition = from === 'queued' ? '#status = :queued' : '#status IN (:queued, :sent)';
    let remove = 'REMOVE open_status';
    if (status === 'succeeded') {
      condition += ` OR (${FAILED_OURS_UNRETRIED})`;
      Object.assign(values, { ':failed': 'failed', ':ours': 'ours' });
      Object.assign(names, { '#error': 'error', '#category': 'category' });
      remove += ', #error';
    }
    let set = 'SET #status = :to, updated_at = :at, finished_at = :at';
    if (reference) {
      set += ', provider_reference = if_not_exists(provider_reference, :ref)';
      values[':ref'] = reference;
    }
    if (error) {
      set += ', #error = :error';
      values[':error'] = error;
      names['#error'] = 'error';
    }
    return {
      Update: {
        TableName: this.providerTables.attempts,
        Key: { payout_id: attempt.payout_id, attempt: attempt.attempt },
        ConditionExpression: condition,
        UpdateExpression: `${set} ${remove}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  private eventPut(event: ProviderEventRecord, flag: boolean): TransactItem {
    return {
      Put: {
        TableName: this.providerTables.events,
        Item: { ...event, ...(flag ? { flagged: 'yes' } : {}) },
        ConditionExpression: 'attribute_not_exists(#key)',
        ExpressionAttributeNames: { '#key': PROVIDER_EVENTS.partitionKey },
      },
    };
  }
}
