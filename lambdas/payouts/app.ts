import type { Dependencies } from '../../shared/dependencies.ts';
import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/lambda.ts';
import { createServices } from '../../shared/usecases/services.ts';
import { payoutRoutes } from './routes.ts';
import { settingsRoutes } from './settings-routes.ts';

/** Builds the payouts function from what its cold start built; tests build it on their own tables and clock. */
export function createPayoutsHandler({
  config,
  store,
  clock,
  cursorSecret,
  authenticate,
  logger,
  telemetry,
  middlewares,
}: Dependencies): LambdaHttpHandler {
  const services = createServices({ store, rules: config, clock, cursorSecret });
  return createHttpHandler({
    routes: [...payoutRoutes(services, config.maxPayout, telemetry), ...settingsRoutes(services, config.maxPayout)],
    authenticate,
    corsAllowedOrigins: config.corsAllowedOrigins,
    logger,
    telemetry,
    middlewares,
  });
}
