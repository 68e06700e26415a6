/**
 * Provider settings from the environment, read once per cold start. No SDK here: the admin function reads only
 * which providers are configured (PAYOUT_PROVIDERS) and the table names.
 *
 * Locally (npm start) the credentials come from the environment (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET,
 * STRIPE_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET, PAYPAL_API_BASE, PAYPAL_WEBHOOK_ID). In AWS the sender,
 * sweeper and webhooks functions get PROVIDER_SECRET_ARN: a Secrets Manager JSON object with the same keys.
 */
import { PROVIDERS, type Provider } from '../domain/attempt.ts';
import { ConfigError } from '../config.ts';
import { DEFAULT_PROVIDER_TABLE_NAMES, type ProviderTableNames } from '../store/dynamodb/provider-tables.ts';

export interface ProviderCredentials {
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_BASE?: string;
  PAYPAL_CLIENT_ID?: string;
  PAYPAL_CLIENT_SECRET?: string;
  PAYPAL_API_BASE?: string;
  PAYPAL_WEBHOOK_ID?: string;
}

export const CREDENTIAL_NAMES = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_BASE',
  'PAYPAL_CLIENT_ID',
  'PAYPAL_CLIENT_SECRET',
  'PAYPAL_API_BASE',
  'PAYPAL_WEBHOOK_ID',
] as const;

export interface ProviderConfig {
  /**
   * Provider payments are deployed (PAYOUT_PROVIDERS or ATTEMPTS_TABLE is set, even to ""): the admin function
   * then serves send/retry and lists attempts. Without them the admin function is as before issue 10.
   */
  enabled: boolean;
  tables: ProviderTableNames;
  /** Providers this deployment can send through. */
  configured: ReadonlySet<Provider>;
  /** Where the credentials are, in AWS; absent locally (then they are in the environment). */
  secretArn?: string;
  sweepMinAgeSeconds: number;
  providerTimeoutMs: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1)
    throw new ConfigError(`${name} must be a whole number ≥ 1, got "${raw}".`);
  return Number(raw);
}

/** Which providers the credentials in `env` configure (both halves present). */
export function providersIn(credentials: ProviderCredentials): Provider[] {
  const list: Provider[] = [];
  if (credentials.STRIPE_SECRET_KEY) list.push('stripe');
  if (credentials.PAYPAL_CLIENT_ID && credentials.PAYPAL_CLIENT_SECRET) list.push('paypal');
  return list;
}

export function loadProviderConfig(env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const listed = env.PAYOUT_PROVIDERS;
  let configured: Provider[];
  if (listed !== undefined) {
    configured = listed
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean) as Provider[];
    const unknown = configured.filter((name) => !(PROVIDERS as readonly string[]).includes(name));
    if (unknown.length) throw new ConfigError(`PAYOUT_PROVIDERS must list stripe and/or paypal, got "${listed}".`);
  } else configured = providersIn(env as ProviderCredentials);
  return {
    enabled: env.PAYOUT_PROVIDERS !== undefined || env.ATTEMPTS_TABLE !== undefined || configured.length > 0,
    tables: {
      attempts: env.ATTEMPTS_TABLE || DEFAULT_PROVIDER_TABLE_NAMES.attempts,
      events: env.PROVIDER_EVENTS_TABLE || DEFAULT_PROVIDER_TABLE_NAMES.events,
    },
    configured: new Set(configured),
    ...(env.PROVIDER_SECRET_ARN ? { secretArn: env.PROVIDER_SECRET_ARN } : {}),
    sweepMinAgeSeconds: positiveInt(env, 'SWEEP_MIN_AGE_SECONDS', 600),
    providerTimeoutMs: positiveInt(env, 'PROVIDER_TIMEOUT_MS', 10_000),
  };
}
