import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.ts';
import { readOptions } from '../../lib/options.ts';
import { environmentOf, synth } from './helpers.ts';

const optionsFrom = (context: Record<string, unknown>) => readOptions(new App({ context }).node);

describe('Function: readOptions', () => {
  it('defaults to a prod stack named AffiliatePayouts, HS256 from a created secret, CORS *, 90-day logs', () => {
    // Act
    const options = optionsFrom({});

    // Assess
    expect(options).toEqual({
      stage: 'prod',
      stackName: 'AffiliatePayouts',
      existingTables: {},
      auth: { mode: 'secret' },
      corsAllowedOrigins: '*',
      logRetention: 90,
      functionEnv: { LOG_LEVEL: 'info' },
    });
  });

  it.each([
    [{ stage: 'staging' }, /"stage" must be "prod" or "dev"/],
    [
      { jwksUrl: 'https://idp.example.com/jwks.json', jwtIssuer: 'https://idp.example.com/' },
      /"jwksUrl", "jwtIssuer", "jwtAudience": the functions would refuse this configuration: JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE/,
    ],
    [
      { jwksUrl: 'http://idp.example.com/jwks.json', jwtIssuer: 'i', jwtAudience: 'a' },
      /"jwksUrl" must be an https:\/\/ URL/,
    ],
    [{ jwtSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt' }, /complete ARN/],
    [{ reservedConcurrency: '0' }, /"reservedConcurrency" must be a whole number >= 1/],
    [{ logRetentionDays: '45' }, /"logRetentionDays" must be one of/],
    [
      { minimumPayoutCents: '12.5' },
      /"minimumPayoutCents": the functions would refuse this configuration: Invalid environment variable MINIMUM_PAYOUT_CENTS/,
    ],
    [{ alarmEmail: 'ops' }, /"alarmEmail" must be an e-mail address/],
    [
      { logLevel: 'verbose' },
      /"logLevel": the functions would refuse this configuration: Invalid environment variable LOG_LEVEL/,
    ],
    [{ existingPayoutsTable: 'bad name' }, /"existingPayoutsTable" must be a DynamoDB table name/],
    [{ stag: 'dev' }, /Unknown context "stag"/],
  ])('refuses %j, naming the key', (context, message) => {
    expect(() => optionsFrom(context)).toThrow(message);
  });

  it('accepts -c strings and cdk.json JSON values alike', () => {
    expect(optionsFrom({ reservedConcurrency: '3', logRetentionDays: '14' })).toMatchObject({
      reservedConcurrency: 3,
      logRetention: 14,
    });
    expect(optionsFrom({ reservedConcurrency: 3, logRetentionDays: 14 })).toMatchObject({
      reservedConcurrency: 3,
      logRetention: 14,
    });
    expect(optionsFrom({ tierMinimums: { gold: 100 } }).functionEnv.TIER_MINIMUMS_JSON).toBe('{"gold":100}');
    expect(optionsFrom({ tierMinimums: '{"gold":100}' }).functionEnv.TIER_MINIMUMS_JSON).toBe('{"gold":100}');
  });
});

describe('Stack: business settings reach the functions under the names shared/config.ts reads', () => {
  it('parses each function environment into the configured Config', () => {
    // Prepare
    const s = synth({
      corsAllowedOrigins: 'https://dashboard.example.com,https://admin.example.com',
      minimumPayoutCents: '2500',
      tierMinimums: '{"gold":7500}',
      maxPayoutCents: 500000,
      idempotencyTtlSeconds: '3600',
      affiliateCacheTtlSeconds: '0',
      logLevel: 'debug',
      jwtIssuer: 'https://auth.example.com/',
      jwtAudience: 'payouts',
    });
    try {
      for (const fn of [s.stack.payouts.function, s.stack.admin.function]) {
        // Act: what the function's cold start would parse (tokens replaced by what CloudFormation resolves them to)
        const env = Object.fromEntries(
          Object.entries(environmentOf(s.template, s.id(fn))).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : resolved(key, value),
          ]),
        );
        const config = loadConfig(env);

        // Assess
        expect(config).toMatchObject({
          corsAllowedOrigins: [
            'https://dashboard.example.com',
            'https://admin.example.com',
            'https://resolved.cloudfront.net',
          ],
          defaultMinimumPayout: 2500,
          tierMinimums: { gold: 7500 },
          maxPayout: 500000,
          idempotencyTtlSeconds: 3600,
          affiliateCacheTtlMs: 0,
          logLevel: 'debug',
          auth: {
            mode: 'hs256-secret-arn',
            secretArn: 'resolved-JWT_SECRET_ARN',
            issuer: 'https://auth.example.com/',
            audience: 'payouts',
          },
          tables: { affiliates: 'resolved-AFFILIATES_TABLE', payouts: 'resolved-PAYOUTS_TABLE' },
        });
      }
    } finally {
      s.cleanup();
    }
  });

  it('fails synth when the functions would refuse the configuration', () => {
    expect(() => synth({ tierMinimums: '{"gold":-1}' })).toThrow(
      /functions would refuse this configuration: TIER_MINIMUMS_JSON/,
    );
  });
});

/** What CloudFormation resolves a token to, roughly: a join of its parts, the CloudFront domain, or a placeholder. */
function resolved(key: string, value: unknown): string {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return `resolved-${key}`;
  return join[1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : JSON.stringify(part).includes('DomainName')
          ? 'resolved.cloudfront.net'
          : `resolved-${key}`,
    )
    .join(join[0]);
}
