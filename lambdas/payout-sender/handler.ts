import { createProviderRuntime } from '../../shared/providers/runtime.ts';
import { createSenderHandler } from './app.ts';

/** The payout-sender Lambda: credentials read and clients built once per cold start. */
export const handler = createSenderHandler(await createProviderRuntime(process.env, 'payout-sender'));
