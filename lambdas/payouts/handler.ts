import { loadConfig } from '../../shared/config.ts';
import { createRuntime } from '../../shared/runtime.ts';
import { SERVICES } from '../../shared/telemetry.ts';
import { createPayoutsHandler } from './app.ts';

/** The payouts Lambda: configuration parsed and clients built once per cold start. */
export const handler = createPayoutsHandler(createRuntime(loadConfig(process.env), SERVICES.payouts));
