import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_TIER_MINIMUMS, loadConfig } from '../../shared/config.ts';

const SECRET = 'x'.repeat(32);

describe('Function: loadConfig', () => {
  it('uses the seed table names, the default minimum and the seed tiers by default', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config.tables).toEqual({
      affiliates: 'commercive_affiliates',
      payouts: 'commercive_payouts',
      idempotency: 'commercive_payout_idempotency',
      taxYears: 'commercive_payout_tax_years',
    });
    expect(config.taxFormThreshold).toBe(200_000);
    expect(config.receiptIssuer).toEqual({ name: 'Commercive', address: [] });
    expect(config.defaultMinimumPayout).toBe(1_000);
    expect(config.tierMinimums).toEqual(DEFAULT_TIER_MINIMUMS);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses a JWT secret shorter than 32 bytes, naming the variable and not the value', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short-secret' })).toThrow(/JWT_SECRET must be at least 32 bytes/);
    expect(() => loadConfig({ JWT_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('refuses to start with no way to verify tokens', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
  });

  it('needs issuer and audience in JWKS mode', () => {
    expect(() => loadConfig({ JWKS_URL: 'https://issuer.example/.well-known/jwks.json' })).toThrow(
      /JWT_ISSUER and JWT_AUDIENCE/,
    );
    const jwks = {
      JWKS_URL: 'https://issuer.example/jwks',
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'dashboard',
    };
    const config = loadConfig({ ...jwks, CURSOR_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:cursor' });
    expect(config.auth).toEqual({
      mode: 'jwks',
      jwksUrl: 'https://issuer.example/jwks',
      issuer: 'https://issuer.example',
      audience: 'dashboard',
    });
    expect(config.cursorSecret).toEqual({ kind: 'arn', arn: 'arn:aws:secretsmanager:us-east-1:1:secret:cursor' });
  });

  it('needs a secret of ours to sign cursors with in JWKS mode, and a strong one', () => {
    const jwks = {
      JWKS_URL: 'https://issuer.example/jwks',
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'dashboard',
    };
    expect(() => loadConfig(jwks)).toThrow(/CURSOR_SECRET or CURSOR_SECRET_ARN/);
    expect(() => loadConfig({ ...jwks, CURSOR_SECRET: 'short' })).toThrow(/CURSOR_SECRET must be at least 32 bytes/);
    expect(loadConfig({ ...jwks, CURSOR_SECRET: SECRET }).cursorSecret).toEqual({ kind: 'value', value: SECRET });
    expect(loadConfig({ JWT_SECRET: SECRET }).cursorSecret).toBeUndefined();
  });

  it('reads the secret from Secrets Manager when only its ARN is given', () => {
    const config = loadConfig({ JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt' });
    expect(config.auth).toEqual({
      mode: 'hs256-secret-arn',
      secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
    });
  });

  it('parses tier minimums and the default minimum from the environment', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, TIER_MINIMUMS_JSON: '{"gold":250}', MINIMUM_PAYOUT_CENTS: '700' });
    expect(config.tierMinimums).toEqual({ gold: 250 });
    expect(config.defaultMinimumPayout).toBe(700);
  });

  it.each([['{"gold":2.5}'], ['not json'], ['{"gold":-1}']])('refuses TIER_MINIMUMS_JSON=%s', (json) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, TIER_MINIMUMS_JSON: json })).toThrow(/TIER_MINIMUMS_JSON/);
  });

  it('reads the log sampling rate (0 to 1) and the metrics namespace, with defaults', () => {
    expect(loadConfig({ JWT_SECRET: SECRET })).toMatchObject({
      logSampleRate: 0,
      metricsEnabled: true,
      metricsNamespace: 'AffiliatePayouts',
    });
    expect(
      loadConfig({
        JWT_SECRET: SECRET,
        LOG_SAMPLE_RATE: '0.05',
        METRICS_ENABLED: 'false',
        METRICS_NAMESPACE: 'AffiliatePayouts-dev',
      }),
    ).toMatchObject({ logSampleRate: 0.05, metricsEnabled: false, metricsNamespace: 'AffiliatePayouts-dev' });
  });

  it.each([
    ['LOG_SAMPLE_RATE', '1.5'],
    ['LOG_SAMPLE_RATE', '-0.1'],
    ['LOG_SAMPLE_RATE', 'often'],
    ['METRICS_NAMESPACE', 'has spaces'],
    ['METRICS_ENABLED', 'yes'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, [name]: value })).toThrow(
      new RegExp(`Invalid environment variable ${name}`),
    );
  });

  it('splits CORS origins', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example' })
        .corsAllowedOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, MAX_PAYOUT_CENTS: 'lots' })).toThrow(/MAX_PAYOUT_CENTS/);
  });
});
