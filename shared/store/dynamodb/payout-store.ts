import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Affiliate } from '../../domain/affiliate.ts';
import type { ReservationGuard } from '../../domain/balance.ts';
import { epochSeconds, systemClock, type Clock } from '../../domain/clock.ts';
import { BusyError } from '../../domain/errors.ts';
import type { ReceiptClaim, TaxForm, TaxYearTotals } from '../../domain/tax.ts';
import { applyPlan, type MovePlan, type Payout, type PayoutStatus } from '../../domain/payout.ts';
import { DUPLICATE_DESTINATION, isClaimKey } from '../../domain/settings.ts';
import type {
  DestinationClaim,
  DueFilter,
  ScheduleHint,
  SettingsWrite,
  IdempotencyRecord,
  IndexPage,
  IndexPosition,
  MoveOutcome,
  PayoutRow,
  PayoutStore,
  RequestedRange,
  ReserveOutcome,
} from '../../domain/ports.ts';
import {
  busyError,
  cancellationReasons,
  isRetryable,
  transientCancellation,
  translateStoreError,
  UnexpectedCancellation,
} from './errors.ts';
import { byAffiliate, byStatus, IndexReader, ROW_ATTRIBUTES } from './index-reader.ts';
import { isExpired, toAffiliate, toIdempotencyRecord, toTaxYearTotals, type Item } from './records.ts';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS, type TableNames } from './tables.ts';
import {
  clearCooldownUpdate,
  clearDuplicateFlagUpdate,
  moveItems,
  reserveItems,
  settingsItems,
  type TransactItem,
} from './transactions.ts';

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_KEYS = 100;

/**
 * The one DynamoDB adapter: every read and every transaction the payouts service makes. Guards live in condition
 * expressions (transactions.ts) so they hold under concurrency; reads used as guards are strongly consistent
 * base-table reads; listings are index Queries, never a Scan. Transactions answer with outcomes, never HTTP errors.
 * @example const store = new DynamoPayoutStore(client, config.tables);
 */
export class DynamoPayoutStore implements PayoutStore {
  private readonly indexes: IndexReader;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly clock: Clock = systemClock,
  ) {
    this.indexes = new IndexReader(client, tables.payouts, (request) => this.call(request));
  }

  async findAffiliateIdByUser(userId: string): Promise<string | undefined> {
    const result = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tables.affiliates,
          IndexName: AFFILIATES.userIndex.name,
          KeyConditionExpression: '#user = :user',
          ExpressionAttributeNames: { '#user': AFFILIATES.userIndex.partitionKey },
          ExpressionAttributeValues: { ':user': userId },
          Limit: 1,
        }),
      ),
    );
    const id = result.Items?.[0]?.[AFFILIATES.partitionKey];
    return typeof id === 'string' ? id : undefined;
  }

  async getAffiliate(affiliateId: string): Promise<Affiliate | undefined> {
    // Destination claims share the table; their keys are never an affiliate's.
    if (isClaimKey(affiliateId)) return undefined;
    const item = await this.get(this.tables.affiliates, { [AFFILIATES.partitionKey]: affiliateId });
    return item ? toAffiliate(item) : undefined;
  }

  async getPayout(payoutId: string): Promise<Payout | undefined> {
    return (await this.get(this.tables.payouts, { [PAYOUTS.partitionKey]: payoutId })) as Payout | undefined;
  }

  async getIdempotencyRecord(key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.get(this.tables.idempotency, { [IDEMPOTENCY.partitionKey]: key });
    // TTL deletes lag behind expiry; an expired record no longer binds the key.
    if (!item || isExpired(item, epochSeconds(this.clock))) return undefined;
    return toIdempotencyRecord(item);
  }

  async reservePayout(
    payout: Payout,
    guard: ReservationGuard,
    idempotency?: IdempotencyRecord,
  ): Promise<ReserveOutcome> {
    const items = reserveItems(this.tables, payout, guard, idempotency, epochSeconds(this.clock));
    const failure = await this.transact(items);
    if (!failure) return { kind: 'created' };
    if ('busy' in failure) return { kind: 'busy', error: busyError(failure.busy) };
    const [payoutReason, affiliateReason] = failure.reasons;
    const idempotencyReason = idempotency ? failure.reasons[2] : undefined;
    const yearReason = guard.taxYear ? failure.reasons[items.length - 1] : undefined;
    if (idempotencyReason?.code === 'ConditionalCheckFailed' && idempotencyReason.item) {
      return { kind: 'idempotency-replay', record: toIdempotencyRecord(idempotencyReason.item) };
    }
    if (idempotencyReason?.code === 'TransactionConflict') return { kind: 'idempotency-in-flight' };
    if (payoutReason?.code === 'ConditionalCheckFailed') return { kind: 'payout-exists' };
    if (affiliateReason?.code === 'ConditionalCheckFailed') {
      return {
        kind: 'affiliate-changed',
        affiliate: affiliateReason.item ? toAffiliate(affiliateReason.item) : undefined,
      };
    }
    if (yearReason?.code === 'ConditionalCheckFailed') return { kind: 'tax-year-changed' };
    const transient = transientCancellation(failure.error, failure.reasons);
    if (transient) return { kind: 'busy', error: busyError(transient) };
    throw new UnexpectedCancellation(
      `Payout reservation cancelled: ${failure.reasons.map((reason) => reason.code).join(', ')} (payout ${payoutReason?.code})`,
      { cause: failure.error },
    );
  }

  /**
   * `extra`: items committed in the same transaction after the move's own (a provider attempt, an event record);
   * when one of their conditions fails nothing is written and the outcome names it (`extra-condition-failed`).
   */
  async movePayout(
    payout: Payout,
    plan: Extract<MovePlan, { kind: 'move' }>,
    receipt?: ReceiptClaim,
    extra: readonly TransactItem[] = [],
  ): Promise<MoveOutcome> {
    const items = moveItems(this.tables, payout, plan, receipt);
    const failure = await this.transact([...items, ...extra]);
    if (!failure) return { kind: 'moved', payout: applyPlan(payout, plan, receipt?.number) };
    if ('busy' in failure) return { kind: 'busy', error: busyError(failure.busy) };
    const [payoutReason, affiliateReason] = failure.reasons;
    if (payoutReason?.code === 'ConditionalCheckFailed')
      return { kind: 'status-changed', current: payoutReason.item as Payout | undefined };
    // The one hot item: every completion of the year claims the next number, so a conflict there is a lost race, not a fault.
    const sequenceReason = receipt ? failure.reasons[items.length - 1] : undefined;
    if (sequenceReason?.code === 'ConditionalCheckFailed' || sequenceReason?.code === 'TransactionConflict')
      return { kind: 'sequence-taken' };
    const extraIndex = failure.reasons.findIndex(
      (reason, index) => index >= items.length && reason.code === 'ConditionalCheckFailed',
    );
    if (extraIndex >= 0) return { kind: 'extra-condition-failed', index: extraIndex - items.length };
    const transient = transientCancellation(failure.error, failure.reasons);
    if (transient) return { kind: 'busy', error: busyError(transient) };
    if (affiliateReason?.code === 'ConditionalCheckFailed') {
      const flags = affiliateReason.item?.flags;
      const flagged =
        plan.requires?.affiliateNotFlagged === true &&
        (flags instanceof Set || Array.isArray(flags)) &&
        [...(flags as Iterable<string>)].includes(DUPLICATE_DESTINATION);
      return { kind: flagged ? 'destination-unconfirmed' : 'counters-drifted' };
    }
    throw new UnexpectedCancellation(
      `Payout move ${plan.from} -> ${plan.to} cancelled: affiliate counters ${affiliateReason?.code ?? 'n/a'}`,
      {
        cause: failure.error,
      },
    );
  }

  async lastReceiptNumber(year: string): Promise<number> {
    const item = await this.get(this.tables.taxYears, {
      [TAX_YEARS.partitionKey]: year,
      [TAX_YEARS.sortKey]: TAX_YEARS.receiptsKey,
    });
    return typeof item?.last_number === 'number' ? item.last_number : 0;
  }

  async getTaxYear(year: string, affiliateId: string): Promise<TaxYearTotals | undefined> {
    const item = await this.get(this.tables.taxYears, {
      [TAX_YEARS.partitionKey]: year,
      [TAX_YEARS.sortKey]: affiliateId,
    });
    return item ? toTaxYearTotals(item) : undefined;
  }

  async taxYearTotals(year: string): Promise<TaxYearTotals[]> {
    const totals: TaxYearTotals[] = [];
    let start: Item | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tables.taxYears,
            KeyConditionExpression: '#year = :year',
            ExpressionAttributeNames: { '#year': TAX_YEARS.partitionKey },
            ExpressionAttributeValues: { ':year': year },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? [])
        if (item[TAX_YEARS.sortKey] !== TAX_YEARS.receiptsKey) totals.push(toTaxYearTotals(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return totals;
  }

  async recordTaxForm(affiliateId: string, form: TaxForm): Promise<Affiliate | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.affiliates,
          Key: { [AFFILIATES.partitionKey]: affiliateId },
          ConditionExpression: 'attribute_exists(#id)',
          UpdateExpression: 'SET tax_form = :form',
          ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey },
          ExpressionAttributeValues: { ':form': form },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? toAffiliate(result.Attributes) : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw translateStoreError(error);
    }
  }

  async getTaxForms(affiliateIds: readonly string[]): Promise<Map<string, TaxForm>> {
    const forms = new Map<string, TaxForm>();
    const items = await this.batchGet(this.tables.affiliates, AFFILIATES.partitionKey, affiliateIds, [
      AFFILIATES.partitionKey,
      'tax_form',
    ]);
    for (const item of items)
      if (item.tax_form) forms.set(String(item[AFFILIATES.partitionKey]), item.tax_form as TaxForm);
    return forms;
  }

  queryByStatus(
    status: PayoutStatus,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    due?: DueFilter,
  ): Promise<IndexPage<PayoutRow>> {
    return this.indexes.page(byStatus(status, range, due), limit, after);
  }

  queryByAffiliate(
    affiliateId: string,
    range: RequestedRange,
    limit: number,
    after?: IndexPosition,
    status?: PayoutStatus,
    due?: DueFilter,
  ): Promise<IndexPage<PayoutRow>> {
    return this.indexes.page(byAffiliate(affiliateId, range, status, due), limit, after);
  }

  async getClaims(keys: readonly string[]): Promise<Map<string, DestinationClaim>> {
    const claims = new Map<string, DestinationClaim>();
    // Strongly consistent: a claim read here decides which conditions the settings write carries.
    const items = await Promise.all(
      keys.map((key) => this.get(this.tables.affiliates, { [AFFILIATES.partitionKey]: key })),
    );
    for (const item of items) {
      if (!item) continue;
      const claimants = item.claimants instanceof Set ? [...(item.claimants as Set<string>)] : [];
      claims.set(String(item[AFFILIATES.partitionKey]), {
        key: String(item[AFFILIATES.partitionKey]),
        owner: String(item.owner),
        claimants,
      });
    }
    return claims;
  }

  async writeSettings(write: SettingsWrite): Promise<'written' | 'changed'> {
    const failure = await this.transact(settingsItems(this.tables, write));
    if (!failure) return 'written';
    if ('busy' in failure) throw busyError(failure.busy);
    if (failure.reasons.some((reason) => reason.code === 'ConditionalCheckFailed')) return 'changed';
    const transient = transientCancellation(failure.error, failure.reasons);
    if (transient) throw busyError(transient);
    throw new UnexpectedCancellation(`Settings write cancelled: ${failure.reasons.map((r) => r.code).join(', ')}`, {
      cause: failure.error,
    });
  }

  async clearCooldown(affiliateId: string, by: string, at: string): Promise<Affiliate | undefined> {
    return this.updateAffiliate(affiliateId, clearCooldownUpdate(this.tables, affiliateId, by, at));
  }

  async clearDuplicateFlag(affiliateId: string, by: string, at: string): Promise<Affiliate | undefined> {
    return this.updateAffiliate(affiliateId, clearDuplicateFlagUpdate(this.tables, affiliateId, by, at));
  }

  /** One conditional update of an affiliate that exists (a claim item is no affiliate); undefined when none does. */
  private async updateAffiliate(
    affiliateId: string,
    update: ConstructorParameters<typeof UpdateCommand>[0],
  ): Promise<Affiliate | undefined> {
    if (isClaimKey(affiliateId)) return undefined;
    try {
      const result = await this.client.send(new UpdateCommand(update));
      return result.Attributes ? toAffiliate(result.Attributes) : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw translateStoreError(error);
    }
  }

  async scheduledAffiliates(limit: number, after?: string): Promise<{ items: ScheduleHint[]; next?: string }> {
    const { scheduleIndex } = AFFILIATES;
    const attributes = [AFFILIATES.partitionKey, ...scheduleIndex.projectedAttributes];
    const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
    const result = await this.call(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tables.affiliates,
          IndexName: scheduleIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: { ...names, '#pk': scheduleIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': scheduleIndex.scheduledPartition },
          Limit: limit,
          ...(after !== undefined
            ? {
                ExclusiveStartKey: {
                  [AFFILIATES.partitionKey]: after,
                  [scheduleIndex.partitionKey]: scheduleIndex.scheduledPartition,
                },
              }
            : {}),
        }),
      ),
    );
    const items = (result.Items ?? []).map((item) => toAffiliate(item) as unknown as ScheduleHint);
    const last = result.LastEvaluatedKey?.[AFFILIATES.partitionKey];
    return { items, ...(typeof last === 'string' ? { next: last } : {}) };
  }

  allAffiliatePayouts(affiliateId: string): Promise<PayoutRow[]> {
    return this.indexes.all(byAffiliate(affiliateId, {}));
  }

  async getPayoutRows(payoutIds: readonly string[]): Promise<Map<string, PayoutRow>> {
    const rows = new Map<string, PayoutRow>();
    for (const item of await this.batchGet(this.tables.payouts, PAYOUTS.partitionKey, payoutIds, ROW_ATTRIBUTES)) {
      rows.set(String(item.payout_id), item as PayoutRow);
    }
    return rows;
  }

  /** Items of one table by their (single-attribute) keys, `attributes` only, 100 keys per BatchGetItem. */
  private async batchGet(
    table: string,
    keyName: string,
    ids: readonly string[],
    attributes: readonly string[],
  ): Promise<Item[]> {
    const found: Item[] = [];
    const unique = [...new Set(ids)];
    const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
      let keys: Item[] = unique.slice(start, start + BATCH_GET_KEYS).map((id) => ({ [keyName]: id }));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        // Unprocessed keys mean the table is throttling: back off, and after a few rounds let the client retry.
        if (attempt > 5) throw new BusyError('The payouts store is busy right now; retry in a moment.');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
        const request = {
          [table]: { Keys: keys, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names },
        };
        const result = await this.call(() => this.client.send(new BatchGetCommand({ RequestItems: request })));
        found.push(...(result.Responses?.[table] ?? []));
        keys = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  /** Runs one read, turning a transient failure into the domain's BusyError. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  private async get(table: string, key: Item): Promise<Item | undefined> {
    const result = await this.call(() =>
      this.client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })),
    );
    return result.Item;
  }

  /**
   * Runs one transaction. Undefined when it committed; the cancellation reasons when a condition refused it; `busy`
   * when it failed for a transient reason. A fresh ClientRequestToken per call: the SDK's own retries of this call
   * (a time-out after commit) are then answered by DynamoDB as already done instead of failing on the new payout.
   */
  private async transact(
    items: TransactItem[],
  ): Promise<
    undefined | { busy: unknown } | { error: unknown; reasons: NonNullable<ReturnType<typeof cancellationReasons>> }
  > {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
      return undefined;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons) return { error, reasons };
      if (isRetryable(error)) return { busy: error };
      throw error;
    }
  }
}
