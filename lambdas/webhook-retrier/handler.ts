import { createNotifyRuntime } from '../../shared/notify-runtime.ts';
import { createRetrierHandler } from './app.ts';

/** The webhook-retrier Lambda, on a one-minute schedule. */
export const handler = createRetrierHandler(createNotifyRuntime(process.env, 'webhook-retrier'));
