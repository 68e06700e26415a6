import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { TableRef } from './payout-tables.ts';

export interface OperationalAlarmsProps {
  /** Subscribed to the topic when set; AWS sends a confirmation e-mail first. */
  alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * One SNS topic (publishers must use TLS) and the alarms that notify it: Lambda errors and throttles per function,
 * DynamoDB read/write throttle events per table and per GSI, and transaction conflicts per table.
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
    this.alarm(`${id}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, `${id} function threw or timed out`);
    this.alarm(`${id}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), 1, `${id} function was throttled`);
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
      this.alarm(`${id}${kind}Throttles`, metric(`${kind}ThrottleEvents`), 1, `${id} table: ${kind.toLowerCase()} throttled`);
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
