import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_RATE } from '../../lib/constructs/operational-alarms.ts';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS } from '../../shared/store/dynamodb/tables.ts';
import { SERVICES } from '../../shared/telemetry.ts';
import {
  allowedPairs,
  arnOf,
  environmentOf,
  indexArnOf,
  pairs,
  synth,
  type Statement,
  type Synthesized,
} from './helpers.ts';

/** Leaves out CDK's page deployment handler (BucketDeployment's singleton function, its role and policy). */
const apiFunctions = <T>(resources: Record<string, T>) =>
  Object.fromEntries(Object.entries(resources).filter(([id]) => !id.startsWith('CustomCDKBucketDeployment')));
/**
 * Also leaves out the role EventBridge Scheduler assumes to invoke the payout scheduler (issue 13): CDK grants it
 * lambda:InvokeFunction on the function's ARN and `arn:*` (its versions), acknowledged in cdk-nag; it can invoke
 * nothing else (test/infra/scheduler.test.ts).
 */
const ownPolicies = <T>(resources: Record<string, T>) =>
  Object.fromEntries(
    Object.entries(apiFunctions(resources)).filter(([id]) => !id.startsWith('PayoutSchedulerInvokerRole')),
  );

/** Template assertions for the default (prod, HS256 secret, tables created) stack, one block per issue bullet. */
describe('Stack: PayoutsStack (prod defaults)', () => {
  let s: Synthesized;
  let stackName: string;
  let ids: {
    affiliates: string;
    payouts: string;
    idempotency: string;
    taxYears: string;
    payoutsFn: string;
    adminFn: string;
    payoutsRole: string;
    adminRole: string;
    payoutsLogs: string;
    adminLogs: string;
    secret: string;
    topic: string;
  };

  beforeAll(() => {
    s = synth();
    const { stack } = s;
    stackName = stack.stackName;
    ids = {
      affiliates: s.id(stack.tables.affiliates.table),
      payouts: s.id(stack.tables.payouts.table),
      idempotency: s.id(stack.tables.idempotency.table),
      taxYears: s.id(stack.tables.taxYears.table),
      payoutsFn: s.id(stack.payouts.function),
      adminFn: s.id(stack.admin.function),
      payoutsRole: s.id(stack.payouts.role),
      adminRole: s.id(stack.admin.role),
      payoutsLogs: s.id(stack.payouts.logGroup),
      adminLogs: s.id(stack.admin.logGroup),
      secret: s.id(stack.jwtSecret!.node.defaultChild!),
      topic: s.id(stack.alarms.topic),
    };
  });
  afterAll(() => s.cleanup());

  describe('tables', () => {
    it('creates exactly four tables, all on-demand, PITR, deletion-protected, encrypted and retained', () => {
      const tables = s.template.findResources('AWS::DynamoDB::Table');
      expect(Object.keys(tables).sort()).toEqual([ids.affiliates, ids.payouts, ids.idempotency, ids.taxYears].sort());
      for (const table of Object.values(tables)) {
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
        expect(table.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true },
        });
        expect(table.Properties.TableName).toBeUndefined(); // CloudFormation names them: dev and prod can share an account
      }
    });

    it('keys affiliates by affiliate_id with the user-affiliate-index GSI on user_id', () => {
      s.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: AFFILIATES.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: AFFILIATES.userIndex.name,
            KeySchema: [{ AttributeName: AFFILIATES.userIndex.partitionKey, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
          // Issue 13: the sparse index of scheduled affiliates the scheduler reads.
          {
            IndexName: AFFILIATES.scheduleIndex.name,
            KeySchema: [
              { AttributeName: AFFILIATES.scheduleIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: AFFILIATES.scheduleIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: {
              ProjectionType: 'INCLUDE',
              NonKeyAttributes: [...AFFILIATES.scheduleIndex.projectedAttributes],
            },
          },
        ],
      });
      expect(AFFILIATES.userIndex.name).toBe('user-affiliate-index');
    });

    it('keys payouts by payout_id; affiliate-payouts-index projects what the balance reads; the status GSI feeds the admin queue', () => {
      s.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: PAYOUTS.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: PAYOUTS.affiliateIndex.name,
            KeySchema: [
              { AttributeName: PAYOUTS.affiliateIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: PAYOUTS.affiliateIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: {
              ProjectionType: 'INCLUDE',
              NonKeyAttributes: [...PAYOUTS.affiliateIndex.projectedAttributes],
            },
          },
          {
            IndexName: PAYOUTS.statusIndex.name,
            KeySchema: [
              { AttributeName: PAYOUTS.statusIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: PAYOUTS.statusIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      });
      // The balance sums amount by status: both must be in the projection.
      expect(PAYOUTS.affiliateIndex.projectedAttributes).toEqual(expect.arrayContaining(['amount', 'status']));
    });

    it('expires idempotency records with TTL on expires_at', () => {
      s.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: IDEMPOTENCY.partitionKey, KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: IDEMPOTENCY.ttlAttribute, Enabled: true },
      });
    });

    it('keys the tax years by tax_year and affiliate_id (one Query reads a year), with no index', () => {
      const table = s.template.toJSON().Resources[ids.taxYears].Properties;
      expect(table.KeySchema).toEqual([
        { AttributeName: TAX_YEARS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TAX_YEARS.sortKey, KeyType: 'RANGE' },
      ]);
      expect(table.GlobalSecondaryIndexes).toBeUndefined();
    });

    it('passes each function the physical names of the tables it uses', () => {
      expect(environmentOf(s.template, ids.payoutsFn)).toMatchObject({
        AFFILIATES_TABLE: { Ref: ids.affiliates },
        PAYOUTS_TABLE: { Ref: ids.payouts },
        IDEMPOTENCY_TABLE: { Ref: ids.idempotency },
        TAX_YEARS_TABLE: { Ref: ids.taxYears },
      });
      const admin = environmentOf(s.template, ids.adminFn);
      expect(admin).toMatchObject({
        AFFILIATES_TABLE: { Ref: ids.affiliates },
        PAYOUTS_TABLE: { Ref: ids.payouts },
        TAX_YEARS_TABLE: { Ref: ids.taxYears },
        // Issue 13: POST /admin/schedules/run requests payouts through the request use case.
        IDEMPOTENCY_TABLE: { Ref: ids.idempotency },
      });
    });
  });

  describe('functions', () => {
    it('runs both functions on nodejs22.x arm64, from their bundle, with source maps enabled', () => {
      const functions = apiFunctions(s.template.findResources('AWS::Lambda::Function'));
      expect(Object.keys(functions).sort()).toEqual(
        [ids.payoutsFn, ids.adminFn, s.id(s.stack.scheduler.function)].sort(),
      );
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
        });
        expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
      }
    });

    it('gives each function its own log group, with a retention (90 days in prod) and retained', () => {
      for (const [fn, logs] of [
        [ids.payoutsFn, ids.payoutsLogs],
        [ids.adminFn, ids.adminLogs],
      ] as const) {
        s.template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: Match.absent(),
          LoggingConfig: { LogGroup: { Ref: logs } },
        });
        expect(s.template.toJSON().Resources[fn].Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logs } });
        s.template.hasResource('AWS::Logs::LogGroup', {
          Properties: { RetentionInDays: 90 },
          DeletionPolicy: 'Retain',
        });
      }
      // The third is the page deployment handler's (lib/constructs/web-site.ts), the fourth the payout scheduler's.
      s.template.resourceCountIs('AWS::Logs::LogGroup', 4);
    });

    it('passes configuration as environment, the JWT secret by ARN only', () => {
      for (const fn of [ids.payoutsFn, ids.adminFn]) {
        const env = environmentOf(s.template, fn);
        expect(env).toMatchObject({ JWT_SECRET_ARN: { Ref: ids.secret }, LOG_LEVEL: 'info' });
        // The configured origins, plus the pages' CloudFront origin.
        expect(env.CORS_ALLOWED_ORIGINS).toEqual({
          'Fn::Join': ['', ['*,https://', { 'Fn::GetAtt': [s.id(s.stack.site.distribution), 'DomainName'] }]],
        });
        expect(env).not.toHaveProperty('JWT_SECRET');
      }
    });
  });

  describe('function URLs', () => {
    it('exposes each function through a Function URL with authType NONE and no CORS config of its own', () => {
      const urls = Object.values(s.template.findResources('AWS::Lambda::Url'));
      expect(urls.map((url) => url.Properties)).toEqual(
        expect.arrayContaining([
          { AuthType: 'NONE', TargetFunctionArn: arnOf(ids.payoutsFn) },
          { AuthType: 'NONE', TargetFunctionArn: arnOf(ids.adminFn) },
        ]),
      );
      expect(urls).toHaveLength(2); // exact equality above also proves there is no Cors key
    });

    it('grants principal * both lambda:InvokeFunctionUrl (authType NONE) and lambda:InvokeFunction via the URL', () => {
      const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
      for (const fn of [ids.payoutsFn, ids.adminFn]) {
        expect(permissions).toContainEqual({
          Action: 'lambda:InvokeFunctionUrl',
          FunctionName: arnOf(fn),
          FunctionUrlAuthType: 'NONE',
          Principal: '*',
        });
        expect(permissions).toContainEqual({
          Action: 'lambda:InvokeFunction',
          FunctionName: arnOf(fn),
          InvokedViaFunctionUrl: true,
          Principal: '*',
        });
      }
      expect(permissions).toHaveLength(4);
    });

    it('outputs both URLs', () => {
      const urls = s.template.findResources('AWS::Lambda::Url');
      const urlOf = (fn: string) =>
        Object.keys(urls).find((id) => urls[id]?.Properties.TargetFunctionArn['Fn::GetAtt'][0] === fn);
      s.template.hasOutput('PayoutsUrl', { Value: { 'Fn::GetAtt': [urlOf(ids.payoutsFn), 'FunctionUrl'] } });
      s.template.hasOutput('AdminPayoutsUrl', { Value: { 'Fn::GetAtt': [urlOf(ids.adminFn), 'FunctionUrl'] } });
    });
  });

  describe('secret', () => {
    it('generates a 64-character secret in Secrets Manager; no value is in the template', () => {
      s.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      s.template.hasResource('AWS::SecretsManager::Secret', {
        Properties: {
          GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
          SecretString: Match.absent(),
        },
        DeletionPolicy: 'Retain',
      });
      s.template.hasOutput('JwtSecretArn', { Value: { Ref: ids.secret } });
    });
  });

  describe('least privilege', () => {
    it('gives the payouts function exactly the item actions, index queries and secret read it uses', () => {
      expect(allowedPairs(s.template, ids.payoutsRole)).toEqual(
        [
          ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], arnOf(ids.payoutsLogs)),
          // PutItem: a destination claim, in the settings change's transaction (issue 13).
          ...pairs(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], arnOf(ids.affiliates)),
          ...pairs(['dynamodb:Query'], indexArnOf(ids.affiliates, AFFILIATES.userIndex.name)),
          ...pairs(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], arnOf(ids.payouts)),
          ...pairs(['dynamodb:Query'], indexArnOf(ids.payouts, PAYOUTS.affiliateIndex.name)),
          ...pairs(['dynamodb:GetItem', 'dynamodb:PutItem'], arnOf(ids.idempotency)),
          ...pairs(['dynamodb:GetItem', 'dynamodb:ConditionCheckItem'], arnOf(ids.taxYears)),
          ...pairs(['secretsmanager:GetSecretValue'], { Ref: ids.secret }),
        ].sort(),
      );
    });

    it('gives the admin function exactly what the review queue, the lifecycle and a schedule run use', () => {
      expect(allowedPairs(s.template, ids.adminRole)).toEqual(
        [
          ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], arnOf(ids.adminLogs)),
          ...pairs(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], arnOf(ids.payouts)),
          ...pairs(['dynamodb:Query'], indexArnOf(ids.payouts, PAYOUTS.affiliateIndex.name)),
          ...pairs(['dynamodb:Query'], indexArnOf(ids.payouts, PAYOUTS.statusIndex.name)),
          ...pairs(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], arnOf(ids.affiliates)),
          ...pairs(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], arnOf(ids.taxYears)),
          // Issue 13: POST /admin/schedules/run reserves payouts (payout Put, idempotency record, the tax gate's
          // check) from the sparse schedule index; sends and completions check the affiliate's review flag.
          ...pairs(['dynamodb:GetItem', 'dynamodb:PutItem'], arnOf(ids.idempotency)),
          ...pairs(['dynamodb:PutItem'], arnOf(ids.payouts)),
          ...pairs(['dynamodb:ConditionCheckItem'], arnOf(ids.affiliates)),
          ...pairs(['dynamodb:Query'], indexArnOf(ids.affiliates, AFFILIATES.scheduleIndex.name)),
          ...pairs(['dynamodb:ConditionCheckItem'], arnOf(ids.taxYears)),
          ...pairs(['secretsmanager:GetSecretValue'], { Ref: ids.secret }),
        ].sort(),
      );
    });

    it('has no wildcard action or resource in any policy, and no managed policy on the roles', () => {
      // CDK's page-copying handler (a deploy-time custom resource) is the one exception, acknowledged in cdk-nag.
      for (const policy of Object.values(ownPolicies(s.template.findResources('AWS::IAM::Policy')))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
          for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
          expect(JSON.stringify(statement.Resource)).not.toContain('*');
        }
      }
      for (const role of Object.values(apiFunctions(s.template.findResources('AWS::IAM::Role')))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('alarms', () => {
    const alarms = () => Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const find = (namespace: string, metricName: string, dimensions: Array<{ Name: string; Value: unknown }>) =>
      alarms().filter(
        (a) =>
          a.Namespace === namespace &&
          a.MetricName === metricName &&
          JSON.stringify(a.Dimensions) === JSON.stringify(dimensions),
      );

    it('alarms on Errors and Throttles of each function', () => {
      for (const fn of [ids.payoutsFn, ids.adminFn]) {
        for (const metric of ['Errors', 'Throttles']) {
          expect(find('AWS/Lambda', metric, [{ Name: 'FunctionName', Value: { Ref: fn } }])).toHaveLength(1);
        }
      }
    });

    it('alarms on read/write throttle events of each table and GSI, and on TransactionConflict per table', () => {
      const gsis = [
        [ids.affiliates, AFFILIATES.userIndex.name],
        [ids.affiliates, AFFILIATES.scheduleIndex.name],
        [ids.payouts, PAYOUTS.affiliateIndex.name],
        [ids.payouts, PAYOUTS.statusIndex.name],
      ] as const;
      for (const table of [ids.affiliates, ids.payouts, ids.idempotency, ids.taxYears]) {
        const tableDim = { Name: 'TableName', Value: { Ref: table } };
        for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents', 'TransactionConflict']) {
          expect(find('AWS/DynamoDB', metric, [tableDim]), `${metric} on ${table}`).toHaveLength(1);
        }
      }
      for (const [table, index] of gsis) {
        const dims = [
          { Name: 'GlobalSecondaryIndexName', Value: index },
          { Name: 'TableName', Value: { Ref: table } },
        ];
        for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
          expect(find('AWS/DynamoDB', metric, dims), `${metric} on ${index}`).toHaveLength(1);
        }
      }
      // Errors and Throttles of three functions (issue 13 added the scheduler), 12 table, 8 GSI, the failure rate.
      expect(alarms()).toHaveLength(6 + 12 + 8 + 1);
    });

    it("alarms on the payout failure rate: metric math over the admin function's EMF metrics, in the stack's namespace", () => {
      const rate = alarms().filter((a) => a.Metrics !== undefined);
      expect(rate).toHaveLength(1);
      const [alarm] = rate;
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: FAILURE_RATE.thresholdPercent,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      const byId = Object.fromEntries(alarm.Metrics.map((m: { Id: string }) => [m.Id, m]));
      const expression: string = alarm.Metrics.find((m: { Expression?: string }) => m.Expression).Expression;
      // failed / (completed + failed), as a percentage, only from minOutcomes outcomes up.
      expect(expression).toContain('100 * FILL(failed, 0) / (FILL(completed, 0) + FILL(failed, 0))');
      expect(expression).toContain(`>= ${FAILURE_RATE.minOutcomes}`);
      for (const [id, metricName] of [
        ['completed', 'PayoutsCompleted'],
        ['failed', 'PayoutsFailed'],
      ]) {
        expect(byId[id!]).toMatchObject({
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: stackName,
              MetricName: metricName,
              Dimensions: [{ Name: 'service', Value: SERVICES.adminPayouts }],
            },
            Period: 3600,
            Stat: 'Sum',
          },
        });
      }
    });

    it("gives both functions the stack's name as their metrics namespace, the one the alarm reads", () => {
      for (const fn of [ids.payoutsFn, ids.adminFn])
        expect(environmentOf(s.template, fn).METRICS_NAMESPACE).toBe(stackName);
    });

    it('sends every alarm and its recovery to the one SNS topic, which refuses publishes without TLS', () => {
      for (const alarm of alarms()) {
        expect(alarm.AlarmActions).toEqual([{ Ref: ids.topic }]);
        expect(alarm.OKActions).toEqual([{ Ref: ids.topic }]);
        expect(alarm.TreatMissingData).toBe('notBreaching');
      }
      s.template.resourceCountIs('AWS::SNS::Topic', 1);
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: ids.topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
      s.template.resourceCountIs('AWS::SNS::Subscription', 0); // no alarmEmail in context
      s.template.hasOutput('AlarmTopicArn', { Value: { Ref: ids.topic } });
    });
  });
});

describe('Stack: PayoutsStack with context', () => {
  it('stage=dev relaxes PITR, deletion protection and retention so the stack tears down', () => {
    const s = synth({ stage: 'dev' });
    try {
      expect(s.stack.stackName).toBe('AffiliatePayouts-dev');
      const tables = Object.values(s.template.findResources('AWS::DynamoDB::Table'));
      expect(tables).toHaveLength(4);
      for (const table of tables) {
        expect(table.DeletionPolicy).toBe('Delete');
        expect(table.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
          DeletionProtectionEnabled: false,
        });
      }
      for (const type of ['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret']) {
        for (const resource of Object.values(s.template.findResources(type)))
          expect(resource.DeletionPolicy).toBe('Delete');
      }
      s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    } finally {
      s.cleanup();
    }
  });

  it('adopts the seed tables by name: creates only the idempotency and tax years tables and grants/alarms the named tables and GSIs', () => {
    const s = synth({ existingAffiliatesTable: 'commercive_affiliates', existingPayoutsTable: 'commercive_payouts' });
    try {
      const tables = s.template.findResources('AWS::DynamoDB::Table');
      expect(Object.keys(tables).sort()).toEqual(
        [s.id(s.stack.tables.idempotency.table), s.id(s.stack.tables.taxYears.table)].sort(),
      );
      const payoutsFn = s.id(s.stack.payouts.function);
      expect(environmentOf(s.template, payoutsFn)).toMatchObject({
        AFFILIATES_TABLE: 'commercive_affiliates',
        PAYOUTS_TABLE: 'commercive_payouts',
      });
      const granted = allowedPairs(s.template, s.id(s.stack.payouts.role)).join('\n');
      expect(granted).toMatch(/dynamodb:GetItem .*:table\/commercive_affiliates"/);
      expect(granted).toMatch(/dynamodb:Query .*:table\/commercive_affiliates\/index\/user-affiliate-index"/);
      expect(granted).toMatch(/dynamodb:Query .*:table\/commercive_payouts\/index\/affiliate-payouts-index"/);
      const admin = allowedPairs(s.template, s.id(s.stack.admin.role)).join('\n');
      expect(admin).toMatch(/dynamodb:Query .*:table\/commercive_payouts\/index\/status-requested-index"/);
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'TransactionConflict',
        Dimensions: [{ Name: 'TableName', Value: 'commercive_payouts' }],
      });
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ReadThrottleEvents',
        Dimensions: [
          { Name: 'GlobalSecondaryIndexName', Value: 'user-affiliate-index' },
          { Name: 'TableName', Value: 'commercive_affiliates' },
        ],
      });
    } finally {
      s.cleanup();
    }
  });

  it('JWKS mode: no JWT secret; one cursor-signing secret only the two functions read; JWKS_URL/JWT_ISSUER/JWT_AUDIENCE in the environment', () => {
    const s = synth({
      jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
      jwtIssuer: 'https://auth.example.com/',
      jwtAudience: 'payouts',
    });
    try {
      s.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      const cursorSecret = s.id(s.stack.cursorSecret!);
      const policies = JSON.stringify(s.template.findResources('AWS::IAM::Policy'));
      expect(policies.match(/secretsmanager:GetSecretValue/g)).toHaveLength(2);
      for (const fn of [s.stack.payouts.function, s.stack.admin.function]) {
        const env = environmentOf(s.template, s.id(fn));
        expect(env).toMatchObject({
          JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
          JWT_ISSUER: 'https://auth.example.com/',
          JWT_AUDIENCE: 'payouts',
          CURSOR_SECRET_ARN: { Ref: cursorSecret },
        });
        expect(env).not.toHaveProperty('JWT_SECRET_ARN');
      }
      expect(s.template.toJSON().Outputs).not.toHaveProperty('JwtSecretArn');
    } finally {
      s.cleanup();
    }
  });

  it('adopts an existing secret by ARN, reserves concurrency, subscribes the alarm e-mail and sets the log retention', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payouts/jwt-AbC123';
    const s = synth({
      jwtSecretArn: arn,
      reservedConcurrency: '5',
      alarmEmail: 'ops@example.com',
      logRetentionDays: 30,
    });
    try {
      s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      for (const api of [s.stack.payouts, s.stack.admin]) {
        expect(environmentOf(s.template, s.id(api.function))).toMatchObject({ JWT_SECRET_ARN: arn });
        expect(allowedPairs(s.template, s.id(api.role))).toContain(
          `secretsmanager:GetSecretValue ${JSON.stringify(arn)}`,
        );
      }
      for (const fn of Object.values(apiFunctions(s.template.findResources('AWS::Lambda::Function')))) {
        expect(fn.Properties.ReservedConcurrentExecutions).toBe(5);
      }
      s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    } finally {
      s.cleanup();
    }
  });
});
