import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { AFFILIATES } from '../../shared/store/dynamodb/tables.ts';
import { workerFunction } from './worker-function.ts';
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
    ({ fn: this.function, role: this.role } = workerFunction(this, 'Function', {
      entry: 'lambdas/payout-scheduler/handler.ts',
      description: 'Payout scheduler: requests the whole available amount of every affiliate whose schedule is due',
      timeout: Duration.minutes(5),
      environment: props.environment,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrency: props.reservedConcurrency }),
    }));

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

    const functionId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction);
    Validations.of(invoker).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the scheduler and its versions/aliases (arn:*), as CDK grants it; the role can invoke no other function.',
    });
  }
}
