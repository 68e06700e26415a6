import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type middy from '@middy/core';
import type { Config } from './config.ts';
import { createAuthenticator, type Authenticator } from './http/auth.ts';
import type { Logger } from './logger.ts';
import { createObservability } from './observability.ts';
import { createDocumentClient } from './store/dynamodb/client.ts';
import { DynamoPayoutStore } from './store/dynamodb/payout-store.ts';
import { secretsManagerLoader } from './store/secrets.ts';
import type { Telemetry } from './telemetry.ts';

/** What both functions build once per cold start from their Config. */
export interface Runtime {
  config: Config;
  client: DynamoDBDocumentClient;
  store: DynamoPayoutStore;
  authenticate: Authenticator;
  logger: Logger;
  telemetry: Telemetry;
  /** The Lambda context on the log lines and the metrics flush, for the function's middy chain. */
  middlewares: middy.MiddlewareObj[];
}

export function createRuntime(config: Config, service: string): Runtime {
  const { logger, telemetry, middlewares } = createObservability({
    service,
    level: config.logLevel,
    sampleRate: config.logSampleRate,
    namespace: config.metricsNamespace,
    metricsEnabled: config.metricsEnabled,
  });
  const client = createDocumentClient({ region: config.region, ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}) });
  return {
    config,
    client,
    store: new DynamoPayoutStore(client, config.tables),
    authenticate: createAuthenticator(config.auth, secretsManagerLoader(config.region)),
    logger,
    telemetry,
    middlewares,
  };
}
