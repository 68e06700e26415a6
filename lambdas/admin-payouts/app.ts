import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/lambda.ts';
import type { Runtime } from '../../shared/runtime.ts';
import { DynamoAdminStore } from '../../shared/store/dynamodb/admin-store.ts';
import { AdminPayouts } from '../../shared/usecases/admin-payouts.ts';
import type { Clock } from '../../shared/usecases/affiliate-payouts.ts';
import { loadProviderConfig, type ProviderConfig } from '../../shared/providers/config.ts';
import { DynamoAttemptStore } from '../../shared/store/dynamodb/attempt-store.ts';
import { PayoutSending } from '../../shared/usecases/payout-sending.ts';
import { adminRoutes } from './routes.ts';
import { sendingRoutes } from './sending-routes.ts';

/** Builds the admin function from its runtime; tests build it on their own tables and clock. */
export function createAdminPayoutsHandler(
  { config, client, authenticate, logger }: Runtime,
  clock?: Clock,
  providers: ProviderConfig = loadProviderConfig(process.env),
): LambdaHttpHandler {
  const store = new DynamoAdminStore(client, config.tables, clock ? () => clock.now() : undefined);
  const admin = new AdminPayouts(store, clock);
  const sending = new PayoutSending(new DynamoAttemptStore(client, config.tables, providers.tables), providers.configured, clock);
  return createHttpHandler({
    // With provider payments on, the payout detail route also lists attempts: listed first, it wins over the plain one.
    routes: [...(providers.enabled ? sendingRoutes(admin, sending) : []), ...adminRoutes(admin, clock)],
    authenticate,
    corsAllowedOrigins: config.corsAllowedOrigins,
    logger,
  });
}
