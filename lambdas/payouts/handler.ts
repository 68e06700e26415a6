import { loadConfig } from '../../shared/config.ts';
import { createDependencies } from '../../shared/dependencies.ts';
import { SERVICES } from '../../shared/telemetry.ts';
import { createPayoutsHandler } from './app.ts';

/** The payouts Lambda: configuration parsed and clients built once per cold start. */
export const handler = createPayoutsHandler(createDependencies(loadConfig(process.env), SERVICES.payouts));
