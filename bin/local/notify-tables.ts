import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  NOTIFICATIONS,
  type NotifyTableNames,
  WEBHOOK_DELIVERIES,
  WEBHOOK_ENDPOINTS,
} from '../../shared/store/dynamodb/notify-tables.ts';

/** The notification tables and indexes the stack declares, for DynamoDB Local. */
export function notifyTableDefinitions(tables: NotifyTableNames): CreateTableCommandInput[] {
  const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const { endpointIndex, dueIndex } = WEBHOOK_DELIVERIES;
  return [
    {
      TableName: tables.notifications,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: NOTIFICATIONS.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [string(NOTIFICATIONS.partitionKey)],
    },
    {
      TableName: tables.webhookEndpoints,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: WEBHOOK_ENDPOINTS.partitionKey, KeyType: 'HASH' },
        { AttributeName: WEBHOOK_ENDPOINTS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [string(WEBHOOK_ENDPOINTS.partitionKey), string(WEBHOOK_ENDPOINTS.sortKey)],
    },
    {
      TableName: tables.webhookDeliveries,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: WEBHOOK_DELIVERIES.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [
        string(WEBHOOK_DELIVERIES.partitionKey),
        string(endpointIndex.partitionKey),
        string(endpointIndex.sortKey),
        string(dueIndex.partitionKey),
        string(dueIndex.sortKey),
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: endpointIndex.name,
          KeySchema: [
            { AttributeName: endpointIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: endpointIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: dueIndex.name,
          KeySchema: [
            { AttributeName: dueIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: dueIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    },
  ];
}

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

export async function createNotifyTables(endpoint: string, tables: NotifyTableNames): Promise<void> {
  const dynamo = client(endpoint);
  try {
    for (const definition of notifyTableDefinitions(tables)) await dynamo.send(new CreateTableCommand(definition));
  } finally {
    dynamo.destroy();
  }
}

export async function deleteNotifyTables(endpoint: string, tables: NotifyTableNames): Promise<void> {
  const dynamo = client(endpoint);
  try {
    for (const name of Object.values(tables))
      await dynamo.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  } finally {
    dynamo.destroy();
  }
}
