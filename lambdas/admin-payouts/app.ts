import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/lambda.ts';
import type { Runtime } from '../../shared/runtime.ts';
import { DynamoAdminStore } from '../../shared/store/dynamodb/admin-store.ts';
import { AdminPayouts } from '../../shared/usecases/admin-payouts.ts';
import type { Clock } from '../../shared/usecases/affiliate-payouts.ts';
import { adminRoutes } from './routes.ts';

/** Builds the admin function from its runtime; tests build it on their own tables and clock. */
export function createAdminPayoutsHandler({ config, client, authenticate, logger, telemetry, middlewares }: Runtime, clock?: Clock): LambdaHttpHandler {
  const store = new DynamoAdminStore(client, config.tables, clock ? () => clock.now() : undefined);
  const admin = new AdminPayouts(store, clock);
  return createHttpHandler({
    routes: adminRoutes(admin, clock, telemetry),
    authenticate,
    corsAllowedOrigins: config.corsAllowedOrigins,
    logger,
    telemetry,
    middlewares,
  });
}
