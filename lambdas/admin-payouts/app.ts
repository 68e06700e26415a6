import type { Dependencies } from '../../shared/dependencies.ts';
import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/lambda.ts';
import { createServices } from '../../shared/usecases/services.ts';
import { loadProviderConfig, type ProviderConfig } from '../../shared/providers/config.ts';
import { DynamoAttemptStore } from '../../shared/store/dynamodb/attempt-store.ts';
import { PayoutSending } from '../../shared/usecases/payout-sending.ts';
import { adminRoutes } from './routes.ts';
import { sendingRoutes } from './sending-routes.ts';
import { adminSettingsRoutes } from './settings-routes.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/notify-runtime.ts';
import { DynamoNotifyStore } from '../../shared/store/dynamodb/notify-store.ts';
import { webhookRoutes } from './webhook-routes.ts';

/** Builds the admin function from what its cold start built; tests build it on their own tables and clock. */
export function createAdminPayoutsHandler(
  { config, client, store, clock, cursorSecret, authenticate, logger, telemetry, middlewares }: Dependencies,
  providers: ProviderConfig = loadProviderConfig(process.env),
  notify: Pick<NotifyRuntime, 'config' | 'notifier' | 'resolve'> = createNotifyRuntime(process.env, 'admin-payouts', {
    client,
    clock,
  }),
): LambdaHttpHandler {
  const services = createServices({ store, rules: config, clock, cursorSecret });
  const sending = new PayoutSending(
    new DynamoAttemptStore(client, config.tables, providers.tables),
    providers.configured,
    clock,
  );
  return createHttpHandler({
    // With provider payments on, the payout detail route also lists attempts: listed first, it wins over the plain one.
    routes: [
      ...(providers.enabled ? sendingRoutes(services, sending) : []),
      ...adminRoutes(services, telemetry),
      ...adminSettingsRoutes(services),
      // Outgoing webhooks (issue 12), where notifications are deployed.
      ...(notify.config.enabled
        ? webhookRoutes({
            store: new DynamoNotifyStore(client, notify.config.tables),
            deliveries: notify.notifier.deliveries,
            allowLocal: notify.config.allowLocalWebhooks,
            clock,
            ...(notify.resolve ? { resolve: notify.resolve } : {}),
          })
        : []),
    ],
    authenticate,
    corsAllowedOrigins: config.corsAllowedOrigins,
    logger,
    telemetry,
    middlewares,
  });
}
