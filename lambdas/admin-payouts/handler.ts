import { loadConfig } from '../../shared/config.ts';
import { createDependencies } from '../../shared/dependencies.ts';
import { SERVICES } from '../../shared/telemetry.ts';
import { createAdminPayoutsHandler } from './app.ts';

/** The admin payouts Lambda: configuration parsed and clients built once per cold start. */
export const handler = createAdminPayoutsHandler(createDependencies(loadConfig(process.env), SERVICES.adminPayouts));
