import { createProviderRuntime } from '../../shared/providers/runtime.ts';
import { createWebhooksHandler } from './app.ts';

/** The provider-webhooks Lambda (Function URL): credentials read and clients built once per cold start. */
export const handler = createWebhooksHandler(await createProviderRuntime(process.env, 'provider-webhooks'));
