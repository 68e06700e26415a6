import type { Dependencies } from '../../shared/dependencies.ts';
import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/lambda.ts';
import { createServices } from '../../shared/usecases/services.ts';
import { loadProviderConfig, type ProviderConfig } from '../../shared/providers/config.ts';
import { DynamoAttemptStore } from '../../shared/store/dynamodb/attempt-store.ts';
import { AttemptGuardedPayoutStore } from '../../shared/store/dynamodb/guarded-payout-store.ts';
import { PayoutSending } from '../../shared/usecases/payout-sending.ts';
import { adminRoutes } from './routes.ts';
import { providerEventRoutes } from './provider-event-routes.ts';
import { sendingRoutes } from './sending-routes.ts';
import { adminSettingsRoutes } from './settings-routes.ts';
import { createNotifyRuntime, type NotifyRuntime } from '../../shared/notify-runtime.ts';
import { loadNotifyConfig } from '../../shared/notify/config.ts';
import { DynamoNotifyStore } from '../../shared/store/dynamodb/notify-store.ts';
import { webhookRoutes } from './webhook-routes.ts';

/** Builds the admin function from what its cold start built; tests build it on their own tables and clock. */
export function createAdminPayoutsHandler(
  { config, client, store, clock, cursorSecret, authenticate, logger, telemetry, middlewares }: Dependencies,
  providers: ProviderConfig = loadProviderConfig(process.env),
  // Only where notifications are deployed: elsewhere no SES client or notifier is built at cold start.
  notify: Pick<NotifyRuntime, 'config' | 'notifier' | 'resolve'> | undefined = loadNotifyConfig(process.env).enabled
    ? createNotifyRuntime(process.env, 'admin-payouts', { client, clock })
    : undefined,
): LambdaHttpHandler {
  // With provider payments on, a move by hand of a processing payout also checks (in its transaction) that no
  // provider attempt is open: 409 PROVIDER_ATTEMPT_OPEN.
  const movesStore = providers.enabled
    ? new AttemptGuardedPayoutStore(client, config.tables, providers.tables, clock)
    : store;
  const services = createServices({ store: movesStore, rules: config, clock, cursorSecret });
  const attemptStore = new DynamoAttemptStore(client, config.tables, providers.tables);
  const sending = new PayoutSending(attemptStore, providers.configured, clock);
  return createHttpHandler({
    // With provider payments on, the payout detail route also lists attempts: listed first, it wins over the plain one.
    routes: [
      ...(providers.enabled
        ? [...sendingRoutes(services, sending), ...providerEventRoutes(services, attemptStore)]
        : []),
      ...adminRoutes(services, telemetry),
      ...adminSettingsRoutes(services),
      // Outgoing webhooks (issue 12), where notifications are deployed.
      ...(notify?.config.enabled
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
