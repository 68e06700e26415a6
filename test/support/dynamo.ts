import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createTables, deleteTables } from '../../bin/local/tables.ts';
import { seedAffiliates, type SeedAffiliate } from '../../bin/local/seed.ts';
import { createDocumentClient } from '../../shared/store/dynamodb/client.ts';
import type { TableNames } from '../../shared/store/dynamodb/tables.ts';

/** Fresh, uniquely named tables on the shared DynamoDB Local, so test files never see each other's data. */
export async function createTestTables(endpoint = inject('dynamoEndpoint')) {
  const suffix = randomUUID().slice(0, 8);
  const tables: TableNames = {
    affiliates: `affiliates-${suffix}`,
    payouts: `payouts-${suffix}`,
    idempotency: `idempotency-${suffix}`,
    taxYears: `tax-years-${suffix}`,
  };
  await createTables(endpoint, tables);
  const client = createDocumentClient({ region: 'us-east-1', endpoint });
  return {
    endpoint,
    tables,
    client,
    seed: (affiliates: SeedAffiliate[]) => seedAffiliates(client, tables.affiliates, affiliates),
    drop: async () => {
      client.destroy();
      await deleteTables(endpoint, tables);
    },
  };
}
export type TestTables = Awaited<ReturnType<typeof createTestTables>>;
