/**
 * The floor bundle for the cold-start proxy: the DynamoDB client (same config as the product's) and the same
 * calls as the measured route, nothing else.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDocumentClient } from '../../../shared/store/dynamodb/client.ts';
import type { Floor } from './calls.ts';
import { floorRoute } from './route.ts';

const env = process.env;
const floor: Floor = {
  client: createDocumentClient({
    region: env.AWS_REGION ?? 'us-east-1',
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
  }),
  tables: {
    affiliates: env.AFFILIATES_TABLE ?? '',
    payouts: env.PAYOUTS_TABLE ?? '',
    idempotency: env.IDEMPOTENCY_TABLE ?? '',
    taxYears: env.TAX_YEARS_TABLE ?? '',
  },
  affiliateIds: new Map(),
};

export const handler = (event: APIGatewayProxyEventV2) => floorRoute(floor, event);
