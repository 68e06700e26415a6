import { loadConfig } from '../../shared/config.ts';
import { createDependencies } from '../../shared/dependencies.ts';
import { createSchedulerHandler } from './app.ts';

/**
 * The payout-scheduler Lambda, invoked by an EventBridge Scheduler schedule. It verifies no tokens: the shared
 * config parser still asks for a token setting, so a placeholder stands in when the stack gives none.
 */
export const handler = createSchedulerHandler(
  createDependencies(
    loadConfig({
      JWT_SECRET_ARN: 'arn:aws:secretsmanager:none:000000000000:secret:scheduler-verifies-no-tokens',
      ...process.env,
    }),
    'payout-scheduler',
  ),
);
