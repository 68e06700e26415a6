import { createProviderRuntime } from '../../shared/providers/runtime.ts';
import { createSweeperHandler } from './app.ts';

/** The payout-sweeper Lambda, invoked by an EventBridge Scheduler schedule. */
export const handler = createSweeperHandler(await createProviderRuntime(process.env, 'payout-sweeper'));
