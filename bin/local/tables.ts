import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS, type TableNames } from '../../shared/store/dynamodb/tables.ts';

/** The same tables and indexes the CDK stack declares, for DynamoDB Local (both read shared/store/dynamodb/tables.ts). */
export function tableDefinitions(tables: TableNames): CreateTableCommandInput[] {
  const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  return [
    {
      TableName: tables.affiliates,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: AFFILIATES.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [
        string(AFFILIATES.partitionKey),
        string(AFFILIATES.userIndex.partitionKey),
        string(AFFILIATES.scheduleIndex.partitionKey),
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: AFFILIATES.userIndex.name,
          KeySchema: [{ AttributeName: AFFILIATES.userIndex.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: AFFILIATES.scheduleIndex.name,
          KeySchema: [
            { AttributeName: AFFILIATES.scheduleIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: AFFILIATES.scheduleIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [...AFFILIATES.scheduleIndex.projectedAttributes],
          },
        },
      ],
      // The notifier tells the old and the new address of a changed payout destination from this stream.
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
    {
      TableName: tables.payouts,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: PAYOUTS.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [
        string(PAYOUTS.partitionKey),
        string(PAYOUTS.affiliateIndex.partitionKey),
        string(PAYOUTS.affiliateIndex.sortKey),
        string(PAYOUTS.statusIndex.partitionKey),
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: PAYOUTS.affiliateIndex.name,
          KeySchema: [
            { AttributeName: PAYOUTS.affiliateIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: PAYOUTS.affiliateIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...PAYOUTS.affiliateIndex.projectedAttributes] },
        },
        {
          IndexName: PAYOUTS.statusIndex.name,
          KeySchema: [
            { AttributeName: PAYOUTS.statusIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: PAYOUTS.statusIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      // The notifier (issue 12) reads every status change from this stream, as in the stack.
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
    {
      TableName: tables.idempotency,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: IDEMPOTENCY.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [string(IDEMPOTENCY.partitionKey)],
    },
    {
      TableName: tables.taxYears,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TAX_YEARS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TAX_YEARS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [string(TAX_YEARS.partitionKey), string(TAX_YEARS.sortKey)],
    },
  ];
}

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function createTables(endpoint: string, tables: TableNames): Promise<void> {
  const client = localClient(endpoint);
  try {
    for (const definition of tableDefinitions(tables)) await client.send(new CreateTableCommand(definition));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tables.idempotency,
        TimeToLiveSpecification: { AttributeName: IDEMPOTENCY.ttlAttribute, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}

export async function deleteTables(endpoint: string, tables: TableNames): Promise<void> {
  const client = localClient(endpoint);
  try {
    await Promise.all(
      Object.values(tables).map((TableName) =>
        client.send(new DeleteTableCommand({ TableName })).catch(() => undefined),
      ),
    );
  } finally {
    client.destroy();
  }
}
