/**
 * What the payout-sender, provider-webhooks and payout-sweeper functions build once per cold start: the DynamoDB
 * client, the providers (credentials from the environment locally, from one Secrets Manager secret in AWS), and
 * the ProviderSync use case. The only modules that load the Stripe SDK import this file.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLogger, type Logger, type LogLevel } from '../logger.ts';
import { DynamoAttemptStore } from '../store/dynamodb/attempt-store.ts';
import { createDocumentClient } from '../store/dynamodb/client.ts';
import { DEFAULT_TABLE_NAMES, type TableNames } from '../store/dynamodb/tables.ts';
import type { Clock } from '../domain/clock.ts';
import { ProviderSync } from '../usecases/provider-sync.ts';
import { CREDENTIAL_NAMES, loadProviderConfig, type ProviderConfig, type ProviderCredentials } from './config.ts';
import { PaypalProvider } from './paypal.ts';
import { StripeProvider } from './stripe.ts';

export interface ProviderRuntime {
  config: ProviderConfig;
  tables: TableNames;
  client: DynamoDBDocumentClient;
  store: DynamoAttemptStore;
  stripe?: StripeProvider;
  paypal?: PaypalProvider;
  sync: ProviderSync;
  logger: Logger;
}

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error', 'silent']);

/** The credentials: PROVIDER_SECRET_ARN's JSON in AWS (read once), else the environment's variables. */
export async function loadCredentials(
  env: NodeJS.ProcessEnv,
  config: ProviderConfig,
  region: string,
): Promise<ProviderCredentials> {
  const fromEnv = Object.fromEntries(
    CREDENTIAL_NAMES.filter((name) => env[name]).map((name) => [name, env[name]]),
  ) as ProviderCredentials;
  if (!config.secretArn) return fromEnv;
  const secrets = new SecretsManagerClient({ region });
  try {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: config.secretArn }));
    const parsed: unknown = JSON.parse(SecretString ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) throw new Error('the provider secret must be a JSON object');
    const stored = Object.fromEntries(
      CREDENTIAL_NAMES.filter((name) => typeof (parsed as Record<string, unknown>)[name] === 'string').map((name) => [
        name,
        (parsed as Record<string, string>)[name],
      ]),
    );
    return { ...fromEnv, ...stored } as ProviderCredentials;
  } finally {
    secrets.destroy();
  }
}

export function providersFrom(
  credentials: ProviderCredentials,
  timeoutMs: number,
): { stripe?: StripeProvider; paypal?: PaypalProvider } {
  return {
    ...(credentials.STRIPE_SECRET_KEY
      ? {
          stripe: new StripeProvider({
            secretKey: credentials.STRIPE_SECRET_KEY,
            timeoutMs,
            ...(credentials.STRIPE_WEBHOOK_SECRET ? { webhookSecret: credentials.STRIPE_WEBHOOK_SECRET } : {}),
            ...(credentials.STRIPE_API_BASE ? { apiBase: credentials.STRIPE_API_BASE } : {}),
          }),
        }
      : {}),
    ...(credentials.PAYPAL_CLIENT_ID && credentials.PAYPAL_CLIENT_SECRET
      ? {
          paypal: new PaypalProvider({
            clientId: credentials.PAYPAL_CLIENT_ID,
            clientSecret: credentials.PAYPAL_CLIENT_SECRET,
            apiBase: credentials.PAYPAL_API_BASE ?? 'https://api-m.paypal.com',
            timeoutMs,
            ...(credentials.PAYPAL_WEBHOOK_ID ? { webhookId: credentials.PAYPAL_WEBHOOK_ID } : {}),
          }),
        }
      : {}),
  };
}

export async function createProviderRuntime(
  env: NodeJS.ProcessEnv,
  service: string,
  clock?: Clock,
): Promise<ProviderRuntime> {
  const config = loadProviderConfig(env);
  const region = env.AWS_REGION || 'us-east-1';
  const level = (LOG_LEVELS.has(env.LOG_LEVEL ?? '') ? env.LOG_LEVEL : 'info') as LogLevel;
  const logger = createLogger(level, { service });
  const tables: TableNames = {
    affiliates: env.AFFILIATES_TABLE || DEFAULT_TABLE_NAMES.affiliates,
    payouts: env.PAYOUTS_TABLE || DEFAULT_TABLE_NAMES.payouts,
    idempotency: env.IDEMPOTENCY_TABLE || DEFAULT_TABLE_NAMES.idempotency,
    taxYears: env.TAX_YEARS_TABLE || DEFAULT_TABLE_NAMES.taxYears,
  };
  const client = createDocumentClient({
    region,
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
  });
  const store = new DynamoAttemptStore(client, tables, config.tables);
  const providers = providersFrom(await loadCredentials(env, config, region), config.providerTimeoutMs);
  const sync = new ProviderSync(store, providers, logger, clock);
  return { config, tables, client, store, ...providers, sync, logger };
}
