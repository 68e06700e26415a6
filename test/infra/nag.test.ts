import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.ts';
import { synth } from './helpers.ts';

/** The findings this design accepts, by construct path (stack name stripped). A new one fails the test. */
/** CDK's singleton that copies the pages into the site bucket (lib/constructs/web-site.ts). */
const DEPLOY_HANDLER = 'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB';
const SITE = [
  'AwsSolutions-CFR1 @ Site/Distribution',
  'AwsSolutions-CFR2 @ Site/Distribution',
  'AwsSolutions-CFR3 @ Site/Distribution',
  'AwsSolutions-CFR4 @ Site/Distribution',
  'AwsSolutions-S1 @ Site/Bucket',
  `AwsSolutions-L1 @ ${DEPLOY_HANDLER}`,
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] @ ${DEPLOY_HANDLER}`,
  ...[
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::<SiteBucket978D4AEB.Arn>/*',
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
  ].map((evidence) => `AwsSolutions-IAM5[${evidence}] @ ${DEPLOY_HANDLER}`),
];
const sorted = (rules: string[]) => [...rules].sort((a, b) => a.localeCompare(b));
const ACCEPTED_PROD = sorted([
  'AwsSolutions-L1 @ AdminPayoutsApi/Function',
  'AwsSolutions-L1 @ PayoutsApi/Function',
  // Issue 13: the payout scheduler (nodejs22.x like the others) and the role its schedule invokes it with.
  'AwsSolutions-L1 @ PayoutScheduler/Function',
  'AwsSolutions-IAM5[Resource::<PayoutSchedulerFunction84416164.Arn>:*] @ PayoutScheduler/InvokerRole',
  'AwsSolutions-SMG4 @ JwtSecret',
  ...SITE,
]);
const ACCEPTED_DEV = sorted([
  'AwsSolutions-DDB3 @ Tables/Affiliates',
  'AwsSolutions-DDB3 @ Tables/Idempotency',
  'AwsSolutions-DDB3 @ Tables/Payouts',
  'AwsSolutions-DDB3 @ Tables/TaxYears',
  ...ACCEPTED_PROD,
]);

/** Every acknowledgement recorded in the tree, as "rule @ path" with its reason. */
function acknowledgements(root: IConstruct): Array<{ rule: string; reason: string }> {
  const found: Array<{ rule: string; reason: string }> = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const path = construct.node.path.split('/').slice(1).join('/');
        found.push({ rule: `${id.replace(/^(AwsSolutions|Annotation)::/, '')} @ ${path}`, reason });
      }
    }
  }
  return found.sort((a, b) => a.rule.localeCompare(b.rule));
}

function violations(outdir: string): unknown[] {
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ violations: unknown[] }>;
  };
  return report.pluginReports.flatMap((plugin) => plugin.violations);
}

describe('cdk-nag: AwsSolutions', () => {
  it.each([
    ['prod defaults', {}, ACCEPTED_PROD],
    ['stage=dev', { stage: 'dev' }, ACCEPTED_DEV],
    [
      'adopted seed tables',
      { existingAffiliatesTable: 'commercive_affiliates', existingPayoutsTable: 'commercive_payouts' },
      ACCEPTED_PROD,
    ],
    [
      'JWKS mode with every option',
      {
        jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
        jwtIssuer: 'https://auth.example.com/',
        jwtAudience: 'payouts',
        reservedConcurrency: 5,
        alarmEmail: 'ops@example.com',
      },
      [...ACCEPTED_PROD.filter((rule) => !rule.includes('SMG4')), 'AwsSolutions-SMG4 @ CursorSecret'],
    ],
  ] as const)(
    '%s: no unacknowledged finding of any severity; only the accepted ones, each with a reason',
    (_, context, accepted) => {
      // Act: synth throws on an unacknowledged error; warnings only land in the report, so read it too.
      // The prod case also runs CDK's CloudFormation schema validation, as `cdk synth` does.
      const s = synth(context, { cfnValidation: Object.keys(context).length === 0 });
      try {
        // Assess
        expect(violations(s.outdir)).toEqual([]);
        const acks = acknowledgements(s.stack);
        expect(acks.map((ack) => ack.rule)).toEqual(accepted);
        for (const ack of acks) expect(ack.reason.length, ack.rule).toBeGreaterThan(60);
      } finally {
        s.cleanup();
      }
    },
  );

  it('fails synthesis on a new finding', () => {
    // Prepare: the real app, plus a topic that lets publishers skip TLS
    const { app, stack } = createApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    new Topic(stack, 'Careless');

    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});
