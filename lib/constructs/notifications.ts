import { Annotations, Arn, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { ProjectionType, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { type CfnFunction, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTIFICATIONS, WEBHOOK_DELIVERIES, WEBHOOK_ENDPOINTS } from '../../shared/store/dynamodb/notify-tables.ts';
import type { ApiFunction } from './api-function.ts';
import { WorkerAlarms } from './worker-alarms.ts';
import { type WorkerFunctionProps, workerFunction } from './worker-function.ts';
import { string, type TableRef, tableDefaults } from './payout-tables.ts';

export interface NotificationsProps {
  stage: 'prod' | 'dev';
  payouts: TableRef;
  /** The affiliates table: its stream tells the notifier of a changed payout destination (issue 13). */
  affiliates?: TableRef;
  /** The provider attempts table (issue 10), when deployed: failures on our side e-mail the operators. */
  attempts?: ITable;
  /** The provider events table (issue 10), when deployed: an event flagged for a person e-mails the operators. */
  providerEvents?: ITable;
  /** The admin function: webhook endpoint routes, redeliver. */
  admin: ApiFunction;
  alarmTopic: ITopic;
  logRetention: RetentionDays;
  /** The sender (MAIL_FROM): a verified SES identity (the address, or its domain). */
  mailFrom: string;
  opsEmail: string;
  dashboardUrl: string;
}

const _FIVE_MINUTES = Duration.minutes(5);

/**
 * Notifications (issue 12): the notifications, webhook endpoints and webhook deliveries tables (the deliveries with
 * the endpoint index and the sparse due index), the payout-notifier on the payouts table's stream (inserts and
 * modifications; bisect, bounded retries, partial batch failures, an SQS dead-letter queue with an alarm), on the
 * affiliates stream (changed destinations), the attempts stream (failed attempts) and the provider events stream
 * (events flagged for an operator), and the webhook-retrier every minute (EventBridge Scheduler). SES: the
 * functions may send only as MAIL_FROM (ses:SendEmail on its identity, with ses:FromAddress pinned).
 */
export class Notifications extends Construct {
  readonly notifications: Table;
  readonly endpoints: Table;
  readonly deliveries: Table;
  readonly notifier: NodejsFunction;
  readonly retrier: NodejsFunction;
  readonly deadLetters: Queue;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const prod = props.stage === 'prod';
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Endpoint secrets and attempts are encrypted at rest with the AWS-managed key like every table (README).
    const safe = tableDefaults(props.stage);

    this.notifications = new Table(this, 'Notifications', {
      ...safe,
      partitionKey: string(NOTIFICATIONS.partitionKey),
    });
    this.endpoints = new Table(this, 'WebhookEndpoints', {
      ...safe,
      partitionKey: string(WEBHOOK_ENDPOINTS.partitionKey),
      sortKey: string(WEBHOOK_ENDPOINTS.sortKey),
    });
    this.deliveries = new Table(this, 'WebhookDeliveries', {
      ...safe,
      partitionKey: string(WEBHOOK_DELIVERIES.partitionKey),
    });
    const { endpointIndex, dueIndex } = WEBHOOK_DELIVERIES;
    this.deliveries.addGlobalSecondaryIndex({
      indexName: endpointIndex.name,
      partitionKey: string(endpointIndex.partitionKey),
      sortKey: string(endpointIndex.sortKey),
      projectionType: ProjectionType.ALL,
    });
    this.deliveries.addGlobalSecondaryIndex({
      indexName: dueIndex.name,
      partitionKey: string(dueIndex.partitionKey),
      sortKey: string(dueIndex.sortKey),
      projectionType: ProjectionType.KEYS_ONLY,
    });

    const env = {
      PAYOUTS_TABLE: props.payouts.table.tableName,
      NOTIFICATIONS_TABLE: this.notifications.tableName,
      WEBHOOK_ENDPOINTS_TABLE: this.endpoints.tableName,
      WEBHOOK_DELIVERIES_TABLE: this.deliveries.tableName,
      MAIL_FROM: props.mailFrom,
      OPS_EMAIL: props.opsEmail,
      DASHBOARD_URL: props.dashboardUrl,
      ALLOW_LOCAL_WEBHOOKS: 'false',
    };
    this.notifier = this.function('Notifier', {
      entry: 'lambdas/payout-notifier/handler.ts',
      description: 'Payout notifier: e-mails (SES) and webhook events for every payout status change (DynamoDB stream)',
      timeout: Duration.seconds(60),
      environment: env,
      logRetention: props.logRetention,
      removalPolicy,
    });
    this.retrier = this.function('WebhookRetrier', {
      entry: 'lambdas/webhook-retrier/handler.ts',
      description: 'Webhook retrier: tries the deliveries whose next try is due (sparse index)',
      timeout: Duration.seconds(60),
      environment: env,
      logRetention: props.logRetention,
      removalPolicy,
    });

    // --- the streams into the notifier
    this.deadLetters = new Queue(this, 'NotifierDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const source = (table: ITable, filters: Array<Record<string, unknown>>) =>
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 50,
        bisectBatchOnError: true,
        retryAttempts: 8,
        maxRecordAge: Duration.hours(12),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetters),
        filters,
      });
    if (props.payouts.table.tableStreamArn) {
      this.notifier.addEventSource(
        source(props.payouts.table, [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') }),
          FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY') }),
        ]),
      );
    } else {
      Annotations.of(this).addWarning(
        'The adopted payouts table has no stream the stack knows of: enable NEW_AND_OLD_IMAGES on it and deploy the notifier source by hand (README "Notifications").',
      );
    }
    // A changed payout destination: only modifications of an affiliate that has changed it once reach the function.
    if (props.affiliates?.table.tableStreamArn) {
      this.notifier.addEventSource(
        source(props.affiliates.table, [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: { NewImage: { destination_changed_at: { S: FilterRule.exists() } } },
          }),
        ]),
      );
    } else if (props.affiliates) {
      Annotations.of(this).addWarning(
        'The adopted affiliates table has no stream the stack knows of: destination-change e-mails are not sent until NEW_AND_OLD_IMAGES is enabled on it and a notifier source is added by hand.',
      );
    }
    if (props.attempts) {
      this.notifier.addEventSource(
        source(props.attempts, [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: { NewImage: { status: { S: FilterRule.isEqual('failed') } } },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { status: { S: FilterRule.isEqual('failed') } } },
          }),
        ]),
      );
    }

    // A provider event recorded for a person: only inserts flagged from the start reach the function.
    if (props.providerEvents) {
      this.notifier.addEventSource(
        source(props.providerEvents, [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { flagged: { S: FilterRule.isEqual('yes') } } },
          }),
        ]),
      );
    }

    // --- the retrier, every minute, bounded retries
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the webhook retry schedule invoke the webhook retrier (and nothing else)',
    });
    this.schedule = new Schedule(this, 'RetrySchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(this.retrier, {
        retryAttempts: 1,
        maxEventAge: Duration.minutes(1),
        role: schedulerRole,
      }),
      description: 'Tries the webhook deliveries whose next try is due',
    });

    // --- least privilege
    const allow = (role: IRole, actions: string[], resources: string[]) =>
      role.addToPrincipalPolicy(
        new PolicyStatement({ effect: Effect.ALLOW, actions: actions.map((a) => `dynamodb:${a}`), resources }),
      );
    const index = (table: ITable, name: string) => `${table.tableArn}/index/${name}`;
    const stack = Stack.of(this);
    const domain = props.mailFrom.slice(props.mailFrom.lastIndexOf('@') + 1);
    const identity = (name: string) => Arn.format({ service: 'ses', resource: 'identity', resourceName: name }, stack);
    const sendAsMailFrom = new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['ses:SendEmail'],
      // The address or its domain is the verified identity; either way only MAIL_FROM may be the sender.
      resources: [identity(props.mailFrom), identity(domain)],
      conditions: { StringEquals: { 'ses:FromAddress': props.mailFrom } },
    });
    const admin = props.admin.role;
    const notifierRole = this.notifier.role!;
    const retrierRole = this.retrier.role!;
    for (const role of [notifierRole, retrierRole, admin]) {
      // E-mail records: claimed (Put), marked sent (Update), released after a definite SES refusal (Delete).
      allow(role, ['PutItem', 'UpdateItem', 'DeleteItem'], [this.notifications.tableArn]);
      allow(role, ['GetItem', 'UpdateItem'], [this.endpoints.tableArn]);
      allow(role, ['GetItem', 'UpdateItem'], [this.deliveries.tableArn]);
      role.addToPrincipalPolicy(sendAsMailFrom);
    }
    allow(notifierRole, ['Query'], [this.endpoints.tableArn]);
    allow(notifierRole, ['PutItem'], [this.deliveries.tableArn]);
    allow(notifierRole, ['GetItem'], [props.payouts.table.tableArn]);
    allow(retrierRole, ['Query'], [index(this.deliveries, dueIndex.name)]);
    allow(admin, ['PutItem', 'DeleteItem', 'Query'], [this.endpoints.tableArn]);
    allow(admin, ['Query'], [index(this.deliveries, endpointIndex.name)]);
    for (const [name, value] of Object.entries(env)) {
      if (name !== 'PAYOUTS_TABLE') props.admin.function.addEnvironment(name, value);
    }

    // --- alarms: dead letters, functions failing, e-mails that may not have gone out, deliveries given up
    const alarms = new WorkerAlarms(this, props.alarmTopic);
    alarms.deadLetters(
      this.deadLetters,
      'Payout-notifier gave up on stream records: see the dead-letter queue (their e-mails and webhooks did not go out)',
    );
    alarms.errors([this.notifier, this.retrier]);
    alarms.logFlags(
      [this.notifier, this.retrier],
      [
        [
          'EMAIL_UNCERTAIN',
          'An e-mail may not have been sent (SES timed out after the call): check the SES sending log',
        ],
        [
          'WEBHOOK_GIVEN_UP',
          'A webhook delivery failed for about a day and was given up (the operators were e-mailed)',
        ],
      ],
    );

    // --- cdk-nag: accepted findings, each with its reason
    if (!prod) {
      for (const table of [this.notifications, this.endpoints, this.deliveries]) {
        Validations.of(table).acknowledge({
          id: 'AwsSolutions::AwsSolutions-DDB3',
          reason: 'stage=dev is a throwaway stack with test data: no point-in-time recovery, so it tears down fully.',
        });
      }
    }
    Validations.of(notifierRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams has no resource-level permission, so the stream event source needs it on "*"; every other stream action is on the streams of the tables it reads (payouts, affiliates, attempts, provider events) only.',
    });
    const retrierId = stack.getLogicalId(this.retrier.node.defaultChild as CfnFunction);
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${retrierId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the retrier and its versions/aliases (arn:*), as CDK grants it; the role can invoke no other function.',
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the notifier event sources; what lands here is alarmed and re-driven by hand.',
    });
  }

  /** A worker function (lib/constructs/worker-function.ts) in this construct. */
  private function(id: string, props: WorkerFunctionProps): NodejsFunction {
    return workerFunction(this, id, props).fn;
  }
}
