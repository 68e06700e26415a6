import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ATTEMPTS, PROVIDER_EVENTS, type ProviderTableNames } from '../../shared/store/dynamodb/provider-tables.ts';

/** The attempts table and the provider events table, with their streams as in the stack, for DynamoDB Local. */
export function providerTableDefinitions(tables: ProviderTableNames): CreateTableCommandInput[] {
  const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  return [
    {
      TableName: tables.attempts,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: ATTEMPTS.partitionKey, KeyType: 'HASH' },
        { AttributeName: ATTEMPTS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        string(ATTEMPTS.partitionKey),
        { AttributeName: ATTEMPTS.sortKey, AttributeType: 'N' },
        string(ATTEMPTS.openIndex.partitionKey),
        string(ATTEMPTS.openIndex.sortKey),
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: ATTEMPTS.openIndex.name,
          KeySchema: [
            { AttributeName: ATTEMPTS.openIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: ATTEMPTS.openIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
    {
      TableName: tables.events,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: PROVIDER_EVENTS.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [
        string(PROVIDER_EVENTS.partitionKey),
        string(PROVIDER_EVENTS.flaggedIndex.partitionKey),
        string(PROVIDER_EVENTS.flaggedIndex.sortKey),
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: PROVIDER_EVENTS.flaggedIndex.name,
          KeySchema: [
            { AttributeName: PROVIDER_EVENTS.flaggedIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: PROVIDER_EVENTS.flaggedIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    },
  ];
}

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

export async function createProviderTables(endpoint: string, tables: ProviderTableNames): Promise<void> {
  const dynamo = client(endpoint);
  try {
    for (const definition of providerTableDefinitions(tables)) await dynamo.send(new CreateTableCommand(definition));
  } finally {
    dynamo.destroy();
  }
}

export async function deleteProviderTables(endpoint: string, tables: ProviderTableNames): Promise<void> {
  const dynamo = client(endpoint);
  try {
    for (const name of [tables.attempts, tables.events])
      await dynamo.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  } finally {
    dynamo.destroy();
  }
}
