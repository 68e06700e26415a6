/**
 * The floor: the DynamoDB calls each route makes, issued directly with the same DocumentClient and the same
 * inputs as DynamoPayoutStore, and nothing else (no auth, no validation, no routing framework, no logging).
 * What the product spends above this is its own overhead.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS, type TableNames } from '../../../shared/store/dynamodb/tables.ts';

type Item = Record<string, unknown>;

export interface Floor {
  client: DynamoDBDocumentClient;
  tables: TableNames;
  /** user -> affiliate, kept like the product keeps it (module scope); cleared to measure a cold path. */
  affiliateIds: Map<string, string>;
}

const num = (value: unknown) => (typeof value === 'number' ? value : 0);

async function affiliateIdOf(floor: Floor, userId: string): Promise<string> {
  const cached = floor.affiliateIds.get(userId);
  if (cached) return cached;
  const result = await floor.client.send(
    new QueryCommand({
      TableName: floor.tables.affiliates,
      IndexName: AFFILIATES.userIndex.name,
      KeyConditionExpression: '#user = :user',
      ExpressionAttributeNames: { '#user': AFFILIATES.userIndex.partitionKey },
      ExpressionAttributeValues: { ':user': userId },
      Limit: 1,
    }),
  );
  const id = String(result.Items?.[0]?.[AFFILIATES.partitionKey]);
  floor.affiliateIds.set(userId, id);
  return id;
}

const getItem = async (floor: Floor, table: string, key: Item) =>
  (await floor.client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

const affiliateQuery = (floor: Floor, affiliateId: string) => ({
  TableName: floor.tables.payouts,
  IndexName: PAYOUTS.affiliateIndex.name,
  KeyConditionExpression: '#affiliate = :affiliate',
  ExpressionAttributeNames: { '#affiliate': PAYOUTS.affiliateIndex.partitionKey },
  ExpressionAttributeValues: { ':affiliate': affiliateId },
  ScanIndexForward: false,
});

async function allPayouts(floor: Floor, affiliateId: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const result = await floor.client.send(
      new QueryCommand({ ...affiliateQuery(floor, affiliateId), ExclusiveStartKey: startKey }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** GET /payouts/balance and /payouts/summary: [GetItem affiliate ‖ Query the affiliate's payouts, all pages]. */
export async function balance(floor: Floor, userId: string): Promise<Item> {
  const affiliateId = await affiliateIdOf(floor, userId);
  const [affiliate, payouts] = await Promise.all([
    getItem(floor, floor.tables.affiliates, { [AFFILIATES.partitionKey]: affiliateId }),
    allPayouts(floor, affiliateId),
  ]);
  let paid = 0;
  let pending = 0;
  for (const payout of payouts) {
    if (payout.status === 'completed') paid += num(payout.amount);
    if (payout.status === 'pending' || payout.status === 'processing') pending += num(payout.amount);
  }
  return { total_earned: num(affiliate?.total_earned), total_paid: paid, pending, count: payouts.length };
}

/** GET /payouts/summary: the balance's calls ‖ GetItem the affiliate's tax year (its blockers need the year's total). */
export async function summary(floor: Floor, userId: string): Promise<Item> {
  const affiliateId = await affiliateIdOf(floor, userId);
  const yearKey = { [TAX_YEARS.partitionKey]: new Date().toISOString().slice(0, 4), [TAX_YEARS.sortKey]: affiliateId };
  const [figures, year] = await Promise.all([balance(floor, userId), getItem(floor, floor.tables.taxYears, yearKey)]);
  return { ...figures, paid_this_year: num(year?.paid_cents) };
}

/** GET /payouts: [GetItem affiliate ‖ Query one page]. */
export async function history(floor: Floor, userId: string, limit = 20): Promise<Item> {
  const affiliateId = await affiliateIdOf(floor, userId);
  const [affiliate, page] = await Promise.all([
    getItem(floor, floor.tables.affiliates, { [AFFILIATES.partitionKey]: affiliateId }),
    floor.client.send(new QueryCommand({ ...affiliateQuery(floor, affiliateId), Limit: limit })),
  ]);
  return { payouts: page.Items ?? [], total: num(affiliate?.payout_count) };
}

/** GET /payouts/{id}: [GetItem affiliate (its id cached) ‖ GetItem payout]: the affiliate record proves ownership. */
export async function payout(floor: Floor, userId: string, payoutId: string): Promise<Item | undefined> {
  const [affiliate, item] = await Promise.all([
    affiliateIdOf(floor, userId).then((affiliateId) =>
      getItem(floor, floor.tables.affiliates, { [AFFILIATES.partitionKey]: affiliateId }),
    ),
    getItem(floor, floor.tables.payouts, { [PAYOUTS.partitionKey]: payoutId }),
  ]);
  return item?.affiliate_id === affiliate?.affiliate_id ? item : undefined;
}

/**
 * POST /payouts/request: [GetItem affiliate ‖ GetItem tax year ‖ GetItem idempotency key], then one TransactWriteItems
 * (with the tax form gate's ConditionCheck: the bench affiliates have no form on file).
 */
export async function request(floor: Floor, userId: string, amount: number, idempotencyKey: string): Promise<Item> {
  const affiliateId = await affiliateIdOf(floor, userId);
  const scopedKey = `${userId}#${idempotencyKey}`;
  const at = new Date().toISOString();
  const yearKey = { [TAX_YEARS.partitionKey]: at.slice(0, 4), [TAX_YEARS.sortKey]: affiliateId };
  const [affiliate, year] = await Promise.all([
    getItem(floor, floor.tables.affiliates, { [AFFILIATES.partitionKey]: affiliateId }),
    getItem(floor, floor.tables.taxYears, yearKey),
    getItem(floor, floor.tables.idempotency, { [IDEMPOTENCY.partitionKey]: scopedKey }),
  ]);
  const item = {
    payout_id: randomUUID(),
    affiliate_id: affiliateId,
    amount,
    currency: 'USD',
    payment_method: affiliate?.payment_method,
    payment_email: affiliate?.payment_email,
    status: 'pending',
    requested_at: at,
    updated_at: at,
    history: [{ at, by: userId, from: null, to: 'pending', note: 'requested by affiliate' }],
  };
  const body = { success: true, message: 'Payout request submitted successfully', data: { payout: item } };
  const now = Math.floor(Date.now() / 1000);
  await floor.client.send(
    new TransactWriteCommand({
      ClientRequestToken: randomUUID(),
      TransactItems: [
        {
          Put: {
            TableName: floor.tables.payouts,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#id)',
            ExpressionAttributeNames: { '#id': PAYOUTS.partitionKey },
          },
        },
        {
          Update: {
            TableName: floor.tables.affiliates,
            Key: { [AFFILIATES.partitionKey]: affiliateId },
            ConditionExpression:
              '#status = :active AND total_earned >= :earned' +
              ' AND (attribute_not_exists(total_paid) OR total_paid <= :paid)' +
              ' AND (attribute_not_exists(total_pending) OR total_pending <= :pending)',
            UpdateExpression:
              'SET total_pending = if_not_exists(total_pending, :zero) + :amount,' +
              ' payout_count = if_not_exists(payout_count, :zero) + :one',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':earned': num(affiliate?.total_earned),
              ':paid': num(affiliate?.total_paid),
              ':pending': num(affiliate?.total_earned) - num(affiliate?.total_paid) - amount,
              ':amount': amount,
              ':zero': 0,
              ':one': 1,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: floor.tables.idempotency,
            Item: {
              [IDEMPOTENCY.partitionKey]: scopedKey,
              fingerprint: 'f'.repeat(64),
              status_code: 201,
              response_body: JSON.stringify(body),
              payout_id: item.payout_id,
              [IDEMPOTENCY.ttlAttribute]: now + 86_400,
            },
            ConditionExpression: 'attribute_not_exists(#key) OR #expires <= :now',
            ExpressionAttributeNames: { '#key': IDEMPOTENCY.partitionKey, '#expires': IDEMPOTENCY.ttlAttribute },
            ExpressionAttributeValues: { ':now': now },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          ConditionCheck: {
            TableName: floor.tables.taxYears,
            Key: yearKey,
            ConditionExpression: 'attribute_not_exists(paid_cents) OR paid_cents <= :paid',
            ExpressionAttributeValues: { ':paid': num(year?.paid_cents ?? 0) },
          },
        },
      ],
    }),
  );
  return body;
}

/**
 * POST /admin/payouts/{id}/process (pending -> completed): [GetItem payout ‖ GetItem the year's receipt sequence],
 * then one TransactWriteItems (payout + counters + the affiliate's tax year + the sequence).
 */
export async function processPayout(
  floor: Floor,
  adminId: string,
  payoutId: string,
  transactionId: string,
): Promise<Item> {
  const at = new Date().toISOString();
  const sequenceKey = { [TAX_YEARS.partitionKey]: at.slice(0, 4), [TAX_YEARS.sortKey]: TAX_YEARS.receiptsKey };
  const [item, sequence] = await Promise.all([
    getItem(floor, floor.tables.payouts, { [PAYOUTS.partitionKey]: payoutId }),
    getItem(floor, floor.tables.taxYears, sequenceKey),
  ]);
  if (!item) return { found: false };
  const last = num(sequence?.last_number ?? 0);
  const change = { at, by: adminId, from: item.status, to: 'completed' };
  const amount = num(item.amount);
  await floor.client.send(
    new TransactWriteCommand({
      ClientRequestToken: randomUUID(),
      TransactItems: [
        {
          Update: {
            TableName: floor.tables.payouts,
            Key: { [PAYOUTS.partitionKey]: payoutId },
            ConditionExpression: '#status = :from',
            UpdateExpression:
              'SET #status = :to, updated_at = :now, history = list_append(if_not_exists(history, :empty), :change),' +
              ' #transaction_id = :transaction_id, #processed_at = :processed_at, #processed_by = :processed_by, receipt_number = :receipt',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#transaction_id': 'transaction_id',
              '#processed_at': 'processed_at',
              '#processed_by': 'processed_by',
            },
            ExpressionAttributeValues: {
              ':from': item.status,
              ':to': 'completed',
              ':now': at,
              ':change': [change],
              ':empty': [],
              ':transaction_id': transactionId,
              ':processed_at': at,
              ':processed_by': adminId,
              ':receipt': `RCPT-${at.slice(0, 4)}-${String(last + 1).padStart(6, '0')}`,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: floor.tables.affiliates,
            Key: { [AFFILIATES.partitionKey]: item.affiliate_id },
            ConditionExpression: 'attribute_exists(#id) AND total_pending >= :pendingOut',
            UpdateExpression: 'ADD total_pending :pending, total_paid :paid',
            ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey },
            ExpressionAttributeValues: { ':pending': -amount, ':paid': amount, ':pendingOut': amount },
          },
        },
        {
          Update: {
            TableName: floor.tables.taxYears,
            Key: { [TAX_YEARS.partitionKey]: at.slice(0, 4), [TAX_YEARS.sortKey]: item.affiliate_id },
            UpdateExpression: 'ADD paid_cents :paid, paid_count :one, paid_provider_cents :paid',
            ExpressionAttributeValues: { ':paid': amount, ':one': 1 },
          },
        },
        {
          Update: {
            TableName: floor.tables.taxYears,
            Key: sequenceKey,
            ConditionExpression: last === 0 ? 'attribute_not_exists(last_number)' : 'last_number = :last',
            UpdateExpression: 'SET last_number = :next',
            ExpressionAttributeValues: { ':next': last + 1, ...(last === 0 ? {} : { ':last': last }) },
          },
        },
      ],
    }),
  );
  return { ...item, status: 'completed', updated_at: at, transaction_id: transactionId };
}
