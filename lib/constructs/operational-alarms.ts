import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { BusinessMetric } from '../../shared/telemetry.ts';
import type { TableRef } from './payout-tables.ts';

export interface OperationalAlarmsProps {
  /** Subscribed to the topic when set; AWS sends a confirmation e-mail first. */
  alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/** The payout failure-rate alarm: over one hour, with at least MIN_OUTCOMES completed or failed payouts. */
export const FAILURE_RATE = { period: Duration.hours(1), thresholdPercent: 20, minOutcomes: 5 } as const;

/**
 * One SNS topic (publishers must use TLS) and the alarms that notify it: Lambda errors and throttles per function,
 * DynamoDB read/write throttle events per table and per GSI, transaction conflicts per table, and the payout
 * failure rate from the functions' business metrics (shared/telemetry.ts).
 * Every alarm also notifies when it returns to OK.
 */
export class OperationalAlarms extends Construct {
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'Affiliate payouts alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);
  }

  /** Errors (unhandled exceptions, timeouts) and throttles: any one in five minutes alarms. */
  watchFunction(id: string, fn: IFunction): void {
    this.alarm(
      `${id}Errors`,
      fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      1,
      `${id} function threw or timed out`,
    );
    this.alarm(
      `${id}Throttles`,
      fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      1,
      `${id} function was throttled`,
    );
  }

  /**
   * Read and write throttle events on the table and each of its GSIs (any one alarms), and TransactionConflict:
   * a few conflicts are optimistic concurrency doing its job, a run of them means a hot item or a retry storm.
   */
  watchTable(id: string, ref: TableRef): void {
    const tableName = ref.table.tableName;
    const metric = (metricName: string, extra: Record<string, string> = {}) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: tableName, ...extra },
        period: PERIOD,
        statistic: 'Sum',
      });
    for (const kind of ['Read', 'Write'] as const) {
      this.alarm(
        `${id}${kind}Throttles`,
        metric(`${kind}ThrottleEvents`),
        1,
        `${id} table: ${kind.toLowerCase()} throttled`,
      );
      for (const indexName of ref.indexNames) {
        this.alarm(
          `${id}${kind}Throttles-${indexName}`,
          metric(`${kind}ThrottleEvents`, { GlobalSecondaryIndexName: indexName }),
          1,
          `${id} table, index ${indexName}: ${kind.toLowerCase()} throttled`,
        );
      }
    }
    this.alarm(`${id}TransactionConflicts`, metric('TransactionConflict'), 5, `${id} table: transaction conflicts`);
  }

  /**
   * The share of payouts that failed among those that reached an outcome (completed or failed) in an hour, from the
   * functions' EMF business metrics: a provider outage or a bad batch of payment e-mails shows here before anyone
   * reads the queue. Below MIN_OUTCOMES outcomes in the hour the rate counts as 0, so one failure of two is no page.
   */
  watchPayoutFailureRate(id: string, namespace: string, service: string): void {
    const business = (metricName: BusinessMetric) =>
      new Metric({ namespace, metricName, dimensionsMap: { service }, period: FAILURE_RATE.period, statistic: 'Sum' });
    const rate = new MathExpression({
      label: 'Failed payouts, % of completed + failed',
      expression: `IF(FILL(completed, 0) + FILL(failed, 0) >= ${FAILURE_RATE.minOutcomes}, 100 * FILL(failed, 0) / (FILL(completed, 0) + FILL(failed, 0)), 0)`,
      usingMetrics: { completed: business('PayoutsCompleted'), failed: business('PayoutsFailed') },
      period: FAILURE_RATE.period,
    });
    const alarm = new Alarm(this, `${id}PayoutFailureRate`, {
      metric: rate,
      threshold: FAILURE_RATE.thresholdPercent,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        `${id}: ${FAILURE_RATE.thresholdPercent}% or more of the payouts that completed or failed in an hour failed ` +
        `(from ${FAILURE_RATE.minOutcomes} outcomes up; metrics ${namespace} PayoutsFailed / PayoutsCompleted, service ${service})`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} (>= ${threshold} in 5 minutes)`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }
}
