import { loadConfig } from '../../shared/config.ts';
import { createRuntime } from '../../shared/runtime.ts';
import { SERVICES } from '../../shared/telemetry.ts';
import { createAdminPayoutsHandler } from './app.ts';

/** The admin payouts Lambda: configuration parsed and clients built once per cold start. */
export const handler = createAdminPayoutsHandler(createRuntime(loadConfig(process.env), SERVICES.adminPayouts));
