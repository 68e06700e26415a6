import * as z from 'zod/mini';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import { DEFAULT_TABLE_NAMES, type TableNames } from './store/dynamodb/tables.ts';
import { DEFAULT_METRICS_NAMESPACE } from './telemetry.ts';

// Our schemas parse small objects a few times per request: zod's JIT (a `new Function` compiled on each
// schema's first parse) costs more at cold start than it ever saves.
z.config({ jitless: true });

/** The seed's tier thresholds, in cents. An affiliate with no tier, or a tier not listed, gets the default minimum. */
export const DEFAULT_TIER_MINIMUMS: Readonly<Record<string, number>> = Object.freeze({
  tier1: 5_000,
  tier2: 10_000,
  tier3: 100_000,
  tier4: 20_000,
});

/** The largest single payout request by default: $100,000. */
export const DEFAULT_MAX_PAYOUT_CENTS = 10_000_000;

// zod/mini loads no locale: every check an operator can trip carries the text classic zod's English locale gave
// it, so a misconfigured function still says what is wrong with which variable.
const nonEmpty = z.string().check(z.minLength(1, { error: 'Too small: expected string to have >=1 characters' }));
const url = z.url({ error: 'Invalid URL' });

/** A whole number from a string (safe integers only), `> 0` or `>= 0`. */
const wholeNumber = (sign: 'positive' | 'nonnegative') =>
  z.coerce.number({ error: (issue) => `Invalid input: expected number, received ${String(issue.input)}` }).check(
    z.int({
      error: (issue) =>
        issue.code === 'too_big'
          ? `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`
          : issue.code === 'too_small'
            ? `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`
            : 'Invalid input: expected int, received number',
    }),
    sign === 'positive'
      ? z.positive({ error: 'Too small: expected number to be >0' })
      : z.nonnegative({ error: 'Too small: expected number to be >=0' }),
  );

const csv = z.pipe(
  z.string(),
  z.transform((value: string) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ),
);

/** How tokens are verified: a shared HS256 secret, a secret held in Secrets Manager, or a provider's JWKS. */
export type AuthConfig =
  | { mode: 'hs256'; secret: string; issuer?: string; audience?: string }
  | { mode: 'hs256-secret-arn'; secretArn: string; issuer?: string; audience?: string }
  | { mode: 'jwks'; jwksUrl: string; issuer: string; audience: string };

/**
 * The IRS reporting threshold for Form 1099-NEC (IRC §6041(a)): $2,000 for payments made after 2025 (One Big
 * Beautiful Bill Act, P.L. 119-21 §70433; it was $600 before, and is indexed for inflation from 2027).
 */
export const DEFAULT_TAX_FORM_THRESHOLD_CENTS = 200_000;

const envSchema = z.object({
  AFFILIATES_TABLE: z._default(nonEmpty, DEFAULT_TABLE_NAMES.affiliates),
  PAYOUTS_TABLE: z._default(nonEmpty, DEFAULT_TABLE_NAMES.payouts),
  IDEMPOTENCY_TABLE: z._default(nonEmpty, DEFAULT_TABLE_NAMES.idempotency),
  DYNAMODB_ENDPOINT: z.optional(url),
  AWS_REGION: z._default(nonEmpty, 'us-east-1'),
  JWT_SECRET: z.optional(z.string()),
  JWT_SECRET_ARN: z.optional(nonEmpty),
  JWKS_URL: z.optional(url),
  JWT_ISSUER: z.optional(nonEmpty),
  JWT_AUDIENCE: z.optional(nonEmpty),
  CURSOR_SECRET: z.optional(z.string()),
  CURSOR_SECRET_ARN: z.optional(nonEmpty),
  CORS_ALLOWED_ORIGINS: z._default(csv, ['*']),
  MINIMUM_PAYOUT_CENTS: z._default(wholeNumber('nonnegative'), 1_000),
  TIER_MINIMUMS_JSON: z.optional(z.string()),
  MAX_PAYOUT_CENTS: z._default(
    wholeNumber('positive').check(
      z.maximum(Number.MAX_SAFE_INTEGER, { error: `Too big: expected number to be <=${Number.MAX_SAFE_INTEGER}` }),
    ),
    DEFAULT_MAX_PAYOUT_CENTS,
  ),
  IDEMPOTENCY_TTL_SECONDS: z._default(wholeNumber('positive'), 86_400),
  AFFILIATE_CACHE_TTL_SECONDS: z._default(wholeNumber('nonnegative'), 60),
  TAX_FORM_THRESHOLD_CENTS: z._default(wholeNumber('positive'), DEFAULT_TAX_FORM_THRESHOLD_CENTS),
  RECEIPT_ISSUER_NAME: z._default(nonEmpty, 'Commercive'),
  RECEIPT_ISSUER_ADDRESS: z._default(z.string(), ''),
  TAX_YEARS_TABLE: z._default(nonEmpty, DEFAULT_TABLE_NAMES.taxYears),
  LOG_LEVEL: z._default(
    z.enum(LOG_LEVELS, {
      error: `Invalid option: expected one of ${LOG_LEVELS.map((level) => `"${level}"`).join('|')}`,
    }),
    'info',
  ),
  LOG_SAMPLE_RATE: z._default(
    z.coerce
      .number({ error: (issue) => `Invalid input: expected number, received ${String(issue.input)}` })
      .check(
        z.minimum(0, { error: 'Too small: expected number to be >=0' }),
        z.maximum(1, { error: 'Too big: expected number to be <=1' }),
      ),
    0,
  ),
  METRICS_ENABLED: z._default(
    z.pipe(
      z.enum(['true', 'false'], { error: 'Invalid option: expected one of "true"|"false"' }),
      z.transform((value: 'true' | 'false') => value === 'true'),
    ),
    true,
  ),
  // Issue 13: the cool-down a changed payout destination starts, and how many affiliates a scheduler run requests at once.
  PAYOUT_METHOD_COOLDOWN_HOURS: z._default(wholeNumber('nonnegative'), 48),
  SCHEDULER_CONCURRENCY: z._default(wholeNumber('positive'), 8),
  METRICS_NAMESPACE: z._default(
    nonEmpty.check(
      z.regex(/^[\w.#:/-]{1,255}$/, { error: 'Invalid string: a CloudWatch namespace (letters, digits, . - _ / # :)' }),
    ),
    DEFAULT_METRICS_NAMESPACE,
  ),
});

export interface Config {
  tables: TableNames;
  dynamoDbEndpoint?: string;
  region: string;
  auth: AuthConfig;
  /** What pagination cursors are signed with when not the JWT secret (required with JWKS, which has none). */
  cursorSecret?: { kind: 'value'; value: string } | { kind: 'arn'; arn: string };
  corsAllowedOrigins: string[];
  /** Minimum payout in cents for an affiliate whose tier has no entry in tierMinimums. */
  defaultMinimumPayout: number;
  tierMinimums: Readonly<Record<string, number>>;
  /** Largest amount one payout request may ask for, in cents. */
  maxPayout: number;
  idempotencyTtlSeconds: number;
  affiliateCacheTtlMs: number;
  /** Paid this year + pending above this, in cents, needs a tax form on file; also the 1099-NEC threshold. */
  taxFormThreshold: number;
  /** Who issues the receipts: the operator's name and address lines (RECEIPT_ISSUER_ADDRESS, lines split on ';'). */
  receiptIssuer: { name: string; address: string[] };
  logLevel: LogLevel;
  /** Share of invocations (0 to 1) logged at debug level whatever logLevel says. */
  logSampleRate: number;
  /** Off: business metrics are not written (the local server, tests). */
  metricsEnabled: boolean;
  /** CloudWatch namespace of the business metrics (the stack sets its own name). */
  metricsNamespace: string;
  /** Hours a changed payout destination holds payout requests back (0: no cool-down). */
  cooldownHours: number;
  /** Affiliates a scheduler run requests at the same time. */
  schedulerConcurrency: number;
}

/** Thrown at cold start when the environment is wrong: the function refuses to serve rather than run misconfigured. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** HS256 needs a key at least as long as the hash (RFC 7518 §3.2): 32 bytes. */
export const MIN_SECRET_BYTES = 32;

function parseAuth(env: z.infer<typeof envSchema>): AuthConfig {
  const optionalClaims = {
    ...(env.JWT_ISSUER ? { issuer: env.JWT_ISSUER } : {}),
    ...(env.JWT_AUDIENCE ? { audience: env.JWT_AUDIENCE } : {}),
  };
  if (env.JWKS_URL) {
    if (!env.JWT_ISSUER || !env.JWT_AUDIENCE) {
      throw new ConfigError('JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE: tokens from a provider are pinned to both.');
    }
    return { mode: 'jwks', jwksUrl: env.JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
  }
  if (env.JWT_SECRET_ARN) return { mode: 'hs256-secret-arn', secretArn: env.JWT_SECRET_ARN, ...optionalClaims };
  if (env.JWT_SECRET === undefined) {
    throw new ConfigError('Set JWT_SECRET (HS256), JWT_SECRET_ARN (HS256 from Secrets Manager) or JWKS_URL.');
  }
  assertStrongSecret(env.JWT_SECRET);
  return { mode: 'hs256', secret: env.JWT_SECRET, ...optionalClaims };
}

/** Refuses a secret shorter than 32 bytes; the message names the variable, never the value. */
export function assertStrongSecret(secret: string, name = 'JWT_SECRET'): void {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`${name} must be at least ${MIN_SECRET_BYTES} bytes long.`);
  }
}

function parseCursorSecret(env: z.infer<typeof envSchema>, auth: AuthConfig): Config['cursorSecret'] {
  if (env.CURSOR_SECRET !== undefined) {
    assertStrongSecret(env.CURSOR_SECRET, 'CURSOR_SECRET');
    return { kind: 'value', value: env.CURSOR_SECRET };
  }
  if (env.CURSOR_SECRET_ARN) return { kind: 'arn', arn: env.CURSOR_SECRET_ARN };
  if (auth.mode === 'jwks') {
    throw new ConfigError(
      'JWKS_URL needs CURSOR_SECRET or CURSOR_SECRET_ARN: pagination cursors are signed with a secret of ours.',
    );
  }
  return undefined;
}

function parseTierMinimums(json: string | undefined): Readonly<Record<string, number>> {
  if (json === undefined) return DEFAULT_TIER_MINIMUMS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError('TIER_MINIMUMS_JSON must be JSON, e.g. {"tier1":5000}.');
  }
  const result = z.record(z.string(), z.int().check(z.nonnegative())).safeParse(parsed);
  if (!result.success) throw new ConfigError('TIER_MINIMUMS_JSON must map tier names to whole cents.');
  return Object.freeze({ ...result.data });
}

/**
 * Parses the environment once into a frozen Config, failing fast with the variable's name.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`Invalid environment variable ${String(issue?.path[0] ?? '')}: ${issue?.message ?? ''}`);
  }
  const env = result.data;
  const auth = parseAuth(env);
  const cursorSecret = parseCursorSecret(env, auth);
  return Object.freeze({
    tables: {
      affiliates: env.AFFILIATES_TABLE,
      payouts: env.PAYOUTS_TABLE,
      idempotency: env.IDEMPOTENCY_TABLE,
      taxYears: env.TAX_YEARS_TABLE,
    },
    ...(env.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    region: env.AWS_REGION,
    auth,
    ...(cursorSecret ? { cursorSecret } : {}),
    corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS,
    defaultMinimumPayout: env.MINIMUM_PAYOUT_CENTS,
    tierMinimums: parseTierMinimums(env.TIER_MINIMUMS_JSON),
    maxPayout: env.MAX_PAYOUT_CENTS,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    affiliateCacheTtlMs: env.AFFILIATE_CACHE_TTL_SECONDS * 1000,
    taxFormThreshold: env.TAX_FORM_THRESHOLD_CENTS,
    receiptIssuer: {
      name: env.RECEIPT_ISSUER_NAME,
      address: env.RECEIPT_ISSUER_ADDRESS.split(';')
        .map((line) => line.trim())
        .filter(Boolean),
    },
    logLevel: env.LOG_LEVEL,
    logSampleRate: env.LOG_SAMPLE_RATE,
    metricsEnabled: env.METRICS_ENABLED,
    metricsNamespace: env.METRICS_NAMESPACE,
    cooldownHours: env.PAYOUT_METHOD_COOLDOWN_HOURS,
    schedulerConcurrency: env.SCHEDULER_CONCURRENCY,
  });
}
