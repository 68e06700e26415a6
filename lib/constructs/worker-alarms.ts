import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, type LogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The alarms of a group of worker functions (the provider rails, the notifications), on the stack's alarm topic:
 * any one event in five minutes alarms, and every alarm also notifies when it returns to OK. Construct ids are
 * those the alarms had when each construct built its own, so deployed alarms keep their logical ids.
 * @example const alarms = new WorkerAlarms(this, props.alarmTopic); alarms.errors([this.sender]);
 */
export class WorkerAlarms {
  private readonly action: SnsAction;
  private readonly namespace: string;

  constructor(
    private readonly scope: Construct,
    topic: ITopic,
  ) {
    this.action = new SnsAction(topic);
    this.namespace = `AffiliatePayouts/${Stack.of(scope).stackName}`;
  }

  alarm(id: string, metric: IMetric, description: string): void {
    const created = new Alarm(this.scope, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(this.action);
    created.addOkAction(this.action);
  }

  /** Messages waiting in a stream consumer's dead-letter queue (id `DeadLetters`). */
  deadLetters(queue: IQueue, description: string): void {
    this.alarm(
      'DeadLetters',
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      description,
    );
  }

  /** Each function threw or timed out (id `<function id>Errors`). */
  errors(functions: NodejsFunction[]): void {
    for (const fn of functions)
      this.alarm(
        `${fn.node.id}Errors`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        `${fn.node.id} function threw or timed out`,
      );
  }

  /**
   * A log line of any of the functions with `"alarm": "<FLAG>"` (the code's structured alarms): a metric filter per
   * function and flag into one metric per flag, alarmed (id `<FLAG>`).
   */
  logFlags(functions: NodejsFunction[], flags: ReadonlyArray<readonly [flag: string, description: string]>): void {
    for (const [flag, description] of flags) {
      for (const fn of functions) {
        new MetricFilter(this.scope, `${flag}-${fn.node.id}`, {
          logGroup: fn.logGroup as LogGroup,
          filterPattern: FilterPattern.stringValue('$.alarm', '=', flag),
          metricNamespace: this.namespace,
          metricName: flag,
          metricValue: '1',
        });
      }
      this.alarm(
        flag,
        new Metric({ namespace: this.namespace, metricName: flag, period: FIVE_MINUTES, statistic: 'Sum' }),
        description,
      );
    }
  }
}
