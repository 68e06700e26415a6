import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { ConfigError, loadConfig } from '../shared/config.ts';

/**
 * Everything an operator can choose at deploy time, read from CDK context (`-c key=value` or cdk.json "context").
 * Values given with `-c` arrive as strings; values in cdk.json keep their JSON type. Both are accepted.
 * Deploy-only keys are checked here; the functions' settings are handed, raw, to the functions' own validator
 * (shared/config.ts), so the stack and the code cannot disagree. The README "Deploy" section documents every key.
 */
export interface PayoutsStackOptions {
  /** `prod` (default) keeps data safe; `dev` makes a throwaway stack that `cdk destroy` removes completely. */
  stage: 'prod' | 'dev';
  stackName: string;
  /** Physical names of tables to adopt instead of creating them (e.g. the seed's commercive_affiliates). */
  existingTables: { affiliates?: string; payouts?: string };
  /** `secret`: HS256 with a key in Secrets Manager (created, or adopted by ARN); `jwks`: an identity provider's keys. */
  auth: { mode: 'secret'; existingSecretArn?: string } | { mode: 'jwks' };
  /** Comma-separated list, passed to the code as CORS_ALLOWED_ORIGINS. */
  corsAllowedOrigins: string;
  /** Reserved concurrency for each function; undefined leaves the functions on the account's shared pool. */
  reservedConcurrency?: number;
  alarmEmail?: string;
  logRetention: RetentionDays;
  /** The functions' settings, under the environment names shared/config.ts reads, already validated by it. */
  functionEnv: Readonly<Record<string, string>>;
}

/** A context value the stack cannot use; the message names the key, never a secret. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Context keys that are the functions' settings, and the environment variable each becomes. */
const FUNCTION_SETTINGS = {
  jwksUrl: 'JWKS_URL',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  logLevel: 'LOG_LEVEL',
  logSampleRate: 'LOG_SAMPLE_RATE',
  minimumPayoutCents: 'MINIMUM_PAYOUT_CENTS',
  tierMinimums: 'TIER_MINIMUMS_JSON',
  maxPayoutCents: 'MAX_PAYOUT_CENTS',
  idempotencyTtlSeconds: 'IDEMPOTENCY_TTL_SECONDS',
  affiliateCacheTtlSeconds: 'AFFILIATE_CACHE_TTL_SECONDS',
  taxFormThresholdCents: 'TAX_FORM_THRESHOLD_CENTS',
  receiptIssuerName: 'RECEIPT_ISSUER_NAME',
  receiptIssuerAddress: 'RECEIPT_ISSUER_ADDRESS',
} as const;

/** Context keys the stack reads (the README lists the same). */
export const CONTEXT_KEYS = [
  'stage',
  'stackName',
  'existingAffiliatesTable',
  'existingPayoutsTable',
  'jwtSecretArn',
  'corsAllowedOrigins',
  'reservedConcurrency',
  'alarmEmail',
  'logRetentionDays',
  ...(Object.keys(FUNCTION_SETTINGS) as (keyof typeof FUNCTION_SETTINGS)[]),
  /** Issue 10: "stripe,paypal" (or one) deploys provider payments; read by lib/payouts-stack.ts. */
  'payoutProviders',
  /** Issue 12: the e-mails' sender (a verified SES identity), the operators' address, the dashboard link. */
  'mailFrom',
  'opsEmail',
  'dashboardUrl',
] as const;

type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Context keys other tools write that are not ours (`cdk acknowledge` keeps its list in cdk.json context). */
const FOREIGN_KEYS: readonly string[] = ['acknowledged-issue-numbers'];

/**
 * Reads and validates the stack's context, failing fast with the key's name.
 * @example const options = readOptions(app.node);
 */
export function readOptions(node: Node): PayoutsStackOptions {
  rejectUnknownKeys(node);
  const read = contextReader(node);
  const stage = readStage(read);
  const secretArn = read.string('jwtSecretArn');
  const functionEnv = readFunctionEnv(node, read);
  if (functionEnv.JWKS_URL !== undefined && secretArn !== undefined)
    throw new ContextError('Set either "jwksUrl" or "jwtSecretArn", not both.');
  if (
    secretArn !== undefined &&
    !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(secretArn)
  ) {
    throw new ContextError('Context "jwtSecretArn" must be a secret\'s complete ARN (ending in -XXXXXX).');
  }
  const alarmEmail = read.string('alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new ContextError('Context "alarmEmail" must be an e-mail address.');
  }
  const reservedConcurrency = read.integer('reservedConcurrency', 1);
  return {
    stage,
    stackName: readStackName(read, stage),
    existingTables: {
      ...optional('affiliates', tableName(read.string('existingAffiliatesTable'), 'existingAffiliatesTable')),
      ...optional('payouts', tableName(read.string('existingPayoutsTable'), 'existingPayoutsTable')),
    },
    auth:
      functionEnv.JWKS_URL !== undefined
        ? { mode: 'jwks' }
        : { mode: 'secret', ...optional('existingSecretArn', secretArn) },
    corsAllowedOrigins: read.string('corsAllowedOrigins') ?? '*',
    ...optional('reservedConcurrency', reservedConcurrency),
    ...optional('alarmEmail', alarmEmail),
    logRetention: readRetention(read, stage),
    functionEnv,
  };
}

/** A mistyped key (`-c stag=dev`) would silently deploy the defaults; CDK's own keys contain ':' or start with '@'. */
function rejectUnknownKeys(node: Node): void {
  const unknown = Object.keys(node.getAllContext() as Record<string, unknown>).filter(
    (key) =>
      !key.includes(':') &&
      !key.startsWith('@') &&
      !FOREIGN_KEYS.includes(key) &&
      !(CONTEXT_KEYS as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    throw new ContextError(
      `Unknown context ${unknown.map((key) => `"${key}"`).join(', ')}; the stack reads ${CONTEXT_KEYS.join(', ')}.`,
    );
  }
}

interface ContextReader {
  /** A context value as a trimmed string (numbers and booleans from cdk.json too); undefined when unset. */
  string(key: ContextKey): string | undefined;
  integer(key: ContextKey, min: number): number | undefined;
}

function contextReader(node: Node): ContextReader {
  const string = (key: ContextKey): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim() || undefined;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new ContextError(`Context "${key}" must be a string.`);
  };
  const integer = (key: ContextKey, min: number): number | undefined => {
    const raw = string(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min)
      throw new ContextError(`Context "${key}" must be a whole number >= ${min}, got "${raw}".`);
    return value;
  };
  return { string, integer };
}

function readStage(read: ContextReader): 'prod' | 'dev' {
  const stage = read.string('stage') ?? 'prod';
  if (stage !== 'prod' && stage !== 'dev')
    throw new ContextError(`Context "stage" must be "prod" or "dev", got "${stage}".`);
  return stage;
}

function readStackName(read: ContextReader, stage: 'prod' | 'dev'): string {
  const stackName = read.string('stackName') ?? (stage === 'dev' ? 'AffiliatePayouts-dev' : 'AffiliatePayouts');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new ContextError(`Context "stackName" must be a CloudFormation stack name, got "${stackName}".`);
  }
  return stackName;
}

function readRetention(read: ContextReader, stage: 'prod' | 'dev'): RetentionDays {
  const days =
    read.integer('logRetentionDays', 1) ?? (stage === 'dev' ? RetentionDays.ONE_WEEK : RetentionDays.THREE_MONTHS);
  const allowed = Object.values(RetentionDays).filter((value): value is RetentionDays => typeof value === 'number');
  if (!allowed.includes(days))
    throw new ContextError(`Context "logRetentionDays" must be one of ${allowed.join(', ')}, got ${days}.`);
  return days;
}

/**
 * The functions' settings as the environment they will get, checked by the functions' own parser. Table names
 * and secret ARNs are the stack's own resources, so placeholders stand in for them here.
 */
function readFunctionEnv(node: Node, read: ContextReader): Record<string, string> {
  const env: Record<string, string> = { LOG_LEVEL: 'info' };
  for (const [key, name] of Object.entries(FUNCTION_SETTINGS) as [ContextKey, string][]) {
    const raw: unknown = node.tryGetContext(key);
    // cdk.json may hold the tier object itself; -c passes its JSON text.
    const value =
      key === 'tierMinimums' && raw !== null && typeof raw === 'object' ? JSON.stringify(raw) : read.string(key);
    if (value !== undefined) env[name] = value;
  }
  if (env.JWKS_URL !== undefined && !/^https:\/\/\S+$/.test(env.JWKS_URL))
    throw new ContextError('Context "jwksUrl" must be an https:// URL.');
  const placeholders =
    env.JWKS_URL !== undefined ? { CURSOR_SECRET_ARN: 'arn:placeholder' } : { JWT_SECRET_ARN: 'arn:placeholder' };
  try {
    loadConfig({ ...env, ...placeholders });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const keys = Object.entries(FUNCTION_SETTINGS)
      .filter(([, name]) => error.message.includes(name))
      .map(([key]) => `"${key}"`);
    throw new ContextError(
      `Context ${keys.join(', ') || '(function settings)'}: the functions would refuse this configuration: ${error.message}`,
    );
  }
  return env;
}

function tableName(name: string | undefined, key: ContextKey): string | undefined {
  if (name !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
    throw new ContextError(`Context "${key}" must be a DynamoDB table name, got "${name}".`);
  }
  return name;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
