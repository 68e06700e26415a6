import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  type CfnFunction,
  FilterCriteria,
  FilterRule,
  FunctionUrlAuthType,
  StartingPosition,
  type FunctionUrl,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ATTEMPTS, PROVIDER_EVENTS } from '../../shared/store/dynamodb/provider-tables.ts';
import type { ApiFunction } from './api-function.ts';
import { WorkerAlarms } from './worker-alarms.ts';
import { type WorkerFunctionProps, workerFunction } from './worker-function.ts';
import { string, type TableRef, tableDefaults } from './payout-tables.ts';

export interface ProviderPaymentsProps {
  stage: 'prod' | 'dev';
  affiliates: TableRef;
  payouts: TableRef;
  /** Completions by a provider give a receipt number and add to the tax year totals (the one move). */
  taxYears: TableRef;
  /** The admin function: it queues attempts (send, retry) and lists them. */
  admin: ApiFunction;
  alarmTopic: ITopic;
  logRetention: RetentionDays;
  /** Providers with credentials in the secret (context `payoutProviders`, e.g. "stripe,paypal"); none by default. */
  providers: readonly string[];
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Paying through Stripe and PayPal (issue 10): the attempts table (its stream feeds the payout-sender) and the
 * provider events table, the sender (stream source filtered to queued attempts, bisect, bounded retries, partial
 * batch failures, an SQS dead-letter queue with an alarm), the provider-webhooks function behind its own Function
 * URL, the sweeper on an EventBridge Scheduler schedule, and one Secrets Manager secret for the credentials
 * (JSON: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET, PAYPAL_API_BASE,
 * PAYPAL_WEBHOOK_ID), read once per cold start by those three functions only.
 */
export class ProviderPayments extends Construct {
  readonly attempts: Table;
  readonly events: Table;
  readonly secret: Secret;
  readonly sender: NodejsFunction;
  readonly webhooks: NodejsFunction;
  readonly webhooksUrl: FunctionUrl;
  readonly sweeper: NodejsFunction;
  readonly deadLetters: Queue;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: ProviderPaymentsProps) {
    super(scope, id);
    const prod = props.stage === 'prod';
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Endpoint secrets and attempts are encrypted at rest with the AWS-managed key like every table (README).
    const safe = tableDefaults(props.stage);

    this.attempts = new Table(this, 'Attempts', {
      ...safe,
      partitionKey: string(ATTEMPTS.partitionKey),
      sortKey: { name: ATTEMPTS.sortKey, type: AttributeType.NUMBER },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    this.attempts.addGlobalSecondaryIndex({
      indexName: ATTEMPTS.openIndex.name,
      partitionKey: string(ATTEMPTS.openIndex.partitionKey),
      sortKey: string(ATTEMPTS.openIndex.sortKey),
      projectionType: ProjectionType.ALL,
    });
    // Its stream tells the notifier (when notifications are on) of each event flagged for an operator.
    this.events = new Table(this, 'ProviderEvents', {
      ...safe,
      partitionKey: string(PROVIDER_EVENTS.partitionKey),
      stream: StreamViewType.NEW_IMAGE,
    });
    this.events.addGlobalSecondaryIndex({
      indexName: PROVIDER_EVENTS.flaggedIndex.name,
      partitionKey: string(PROVIDER_EVENTS.flaggedIndex.partitionKey),
      sortKey: string(PROVIDER_EVENTS.flaggedIndex.sortKey),
      projectionType: ProjectionType.ALL,
    });

    // The value is set by an operator (aws secretsmanager put-secret-value); the template holds no credential.
    this.secret = new Secret(this, 'Credentials', {
      description:
        'Stripe and PayPal credentials for the payout-sender, provider-webhooks and sweeper functions (JSON)',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'unused', excludePunctuation: true },
      removalPolicy,
    });

    const env = {
      AFFILIATES_TABLE: props.affiliates.table.tableName,
      PAYOUTS_TABLE: props.payouts.table.tableName,
      TAX_YEARS_TABLE: props.taxYears.table.tableName,
      ATTEMPTS_TABLE: this.attempts.tableName,
      PROVIDER_EVENTS_TABLE: this.events.tableName,
      PROVIDER_SECRET_ARN: this.secret.secretArn,
      PAYOUT_PROVIDERS: props.providers.join(','),
    };
    const fn = (name: string, entry: string, description: string, timeout: Duration) =>
      this.function(name, {
        entry,
        description,
        timeout,
        environment: env,
        logRetention: props.logRetention,
        removalPolicy,
      });

    this.sender = fn(
      'Sender',
      'lambdas/payout-sender/handler.ts',
      'Payout sender: calls Stripe/PayPal for queued attempts (DynamoDB stream)',
      Duration.seconds(60),
    );
    this.webhooks = fn(
      'Webhooks',
      'lambdas/provider-webhooks/handler.ts',
      'Provider webhooks: Stripe and PayPal events (signature-verified)',
      Duration.seconds(15),
    );
    this.sweeper = fn(
      'Sweeper',
      'lambdas/payout-sweeper/handler.ts',
      'Payout sweeper: polls unanswered attempts, re-drives stuck ones',
      Duration.seconds(120),
    );
    this.webhooksUrl = this.webhooks.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    // --- the stream into the sender
    this.deadLetters = new Queue(this, 'SenderDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.sender.addEventSource(
      new DynamoEventSource(this.attempts, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetters),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { status: { S: FilterRule.isEqual('queued') } } },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: { NewImage: { status: { S: FilterRule.isEqual('queued') } } },
          }),
        ],
      }),
    );

    // --- the sweeper, every 5 minutes, with bounded retries (the default is 185 over 24 h)
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the sweep schedule invoke the payout sweeper (and nothing else)',
    });
    this.schedule = new Schedule(this, 'SweepSchedule', {
      schedule: ScheduleExpression.rate(FIVE_MINUTES),
      target: new LambdaInvoke(this.sweeper, {
        retryAttempts: 2,
        maxEventAge: Duration.minutes(5),
        role: schedulerRole,
      }),
      description: 'Polls provider attempts without a final answer and re-drives queued ones',
    });

    // --- least privilege: item actions per table, Query per index, the one secret
    const payoutsArn = props.payouts.table.tableArn;
    const affiliatesArn = props.affiliates.table.tableArn;
    const allow = (
      fnRole: { addToPrincipalPolicy(statement: PolicyStatement): unknown },
      actions: string[],
      resources: string[],
    ) =>
      fnRole.addToPrincipalPolicy(
        new PolicyStatement({ effect: Effect.ALLOW, actions: actions.map((a) => `dynamodb:${a}`), resources }),
      );
    for (const worker of [this.sender, this.webhooks, this.sweeper]) {
      const role = worker.role!;
      allow(role, ['GetItem', 'UpdateItem'], [payoutsArn]);
      allow(role, ['UpdateItem'], [affiliatesArn]);
      // A completion reads the year's receipt sequence and claims the next number; completions and returns add to the year's totals.
      allow(role, ['GetItem', 'UpdateItem'], [props.taxYears.table.tableArn]);
      allow(role, ['GetItem', 'UpdateItem', 'Query'], [this.attempts.tableArn]);
      allow(role, ['GetItem', 'PutItem'], [this.events.tableArn]);
      role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.secret.secretArn],
        }),
      );
    }
    allow(this.sweeper.role!, ['Query'], [`${this.attempts.tableArn}/index/${ATTEMPTS.openIndex.name}`]);
    // The admin function: send (the move + a Put of the attempt), retry (ConditionCheck on the payout, Update of
    // the last attempt, Put of the next), and the attempts of a payout (Query on the table).
    const admin = props.admin.role;
    allow(admin, ['PutItem', 'UpdateItem', 'Query'], [this.attempts.tableArn]);
    allow(admin, ['ConditionCheckItem'], [payoutsArn]);
    // A move by hand checks, in its transaction, that no attempt is open (ConditionCheck on the attempts); the
    // flagged provider events are listed from their sparse index and resolved with a conditional update.
    allow(admin, ['ConditionCheckItem'], [this.attempts.tableArn]);
    allow(admin, ['Query'], [`${this.events.tableArn}/index/${PROVIDER_EVENTS.flaggedIndex.name}`]);
    allow(admin, ['UpdateItem'], [this.events.tableArn]);
    for (const [name, value] of Object.entries({
      ATTEMPTS_TABLE: this.attempts.tableName,
      PROVIDER_EVENTS_TABLE: this.events.tableName,
      PAYOUT_PROVIDERS: props.providers.join(','),
    })) {
      props.admin.function.addEnvironment(name, value);
    }

    const stack = Stack.of(this);
    new CfnOutput(stack, 'ProviderWebhooksUrl', {
      value: this.webhooksUrl.url,
      description: 'Register <url>webhooks/stripe with Stripe and <url>webhooks/paypal with PayPal',
    });
    new CfnOutput(stack, 'ProviderSecretArn', {
      value: this.secret.secretArn,
      description: 'Put the Stripe/PayPal credentials JSON here (aws secretsmanager put-secret-value)',
    });

    // --- alarms: dead letters, provider errors on our side, functions failing
    const alarms = new WorkerAlarms(this, props.alarmTopic);
    alarms.deadLetters(
      this.deadLetters,
      'Payout-sender gave up on attempts: see the dead-letter queue and re-drive them',
    );
    alarms.logFlags(
      [this.sender, this.webhooks, this.sweeper],
      [
        [
          'PROVIDER_OURS',
          'A provider refused a payout for a reason on our side (balance, API key): fix it, then retry the payout',
        ],
        ['PROVIDER_FLAG', 'A provider event needs an operator (unknown payout, wrong amount, partial reversal)'],
      ],
    );
    alarms.errors([this.sender, this.webhooks, this.sweeper]);

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Provider API keys are issued by Stripe and PayPal and rotated in their dashboards; an operator puts the new value here.',
    });
    if (!prod) {
      for (const table of [this.attempts, this.events]) {
        Validations.of(table).acknowledge({
          id: 'AwsSolutions::AwsSolutions-DDB3',
          reason: 'stage=dev is a throwaway stack with test data: no point-in-time recovery, so it tears down fully.',
        });
      }
    }
    Validations.of(this.sender.role!).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams has no resource-level permission, so the stream event source needs it on "*"; every other stream action is on this table\'s stream only.',
    });
    const sweeperId = Stack.of(this).getLogicalId(this.sweeper.node.defaultChild as CfnFunction);
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${sweeperId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the sweeper and its versions/aliases (arn:*), as CDK grants it; the role can invoke no other function.',
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the payout-sender event source; what lands here is alarmed and re-driven by hand.',
    });
  }

  /** A worker function (lib/constructs/worker-function.ts) in this construct. */
  private function(id: string, props: WorkerFunctionProps): NodejsFunction {
    return workerFunction(this, id, props).fn;
  }
}
