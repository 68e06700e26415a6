import { createNotifyRuntime } from '../../shared/notify-runtime.ts';
import { createNotifierHandler } from './app.ts';

/** The payout-notifier Lambda: clients built once per cold start. */
export const handler = createNotifierHandler(createNotifyRuntime(process.env, 'payout-notifier'));
