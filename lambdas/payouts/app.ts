import { createHttpHandler, type LambdaHttpHandler } from '../../shared/http/lambda.ts';
import type { Runtime } from '../../shared/runtime.ts';
import { AffiliatePayouts, type Clock } from '../../shared/usecases/affiliate-payouts.ts';
import { payoutRoutes } from './routes.ts';

/** Builds the payouts function from its runtime; tests build it on their own tables and clock. */
export function createPayoutsHandler({ config, store, authenticate, logger, telemetry, middlewares }: Runtime, clock?: Clock): LambdaHttpHandler {
  const payouts = new AffiliatePayouts(store, config, clock);
  return createHttpHandler({
    routes: payoutRoutes(payouts, config.maxPayout, telemetry),
    authenticate,
    corsAllowedOrigins: config.corsAllowedOrigins,
    logger,
    telemetry,
    middlewares,
  });
}
