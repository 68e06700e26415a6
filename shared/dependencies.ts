import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuthConfig, Config } from './config.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import type { PayoutStore, SecretLoader } from './domain/ports.ts';
import { createAuthenticator, type Authenticator } from './http/auth.ts';
import type middy from '@middy/core';
import type { Logger } from './logger.ts';
import { createObservability } from './observability.ts';
import { createDocumentClient } from './store/dynamodb/client.ts';
import { DynamoPayoutStore } from './store/dynamodb/payout-store.ts';
import { secretsManagerLoader } from './store/secrets.ts';
import type { Telemetry } from './telemetry.ts';
import type { SecretSource } from './usecases/cursor.ts';

/** What a function builds once per cold start from its Config: the client, the store, auth, the logger, the clock. */
export interface Dependencies {
  config: Config;
  client: DynamoDBDocumentClient;
  store: PayoutStore;
  authenticate: Authenticator;
  logger: Logger;
  /** Business metrics (EMF), counted by the routes from the use cases' outcomes. */
  telemetry: Telemetry;
  /** The Lambda context on the log lines and the metrics flush, for the function's middy chain. */
  middlewares: middy.MiddlewareObj[];
  clock: Clock;
  /** What pagination cursors are signed with (a key derived from it). */
  cursorSecret: SecretSource;
}

/** `clock` is for tests; a deployed function uses the system clock. */
export function createDependencies(
  config: Config,
  service: string,
  { clock = systemClock }: { clock?: Clock } = {},
): Dependencies {
  const client = createDocumentClient({
    region: config.region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
  });
  const loadSecret = secretsManagerLoader(config.region);
  const { logger, telemetry, middlewares } = createObservability({
    service,
    level: config.logLevel,
    sampleRate: config.logSampleRate,
    namespace: config.metricsNamespace,
    metricsEnabled: config.metricsEnabled,
  });
  return {
    config,
    client,
    store: new DynamoPayoutStore(client, config.tables, clock),
    authenticate: createAuthenticator(config.auth, loadSecret),
    logger,
    telemetry,
    middlewares,
    clock,
    cursorSecret: cursorSecretOf(config, loadSecret),
  };
}

/** Cursors are signed with a key derived from the configured secret: the cursor secret if set, else the JWT secret. */
function cursorSecretOf({ auth, cursorSecret }: Config, loadSecret: SecretLoader): SecretSource {
  if (cursorSecret?.kind === 'value') return async () => cursorSecret.value;
  if (cursorSecret?.kind === 'arn') return () => loadSecret(cursorSecret.arn);
  return jwtSecretOf(auth, loadSecret);
}

function jwtSecretOf(auth: AuthConfig, loadSecret: SecretLoader): SecretSource {
  if (auth.mode === 'hs256') return async () => auth.secret;
  if (auth.mode === 'hs256-secret-arn') return () => loadSecret(auth.secretArn);
  // config.ts refuses JWKS mode without a cursor secret, so a valid Config never gets here.
  return async () => {
    throw new Error('JWKS mode needs CURSOR_SECRET or CURSOR_SECRET_ARN');
  };
}
