import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { AFFILIATES } from '../../shared/store/dynamodb/tables.ts';
import { BUNDLING_DEFAULTS, PROJECT_ROOT } from './api-function.ts';
import { indexArn, type TableRef } from './payout-tables.ts';

export interface PayoutSchedulerProps {
  affiliates: TableRef;
  payouts: TableRef;
  idempotency: TableRef;
  taxYears: TableRef;
  /** The functions' common environment (table names, the JWT secret's ARN, the metrics namespace…). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  reservedConcurrency?: number;
}

/**
 * Automatic payouts (issue 13): the payout-scheduler function and its EventBridge Scheduler schedule, daily at
 * 00:00 UTC, with an explicit retry policy (2 retries within an hour: the default is 185 over 24 h). The target's
 * input carries the schedule's own time, so a retried invocation runs for the same period, which the period keys
 * make safe. The function may read the sparse schedule index and reserve payouts, nothing else.
 */
export class PayoutScheduler extends Construct {
  readonly function: NodejsFunction;
  readonly schedule: Schedule;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PayoutSchedulerProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Payout scheduler: requests due automatic payouts (least privilege, no managed policies)',
    });
    logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}lambdas/payout-scheduler/handler.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: 'Payout scheduler: requests the whole available amount of every affiliate whose schedule is due',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(5),
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      role: this.role,
      logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: BUNDLING_DEFAULTS,
    });

    const allow = (actions: string[], resources: string[]) =>
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ effect: Effect.ALLOW, actions: actions.map((a) => `dynamodb:${a}`), resources }),
      );
    // The sparse index of scheduled affiliates (never a Scan), the record itself, and the reservation's counters.
    allow(['Query'], [indexArn(props.affiliates.table, AFFILIATES.scheduleIndex.name)]);
    allow(['GetItem', 'UpdateItem'], [props.affiliates.table.tableArn]);
    // The reservation transaction: the payout Put, the idempotency record, and the tax form gate's check.
    allow(['PutItem'], [props.payouts.table.tableArn]);
    allow(['GetItem', 'PutItem'], [props.idempotency.table.tableArn]);
    allow(['GetItem', 'ConditionCheckItem'], [props.taxYears.table.tableArn]);

    const invoker = new Role(this, 'InvokerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the daily payout schedule invoke the payout scheduler (and nothing else)',
    });
    this.schedule = new Schedule(this, 'Daily', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '0' }),
      target: new LambdaInvoke(this.function, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        role: invoker,
        input: ScheduleTargetInput.fromObject({ at: ContextAttribute.scheduledTime }),
      }),
      description: 'Requests due automatic payouts (weekly on Mondays, monthly on the 1st), daily at 00:00 UTC',
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x like the API functions: the bundle targets node22 and the dependencies are tested on Node 22.',
    });
    const functionId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction);
    Validations.of(invoker).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the scheduler and its versions/aliases (arn:*), as CDK grants it; the role can invoke no other function.',
    });
  }
}
