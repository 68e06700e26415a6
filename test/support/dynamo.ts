import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTables, deleteTables } from '../../bin/local/tables.ts';
import { createProviderTables, deleteProviderTables } from '../../bin/local/provider-tables.ts';
import type { ProviderTableNames } from '../../shared/store/dynamodb/provider-tables.ts';
import { seedAffiliates, type SeedAffiliate } from '../../bin/local/seed.ts';
import type { TableNames } from '../../shared/store/dynamodb/tables.ts';

/**
 * The client tests use to seed, read and corrupt the tables behind the service's back. Unlike the functions'
 * client it never retries and waits as long as it takes: on a loaded machine a 2 s timeout after DynamoDB Local
 * had applied an `ADD total_earned` made the SDK send it again, and a test saw earnings it never wrote.
 */
function fixtureClient(endpoint: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Fresh, uniquely named tables on the shared DynamoDB Local, so test files never see each other's data. */
export async function createTestTables(endpoint = inject('dynamoEndpoint')) {
  const suffix = randomUUID().slice(0, 8);
  const tables: TableNames = {
    affiliates: `affiliates-${suffix}`,
    payouts: `payouts-${suffix}`,
    idempotency: `idempotency-${suffix}`,
    taxYears: `tax-years-${suffix}`,
  };
  const providerTables: ProviderTableNames = { attempts: `attempts-${suffix}`, events: `provider-events-${suffix}` };
  await createTables(endpoint, tables);
  await createProviderTables(endpoint, providerTables);
  const client = fixtureClient(endpoint);
  return {
    endpoint,
    tables,
    providerTables,
    client,
    seed: (affiliates: SeedAffiliate[]) => seedAffiliates(client, tables.affiliates, affiliates),
    drop: async () => {
      client.destroy();
      await deleteTables(endpoint, tables);
      await deleteProviderTables(endpoint, providerTables);
    },
  };
}
export type TestTables = Awaited<ReturnType<typeof createTestTables>>;
