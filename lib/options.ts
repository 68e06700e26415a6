import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

/**
 * Everything an operator can choose at deploy time, read from CDK context (`-c key=value` or cdk.json "context").
 * Values given with `-c` arrive as strings; values in cdk.json keep their JSON type. Both are accepted.
 * The README "Deploy" section documents every key read here.
 */
export interface PayoutsStackOptions {
  /** `prod` (default) keeps data safe; `dev` makes a throwaway stack that `cdk destroy` removes completely. */
  stage: 'prod' | 'dev';
  stackName: string;
  /** Physical names of tables to adopt instead of creating them (e.g. the seed's commercive_affiliates). */
  existingTables: { affiliates?: string; payouts?: string };
  auth: JwtSecretAuth | JwksAuth;
  /** Comma-separated list, passed to the code as CORS_ALLOWED_ORIGINS. */
  corsAllowedOrigins: string;
  /** Reserved concurrency for each function; undefined leaves the functions on the account's shared pool. */
  reservedConcurrency?: number;
  alarmEmail?: string;
  logRetention: RetentionDays;
  /** Business settings passed through to both functions' environment, only when the operator sets them. */
  businessEnv: Readonly<Record<string, string>>;
}

/** HS256: a secret in Secrets Manager, created by the stack or adopted by its complete ARN. */
export interface JwtSecretAuth {
  mode: 'secret';
  existingSecretArn?: string;
  issuer?: string;
  audience?: string;
}

/** Tokens from an identity provider, verified against its JWKS; no secret is created. */
export interface JwksAuth {
  mode: 'jwks';
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/** A context value the stack cannot use; the message names the key, never a secret. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Context keys the stack reads (the README lists the same). */
export const CONTEXT_KEYS = [
  'stage',
  'stackName',
  'existingAffiliatesTable',
  'existingPayoutsTable',
  'jwtSecretArn',
  'jwksUrl',
  'jwtIssuer',
  'jwtAudience',
  'corsAllowedOrigins',
  'reservedConcurrency',
  'alarmEmail',
  'logRetentionDays',
  'logLevel',
  'logSampleRate',
  'minimumPayoutCents',
  'tierMinimums',
  'maxPayoutCents',
  'idempotencyTtlSeconds',
  'affiliateCacheTtlSeconds',
] as const;

type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Context keys other tools write that are not ours (`cdk acknowledge` keeps its list in cdk.json context). */
const FOREIGN_KEYS: readonly string[] = ['acknowledged-issue-numbers'];

/** Context keys passed straight to the functions' environment (shared/config.ts validates them again at synth). */
const BUSINESS_ENV: ReadonlyArray<{ key: ContextKey; env: string; min: number }> = [
  { key: 'minimumPayoutCents', env: 'MINIMUM_PAYOUT_CENTS', min: 0 },
  { key: 'maxPayoutCents', env: 'MAX_PAYOUT_CENTS', min: 1 },
  { key: 'idempotencyTtlSeconds', env: 'IDEMPOTENCY_TTL_SECONDS', min: 1 },
  { key: 'affiliateCacheTtlSeconds', env: 'AFFILIATE_CACHE_TTL_SECONDS', min: 0 },
];

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/**
 * Reads and validates the stack's context, failing fast with the key's name.
 * @example const options = readOptions(app.node);
 */
export function readOptions(node: Node): PayoutsStackOptions {
  // A mistyped key (`-c stag=dev`) would silently deploy the defaults; feature flags ("@aws-cdk/…") and CDK's own
  // keys ("aws:cdk:…", lookups) all contain ':' or start with '@'.
  const unknown = Object.keys(node.getAllContext() as Record<string, unknown>).filter(
    (key) => !key.includes(':') && !key.startsWith('@') && !FOREIGN_KEYS.includes(key) && !(CONTEXT_KEYS as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    throw new ContextError(`Unknown context ${unknown.map((key) => `"${key}"`).join(', ')}; the stack reads ${CONTEXT_KEYS.join(', ')}.`);
  }
  const text = (key: ContextKey): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim() || undefined;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new ContextError(`Context "${key}" must be a string.`);
  };
  const integer = (key: ContextKey, min: number): number | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new ContextError(`Context "${key}" must be a whole number >= ${min}, got "${raw}".`);
    }
    return value;
  };

  const stageText = text('stage') ?? 'prod';
  if (stageText !== 'prod' && stageText !== 'dev') {
    throw new ContextError(`Context "stage" must be "prod" or "dev", got "${stageText}".`);
  }
  const stage: 'prod' | 'dev' = stageText;

  const stackName = text('stackName') ?? (stage === 'dev' ? 'AffiliatePayouts-dev' : 'AffiliatePayouts');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new ContextError(`Context "stackName" must be a CloudFormation stack name, got "${stackName}".`);
  }

  const existingTables = {
    ...optional('affiliates', tableName(text('existingAffiliatesTable'), 'existingAffiliatesTable')),
    ...optional('payouts', tableName(text('existingPayoutsTable'), 'existingPayoutsTable')),
  };

  const jwksUrl = text('jwksUrl');
  const issuer = text('jwtIssuer');
  const audience = text('jwtAudience');
  const secretArn = text('jwtSecretArn');
  let auth: JwtSecretAuth | JwksAuth;
  if (jwksUrl !== undefined) {
    if (!/^https:\/\/[^\s]+$/.test(jwksUrl)) throw new ContextError('Context "jwksUrl" must be an https:// URL.');
    if (issuer === undefined || audience === undefined) {
      throw new ContextError('Context "jwksUrl" needs "jwtIssuer" and "jwtAudience": provider tokens are pinned to both.');
    }
    if (secretArn !== undefined) throw new ContextError('Set either "jwksUrl" or "jwtSecretArn", not both.');
    auth = { mode: 'jwks', jwksUrl, issuer, audience };
  } else {
    if (secretArn !== undefined && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(secretArn)) {
      throw new ContextError('Context "jwtSecretArn" must be a secret\'s complete ARN (ending in -XXXXXX).');
    }
    auth = {
      mode: 'secret',
      ...optional('existingSecretArn', secretArn),
      ...optional('issuer', issuer),
      ...optional('audience', audience),
    };
  }

  const retentionDays = integer('logRetentionDays', 1) ?? (stage === 'dev' ? RetentionDays.ONE_WEEK : RetentionDays.THREE_MONTHS);
  const retentions = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number');
  if (!retentions.includes(retentionDays)) {
    throw new ContextError(`Context "logRetentionDays" must be one of ${retentions.join(', ')}, got ${retentionDays}.`);
  }

  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
    throw new ContextError('Context "alarmEmail" must be an e-mail address.');
  }

  const logLevel = text('logLevel') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ContextError(`Context "logLevel" must be one of ${LOG_LEVELS.join(', ')}.`);
  }

  const businessEnv: Record<string, string> = { LOG_LEVEL: logLevel };
  // A share from 0 to 1; shared/config.ts checks it when the stack runs it over the functions' environment.
  const logSampleRate = text('logSampleRate');
  if (logSampleRate !== undefined) businessEnv.LOG_SAMPLE_RATE = logSampleRate;
  for (const { key, env, min } of BUSINESS_ENV) {
    const value = integer(key, min);
    if (value !== undefined) businessEnv[env] = String(value);
  }
  const tiers: unknown = node.tryGetContext('tierMinimums');
  if (tiers !== undefined && tiers !== null && tiers !== '') {
    // cdk.json may hold the object itself; -c passes its JSON text. shared/config.ts checks the shape at synth.
    businessEnv.TIER_MINIMUMS_JSON = typeof tiers === 'string' ? tiers : JSON.stringify(tiers);
  }

  const reservedConcurrency = integer('reservedConcurrency', 1);
  return {
    stage,
    stackName,
    existingTables,
    auth,
    corsAllowedOrigins: text('corsAllowedOrigins') ?? '*',
    ...optional('reservedConcurrency', reservedConcurrency),
    ...optional('alarmEmail', alarmEmail),
    logRetention: retentionDays,
    businessEnv: Object.freeze(businessEnv),
  };
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
