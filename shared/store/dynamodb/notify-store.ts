import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  DeliveryStatus,
  NotifyStore,
  TryResult,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../domain/notifications.ts';
import { NOTIFICATIONS, type NotifyTableNames, WEBHOOK_DELIVERIES, WEBHOOK_ENDPOINTS } from './notify-tables.ts';

const conditionFailed = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

// Named condition fragments.
const notYetRecorded = `attribute_not_exists(${NOTIFICATIONS.partitionKey})`; // one e-mail per key, ever
const stillSending = '#status = :sending'; // a sent e-mail is never released
const isPending = '#status = :pending'; // only a pending delivery is tried
const atAttempts = 'attempts = :attempts'; // nobody took this try before us
const isDue = 'next_attempt_at <= :now'; // the lease of a running try has not run out

/** The one DynamoDB adapter of notifications: e-mail records, webhook endpoints and deliveries. */
export class DynamoNotifyStore implements NotifyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: NotifyTableNames,
  ) {}

  async claimEmail(key: string, fields: Record<string, unknown>): Promise<'claimed' | 'exists'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.notifications,
          Item: { ...fields, [NOTIFICATIONS.partitionKey]: key, status: 'sending' },
          ConditionExpression: notYetRecorded,
        }),
      );
      return 'claimed';
    } catch (error) {
      if (conditionFailed(error)) return 'exists';
      throw error;
    }
  }

  async markEmailSent(key: string, messageId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tables.notifications,
        Key: { [NOTIFICATIONS.partitionKey]: key },
        UpdateExpression: 'SET #status = :sent, message_id = :id, sent_at = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':id': messageId, ':at': at },
      }),
    );
  }

  async releaseEmail(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tables.notifications,
          Key: { [NOTIFICATIONS.partitionKey]: key },
          ConditionExpression: stillSending,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending' },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.webhookEndpoints,
        Item: { [WEBHOOK_ENDPOINTS.partitionKey]: WEBHOOK_ENDPOINTS.scope, ...endpoint },
        ConditionExpression: `attribute_not_exists(${WEBHOOK_ENDPOINTS.sortKey})`,
      }),
    );
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    const items: WebhookEndpoint[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tables.webhookEndpoints,
          KeyConditionExpression: '#scope = :scope',
          ExpressionAttributeNames: { '#scope': WEBHOOK_ENDPOINTS.partitionKey },
          ExpressionAttributeValues: { ':scope': WEBHOOK_ENDPOINTS.scope },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as WebhookEndpoint[]).map(withoutScope));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.webhookEndpoints, Key: endpointKey(id), ConsistentRead: true }),
    );
    return Item ? withoutScope(Item as WebhookEndpoint) : undefined;
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tables.webhookEndpoints, Key: endpointKey(id), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  async endpointHealth(id: string, ok: boolean, at: string): Promise<WebhookEndpoint | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.webhookEndpoints,
          Key: endpointKey(id),
          UpdateExpression: ok ? 'REMOVE failing_since' : 'SET failing_since = if_not_exists(failing_since, :at)',
          ConditionExpression: `attribute_exists(${WEBHOOK_ENDPOINTS.sortKey})`,
          ...(ok ? {} : { ExpressionAttributeValues: { ':at': at } }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? withoutScope(Attributes as WebhookEndpoint) : undefined;
    } catch (error) {
      if (conditionFailed(error)) return undefined; // deleted meanwhile
      throw error;
    }
  }

  async disableEndpoint(id: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.webhookEndpoints,
          Key: endpointKey(id),
          UpdateExpression: 'SET #status = :disabled, disabled_at = :at',
          ConditionExpression: `attribute_exists(${WEBHOOK_ENDPOINTS.sortKey})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':at': at },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  async createDelivery(delivery: WebhookDelivery): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.webhookDeliveries,
          Item: { ...delivery, [WEBHOOK_DELIVERIES.dueIndex.partitionKey]: WEBHOOK_DELIVERIES.dueValue },
          ConditionExpression: `attribute_not_exists(${WEBHOOK_DELIVERIES.partitionKey})`,
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async getDelivery(id: string): Promise<WebhookDelivery | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.webhookDeliveries, Key: deliveryKey(id), ConsistentRead: true }),
    );
    return Item ? withoutDue(Item) : undefined;
  }

  async listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]> {
    const { endpointIndex } = WEBHOOK_DELIVERIES;
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.webhookDeliveries,
        IndexName: endpointIndex.name,
        KeyConditionExpression: '#endpoint = :endpoint',
        ExpressionAttributeNames: { '#endpoint': endpointIndex.partitionKey },
        ExpressionAttributeValues: { ':endpoint': endpointId },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(withoutDue);
  }

  async dueDeliveries(now: string, limit: number): Promise<string[]> {
    const { dueIndex, dueValue, partitionKey } = WEBHOOK_DELIVERIES;
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.webhookDeliveries,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#due = :due AND #next <= :now',
        ExpressionAttributeNames: { '#due': dueIndex.partitionKey, '#next': dueIndex.sortKey },
        ExpressionAttributeValues: { ':due': dueValue, ':now': now },
        Limit: limit,
      }),
    );
    return Items.map((item) => String(item[partitionKey]));
  }

  async leaseDelivery(
    id: string,
    attempts: number,
    now: string,
    leaseUntil: string,
  ): Promise<WebhookDelivery | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.webhookDeliveries,
          Key: deliveryKey(id),
          UpdateExpression: 'SET attempts = :next, next_attempt_at = :lease, last_attempt_at = :now',
          ConditionExpression: [isPending, atAttempts, isDue].join(' AND '),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':attempts': attempts,
            ':next': attempts + 1,
            ':now': now,
            ':lease': leaseUntil,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? withoutDue(Attributes) : undefined;
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }

  async finishTry(
    id: string,
    attempts: number,
    outcome: { status: DeliveryStatus; next?: string; result?: TryResult; at: string },
  ): Promise<boolean> {
    const { result } = outcome;
    const values: Record<string, unknown> = { ':status': outcome.status, ':pending': 'pending', ':attempts': attempts };
    const set = ['#status = :status'];
    const remove: string[] = [];
    const put = (name: string, value: unknown) => {
      if (value === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = value;
      }
    };
    if (outcome.status === 'pending') {
      put('next_attempt_at', outcome.next);
    } else {
      remove.push(WEBHOOK_DELIVERIES.dueIndex.partitionKey);
    }
    if (result) {
      put('last_status_code', result.status);
      put('last_error', result.ok ? undefined : result.error);
      put('response_excerpt', result.excerpt);
    }
    if (outcome.status === 'delivered') put('delivered_at', outcome.at);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.webhookDeliveries,
          Key: deliveryKey(id),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          // Only the holder of this try writes its outcome (a redeliver in between started a new one).
          ConditionExpression: [isPending, atAttempts].join(' AND '),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async reopenDelivery(id: string, now: string): Promise<WebhookDelivery | undefined> {
    const { dueIndex, dueValue } = WEBHOOK_DELIVERIES;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.webhookDeliveries,
          Key: deliveryKey(id),
          UpdateExpression:
            'SET #status = :pending, #due = :due, next_attempt_at = :now, max_attempts = attempts + :one',
          ConditionExpression: `attribute_exists(${WEBHOOK_DELIVERIES.partitionKey})`,
          ExpressionAttributeNames: { '#status': 'status', '#due': dueIndex.partitionKey },
          ExpressionAttributeValues: { ':pending': 'pending', ':due': dueValue, ':now': now, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? withoutDue(Attributes) : undefined;
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }
}

const endpointKey = (id: string) => ({
  [WEBHOOK_ENDPOINTS.partitionKey]: WEBHOOK_ENDPOINTS.scope,
  [WEBHOOK_ENDPOINTS.sortKey]: id,
});
const deliveryKey = (id: string) => ({ [WEBHOOK_DELIVERIES.partitionKey]: id });

function withoutScope(item: WebhookEndpoint): WebhookEndpoint {
  const { [WEBHOOK_ENDPOINTS.partitionKey]: _scope, ...rest } = item as WebhookEndpoint & Record<string, unknown>;
  return rest as WebhookEndpoint;
}

function withoutDue(item: Record<string, unknown>): WebhookDelivery {
  const { [WEBHOOK_DELIVERIES.dueIndex.partitionKey]: _due, ...rest } = item;
  return rest as unknown as WebhookDelivery;
}
