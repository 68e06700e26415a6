import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_DELIVERIES } from '../../shared/store/dynamodb/notify-tables.ts';
import { allowedPairs, environmentOf, synth, type Synthesized } from './helpers.ts';

/** The stack with notifications on (context mailFrom), provider payments too, synthesized with cdk-nag attached. */
describe('Notifications in the stack (context mailFrom=payouts@example.com)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ mailFrom: 'payouts@example.com', opsEmail: 'ops@example.com', payoutProviders: 'stripe,paypal' });
  });
  afterAll(() => s.cleanup());
  const n = () => s.stack.notifications!;
  const mappingsOf = (fnId: string) =>
    Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping'))
      .map((mapping) => mapping.Properties)
      .filter((props) => props.FunctionName.Ref === fnId);

  it('is cdk-nag clean: no finding in the report, of any severity', () => {
    const report = JSON.parse(readFileSync(join(s.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('streams the payouts table (NEW_AND_OLD_IMAGES), failed attempts, changed destinations and flagged provider events into the notifier: bisect, retries, partial failures, DLQ', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'payout_id', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'affiliate_id', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'event_key', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    const mappings = mappingsOf(s.id(n().notifier));
    expect(mappings).toHaveLength(4);
    for (const props of mappings) {
      expect(props).toMatchObject({
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 8,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [s.id(n().deadLetters), 'Arn'] } } },
      });
    }
    const patterns = mappings.map((props) =>
      (props.FilterCriteria.Filters as { Pattern: string }[]).map((filter) => JSON.parse(filter.Pattern)),
    );
    expect(patterns).toContainEqual([{ eventName: ['INSERT'] }, { eventName: ['MODIFY'] }]);
    expect(patterns).toContainEqual([
      { eventName: ['MODIFY'], dynamodb: { NewImage: { status: { S: ['failed'] } } } },
      { eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['failed'] } } } },
    ]);
    expect(patterns).toContainEqual([
      { eventName: ['MODIFY'], dynamodb: { NewImage: { destination_changed_at: { S: [{ exists: true }] } } } },
    ]);
    expect(patterns).toContainEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { flagged: { S: ['yes'] } } } }]);
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [s.id(n().deadLetters), 'QueueName'] } }],
    });
  });

  it('the deliveries table has the endpoint index and the sparse due index; the retrier runs every minute', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: WEBHOOK_DELIVERIES.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: WEBHOOK_DELIVERIES.endpointIndex.name }),
        Match.objectLike({
          IndexName: WEBHOOK_DELIVERIES.dueIndex.name,
          KeySchema: [
            { AttributeName: 'retry_due', KeyType: 'HASH' },
            { AttributeName: 'next_attempt_at', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [s.id(n().retrier), 'Arn'] },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 1 }),
      }),
    });
  });

  it('SES: ses:SendEmail only, on the MAIL_FROM identity (address or its domain), with ses:FromAddress pinned', () => {
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy'));
    const sesStatements = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>).filter((statement) =>
        [statement.Action].flat().some((action) => String(action).startsWith('ses:')),
      ),
    );
    expect(sesStatements.length).toBe(3); // notifier, retrier, admin
    for (const statement of sesStatements) {
      expect(statement.Action).toBe('ses:SendEmail');
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'payouts@example.com' } });
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toContain(':identity/payouts@example.com');
      expect(resources).toContain(':identity/example.com');
      expect(resources).not.toContain('*');
    }
  });

  it('least privilege: the retrier queries only the due index and never scans; the notifier gets no Scan either', () => {
    const retrier = allowedPairs(s.template, s.id(n().retrier.role!));
    expect(retrier.filter((pair) => pair.startsWith('dynamodb:Query'))).toEqual([
      expect.stringContaining(`index/${WEBHOOK_DELIVERIES.dueIndex.name}`),
    ]);
    for (const role of [n().retrier.role!, n().notifier.role!]) {
      expect(allowedPairs(s.template, s.id(role)).some((pair) => pair.includes('Scan'))).toBe(false);
    }
  });

  it('the admin function gets the tables and settings; AWS mode refuses local webhooks', () => {
    const env = environmentOf(s.template, s.id(s.stack.admin.function));
    expect(env).toMatchObject({
      MAIL_FROM: 'payouts@example.com',
      OPS_EMAIL: 'ops@example.com',
      ALLOW_LOCAL_WEBHOOKS: 'false',
    });
    expect(env).toHaveProperty('WEBHOOK_ENDPOINTS_TABLE');
    expect(env).not.toHaveProperty('SES_ENDPOINT');
  });

  it('is off without mailFrom; a bad address fails synth naming it', () => {
    const plain = synth({});
    try {
      expect(plain.stack.notifications).toBeUndefined();
    } finally {
      plain.cleanup();
    }
    expect(() => synth({ mailFrom: 'not-an-address' })).toThrow(/MAIL_FROM/);
  });
});
