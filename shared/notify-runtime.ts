/**
 * What the notifier and the webhook retry function build once per cold start: the config, the DynamoDB client
 * and store, the SES mailer and the Notifier. Tests build theirs with their own tables, clock and transport.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from './domain/clock.ts';
import type { Payout } from './domain/payout.ts';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.ts';
import { createDocumentClient } from './store/dynamodb/client.ts';
import { DynamoNotifyStore } from './store/dynamodb/notify-store.ts';
import { DEFAULT_TABLE_NAMES, PAYOUTS } from './store/dynamodb/tables.ts';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Notifier, type NotifierDeps } from './usecases/notify-payout.ts';
import { loadNotifyConfig, type NotifyConfig } from './notify/config.ts';
import type { Mailer } from './domain/notifications.ts';
import { type Resolver, sendSigned } from './notify/webhook-transport.ts';

export interface NotifyRuntime {
  config: NotifyConfig;
  client: DynamoDBDocumentClient;
  notifier: Notifier;
  logger: Logger;
  /** The DNS lookup the webhook URL checks use (tests inject one). */
  resolve?: Resolver;
}

export function createNotifyRuntime(
  env: NodeJS.ProcessEnv,
  service: string,
  overrides: Partial<Pick<NotifierDeps, 'transport'>> & {
    /** The DNS lookup of the webhook URL checks (tests answer a private address for a hostile name). */
    resolve?: Resolver;
    clock?: Clock;
    mailer?: Mailer;
    /** A function that already has one (the admin function) shares it. */
    client?: DynamoDBDocumentClient;
  } = {},
): NotifyRuntime {
  const config = loadNotifyConfig(env);
  const region = env.AWS_REGION || 'us-east-1';
  const level = ((LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL ?? '') ? env.LOG_LEVEL : 'info') as LogLevel;
  const logger = createLogger(level, { service });
  const client =
    overrides.client ??
    createDocumentClient({ region, ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}) });
  const payoutsTable = env.PAYOUTS_TABLE || DEFAULT_TABLE_NAMES.payouts;
  const getPayout = async (payoutId: string) =>
    (await client.send(new GetCommand({ TableName: payoutsTable, Key: { [PAYOUTS.partitionKey]: payoutId } }))).Item as
      | Payout
      | undefined;
  const mailer =
    overrides.mailer ?? lazySesMailer({ region, ...(config.sesEndpoint ? { endpoint: config.sesEndpoint } : {}) });
  const notifier = new Notifier({
    store: new DynamoNotifyStore(client, config.tables),
    mailer,
    config,
    logger,
    getPayout,
    transport:
      overrides.transport ??
      ((request) =>
        sendSigned(request, {
          allowLocal: config.allowLocalWebhooks,
          timeoutMs: config.webhookTimeoutMs,
          ...(overrides.resolve ? { resolve: overrides.resolve } : {}),
        })),
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
  return { config, client, notifier, logger, ...(overrides.resolve ? { resolve: overrides.resolve } : {}) };
}

/**
 * The SES mailer, loaded on the first e-mail. The admin function builds this runtime for its webhook routes but
 * seldom sends (a redelivery given up), so its cold start does not evaluate the SES client; the notifier loads it
 * once, on its first e-mail.
 */
function lazySesMailer(options: { region: string; endpoint?: string }): Mailer {
  let loaded: Promise<Mailer> | undefined;
  return {
    async send(email) {
      loaded ??= import('./notify/mailer.ts').then(({ createSesMailer }) => createSesMailer(options));
      return (await loaded).send(email);
    },
  };
}
