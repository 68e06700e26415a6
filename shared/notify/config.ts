/**
 * Notification settings from the environment, read once per cold start (issue 12). No SDK here.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | MAIL_FROM | payouts@example.com | the sender; in AWS a verified SES identity (the function may send as it only) |
 * | OPS_EMAIL | ops@example.com | the operators' address (new requests, failures on our side, webhooks given up) |
 * | DASHBOARD_URL | http://localhost:3000/ | the affiliate dashboard the e-mails link to |
 * | SES_ENDPOINT | (SES itself) | another SES v2 endpoint (aws-ses-v2-local); then dummy credentials are used |
 * | ALLOW_LOCAL_WEBHOOKS | false | true: http:// and loopback endpoints are allowed (npm start only) |
 * | WEBHOOK_TIMEOUT_MS | 10000 | a try that has no 2xx answer by then failed |
 */
import { ConfigError } from '../config.ts';
import { DEFAULT_NOTIFY_TABLE_NAMES, type NotifyTableNames } from '../store/dynamodb/notify-tables.ts';

export interface NotifyConfig {
  /**
   * Notifications are deployed here (the stack sets WEBHOOK_ENDPOINTS_TABLE; npm start sets SES_ENDPOINT): the
   * admin function then serves the webhook routes. Without them the admin function is as before issue 12.
   */
  enabled: boolean;
  tables: NotifyTableNames;
  mailFrom: string;
  opsEmail: string;
  dashboardUrl: string;
  sesEndpoint?: string;
  allowLocalWebhooks: boolean;
  webhookTimeoutMs: number;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function email(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!EMAIL.test(value)) throw new ConfigError(`${name} must be an e-mail address, got "${value}".`);
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback?: string): string | undefined {
  const value = env[name] || fallback;
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}".`);
  }
  return value;
}

export function loadNotifyConfig(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const allow = env.ALLOW_LOCAL_WEBHOOKS ?? 'false';
  if (allow !== 'true' && allow !== 'false')
    throw new ConfigError(`ALLOW_LOCAL_WEBHOOKS must be true or false, got "${allow}".`);
  const timeout = env.WEBHOOK_TIMEOUT_MS || '10000';
  if (!/^\d{1,6}$/.test(timeout) || Number(timeout) < 1)
    throw new ConfigError(`WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds, got "${timeout}".`);
  const sesEndpoint = url(env, 'SES_ENDPOINT');
  return Object.freeze({
    enabled: env.WEBHOOK_ENDPOINTS_TABLE !== undefined || sesEndpoint !== undefined,
    tables: {
      notifications: env.NOTIFICATIONS_TABLE || DEFAULT_NOTIFY_TABLE_NAMES.notifications,
      webhookEndpoints: env.WEBHOOK_ENDPOINTS_TABLE || DEFAULT_NOTIFY_TABLE_NAMES.webhookEndpoints,
      webhookDeliveries: env.WEBHOOK_DELIVERIES_TABLE || DEFAULT_NOTIFY_TABLE_NAMES.webhookDeliveries,
    },
    mailFrom: email(env, 'MAIL_FROM', 'payouts@example.com'),
    opsEmail: email(env, 'OPS_EMAIL', 'ops@example.com'),
    dashboardUrl: url(env, 'DASHBOARD_URL', 'http://localhost:3000/') as string,
    ...(sesEndpoint ? { sesEndpoint } : {}),
    allowLocalWebhooks: allow === 'true',
    webhookTimeoutMs: Number(timeout),
  });
}
