import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPTS } from '../../shared/store/dynamodb/provider-tables.ts';
import { allowedPairs, arnOf, environmentOf, pairs, synth, type Synthesized } from './helpers.ts';

/** The stack with provider payments on (context payoutProviders), synthesized with cdk-nag attached and bundles built. */
describe('Provider payments in the stack (context payoutProviders=stripe,paypal)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ payoutProviders: 'stripe,paypal' }, { bundle: true });
  });
  afterAll(() => s.cleanup());
  const p = () => s.stack.providers!;

  it('is cdk-nag clean: synthesis passed with the AwsSolutions pack, and the report holds no warning either', () => {
    const report = JSON.parse(readFileSync(join(s.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('is off by default: no provider functions, tables or secret, and the admin function unchanged', () => {
    const plain = synth({});
    try {
      expect(plain.stack.providers).toBeUndefined();
      expect(environmentOf(plain.template, plain.id(plain.stack.admin.function))).not.toHaveProperty(
        'PAYOUT_PROVIDERS',
      );
    } finally {
      plain.cleanup();
    }
  });

  it('streams the attempts table into the sender: queued attempts only, bisect, 5 retries, partial failures, SQS DLQ', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'payout_id', KeyType: 'HASH' },
        { AttributeName: 'attempt', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: ATTEMPTS.openIndex.name })]),
    });
    const mappings = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    const props = mappings[0]!.Properties;
    expect(props).toMatchObject({
      FunctionName: { Ref: s.id(p().sender) },
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: arnOf(s.id(p().deadLetters)) } },
    });
    const patterns = (props.FilterCriteria.Filters as { Pattern: string }[]).map((filter) =>
      JSON.parse(filter.Pattern),
    );
    expect(patterns).toEqual([
      { eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['queued'] } } } },
      { eventName: ['MODIFY'], dynamodb: { NewImage: { status: { S: ['queued'] } } } },
    ]);
  });

  it('alarms on the dead-letter queue, on provider errors on our side and flagged events, and on function errors', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
    expect(
      alarms.some(
        (alarm) =>
          alarm.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(alarm.Dimensions).includes(s.id(p().deadLetters)),
      ),
    ).toBe(true);
    expect(
      alarms.filter((alarm) => alarm.MetricName === 'PROVIDER_OURS' || alarm.MetricName === 'PROVIDER_FLAG'),
    ).toHaveLength(2);
    const filters = Object.values(s.template.findResources('AWS::Logs::MetricFilter')).map(
      (filter) => filter.Properties.FilterPattern,
    );
    expect(filters).toContain('{ $.alarm = "PROVIDER_OURS" }');
  });

  it('runs the sweeper every 5 minutes through EventBridge Scheduler with explicit, bounded retries', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: {
        Arn: arnOf(s.id(p().sweeper)),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
      },
    });
  });

  it('gives the webhooks function a Function URL; the sender and the sweeper have none', () => {
    const urls = Object.values(s.template.findResources('AWS::Lambda::Url')).map((url) =>
      JSON.stringify(url.Properties.TargetFunctionArn),
    );
    expect(urls.some((target) => target.includes(s.id(p().webhooks)))).toBe(true);
    expect(urls.some((target) => target.includes(s.id(p().sender)) || target.includes(s.id(p().sweeper)))).toBe(false);
    s.template.hasOutput('ProviderWebhooksUrl', {});
  });

  it('keeps credentials in one Secrets Manager secret: only its ARN in the environment, no value in the template', () => {
    const template = JSON.stringify(s.template.toJSON());
    expect(template).not.toMatch(/sk_(test|live)_|whsec_/);
    for (const fn of [p().sender, p().webhooks, p().sweeper]) {
      const env = environmentOf(s.template, s.id(fn));
      expect(env.PROVIDER_SECRET_ARN).toEqual({ Ref: s.id(p().secret) });
      expect(Object.keys(env).filter((key) => /SECRET_KEY|CLIENT_SECRET|WEBHOOK_SECRET/.test(key))).toEqual([]);
    }
    const admin = environmentOf(s.template, s.id(s.stack.admin.function));
    expect(admin).toMatchObject({ PAYOUT_PROVIDERS: 'stripe,paypal', ATTEMPTS_TABLE: { Ref: s.id(p().attempts) } });
    expect(admin).not.toHaveProperty('PROVIDER_SECRET_ARN');
  });

  it('least privilege: the webhooks function gets item actions on five tables and the one secret, nothing else', () => {
    const role = s.id(p().webhooks.role!);
    const logs = s.id(p().webhooks.logGroup);
    expect(allowedPairs(s.template, role)).toEqual(
      [
        ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], arnOf(logs)),
        ...pairs(['dynamodb:GetItem', 'dynamodb:UpdateItem'], arnOf(s.id(s.stack.tables.payouts.table))),
        ...pairs(['dynamodb:UpdateItem'], arnOf(s.id(s.stack.tables.affiliates.table))),
        // A completion claims the year's next receipt number and adds to the year's totals (the one move).
        ...pairs(['dynamodb:GetItem', 'dynamodb:UpdateItem'], arnOf(s.id(s.stack.tables.taxYears.table))),
        ...pairs(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], arnOf(s.id(p().attempts))),
        ...pairs(['dynamodb:GetItem', 'dynamodb:PutItem'], arnOf(s.id(p().events))),
        ...pairs(['secretsmanager:GetSecretValue'], { Ref: s.id(p().secret) }),
      ].sort(),
    );
    const admin = allowedPairs(s.template, s.id(s.stack.admin.role));
    expect(admin).not.toContain(`secretsmanager:GetSecretValue ${JSON.stringify({ Ref: s.id(p().secret) })}`);
    expect(admin).toEqual(
      expect.arrayContaining(pairs(['dynamodb:PutItem', 'dynamodb:Query'], arnOf(s.id(p().attempts)))),
    );
  });

  it('bundles the Stripe SDK into the sender, webhooks and sweeper only, never into the payouts or admin functions', () => {
    const bundle = (fnId: string) => {
      const code = s.template.toJSON().Resources[fnId].Properties.Code as { S3Key: string };
      const file = join(s.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(file)).toBe(true);
      return readFileSync(file, 'utf8');
    };
    // A string only the stripe package holds.
    const marker = 'api.stripe.com';
    for (const fn of [p().sender, p().webhooks, p().sweeper]) expect(bundle(s.id(fn))).toContain(marker);
    for (const fn of [s.stack.payouts.function, s.stack.admin.function]) expect(bundle(s.id(fn))).not.toContain(marker);
  });
});
