import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config.ts';
import { createAuthenticator, type Authenticator } from './http/auth.ts';
import { createLogger, type Logger } from './logger.ts';
import { createDocumentClient } from './store/dynamodb/client.ts';
import { DynamoPayoutStore } from './store/dynamodb/payout-store.ts';
import { secretsManagerLoader } from './store/secrets.ts';

/** What both functions build once per cold start from their Config. */
export interface Runtime {
  config: Config;
  client: DynamoDBDocumentClient;
  store: DynamoPayoutStore;
  authenticate: Authenticator;
  logger: Logger;
}

export function createRuntime(config: Config, service: string): Runtime {
  const client = createDocumentClient({ region: config.region, ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}) });
  return {
    config,
    client,
    store: new DynamoPayoutStore(client, config.tables),
    authenticate: createAuthenticator(config.auth, secretsManagerLoader(config.region)),
    logger: createLogger(config.logLevel, { service }),
  };
}
