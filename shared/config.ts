import * as z from 'zod';
import { DEFAULT_TABLE_NAMES, type TableNames } from './store/dynamodb/tables.ts';

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

const cents = z.coerce.number().int().nonnegative();
const csv = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

/** How tokens are verified: a shared HS256 secret, a secret held in Secrets Manager, or a provider's JWKS. */
export type AuthConfig =
  | { mode: 'hs256'; secret: string; issuer?: string; audience?: string }
  | { mode: 'hs256-secret-arn'; secretArn: string; issuer?: string; audience?: string }
  | { mode: 'jwks'; jwksUrl: string; issuer: string; audience: string };

const envSchema = z.object({
  AFFILIATES_TABLE: z.string().min(1).default(DEFAULT_TABLE_NAMES.affiliates),
  PAYOUTS_TABLE: z.string().min(1).default(DEFAULT_TABLE_NAMES.payouts),
  IDEMPOTENCY_TABLE: z.string().min(1).default(DEFAULT_TABLE_NAMES.idempotency),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  JWT_SECRET: z.string().optional(),
  JWT_SECRET_ARN: z.string().min(1).optional(),
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  CORS_ALLOWED_ORIGINS: csv.default(['*']),
  MINIMUM_PAYOUT_CENTS: cents.default(1_000),
  TIER_MINIMUMS_JSON: z.string().optional(),
  MAX_PAYOUT_CENTS: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).default(10_000_000),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  AFFILIATE_CACHE_TTL_SECONDS: z.coerce.number().int().nonnegative().default(60),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export interface Config {
  tables: TableNames;
  dynamoDbEndpoint?: string;
  region: string;
  auth: AuthConfig;
  corsAllowedOrigins: string[];
  /** Minimum payout in cents for an affiliate whose tier has no entry in tierMinimums. */
  defaultMinimumPayout: number;
  tierMinimums: Readonly<Record<string, number>>;
  /** Largest amount one payout request may ask for, in cents. */
  maxPayout: number;
  idempotencyTtlSeconds: number;
  affiliateCacheTtlMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
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

/** Refuses a JWT secret shorter than 32 bytes; the message names the variable, never the value. */
export function assertStrongSecret(secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes long.`);
  }
}

function parseTierMinimums(json: string | undefined): Readonly<Record<string, number>> {
  if (json === undefined) return DEFAULT_TIER_MINIMUMS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError('TIER_MINIMUMS_JSON must be JSON, e.g. {"tier1":5000}.');
  }
  const result = z.record(z.string(), z.number().int().nonnegative()).safeParse(parsed);
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
  return Object.freeze({
    tables: { affiliates: env.AFFILIATES_TABLE, payouts: env.PAYOUTS_TABLE, idempotency: env.IDEMPOTENCY_TABLE },
    ...(env.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    region: env.AWS_REGION,
    auth: parseAuth(env),
    corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS,
    defaultMinimumPayout: env.MINIMUM_PAYOUT_CENTS,
    tierMinimums: parseTierMinimums(env.TIER_MINIMUMS_JSON),
    maxPayout: env.MAX_PAYOUT_CENTS,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    affiliateCacheTtlMs: env.AFFILIATE_CACHE_TTL_SECONDS * 1000,
    logLevel: env.LOG_LEVEL,
  });
}
