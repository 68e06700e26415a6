/**
 * The functions' logs and business metrics. Logs: the project's JSON lines (shared/logger.ts) plus the Lambda
 * context of each invocation, under the key names Powertools Logger uses (cold_start, function_request_id, …), and
 * debug sampling. Metrics: CloudWatch Embedded Metric Format lines behind the Telemetry port, one per invocation.
 *
 * Why not Powertools Logger and Metrics (2.36.0, tried on this branch): importing them added 3–7 ms of CPU to each
 * cold start (README "Observability"), and the cold-start budget (≤ 1.10 × the DynamoDB-only floor, measured
 * 1.08–1.10 before) has no room for that. The fields and the EMF format are the ones those libraries write, so
 * queries, dashboards and the alarm stay the same if a later budget lets them in.
 */
import type { Context } from 'aws-lambda';
import type middy from '@middy/core';
import { createLogger, type Logger, type LogLevel } from './logger.ts';
import { BUSINESS_METRICS, type BusinessMetric, type Telemetry } from './telemetry.ts';

export interface ObservabilityOptions {
  /** `service` on every log line and the metrics' one dimension, e.g. `payouts`. */
  service: string;
  level: LogLevel;
  /** Share of invocations (0 to 1) logged at debug level whatever `level` says. */
  sampleRate: number;
  /** CloudWatch namespace of the business metrics. */
  namespace: string;
  /** Off: counts are dropped (the local server and most tests). */
  metricsEnabled: boolean;
  /** Where lines go: stdout, which Lambda sends to CloudWatch Logs (and CloudWatch reads EMF from). */
  write?: (line: string) => void;
}

export interface Observability {
  logger: Logger;
  telemetry: Telemetry & { flush(): void };
  /** For the function's middy chain: the Lambda context on each log line, the metrics written as each invocation ends. */
  middlewares: middy.MiddlewareObj[];
}

const stdout = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Counts add up during an invocation and go out as one EMF line at its end (one data point per metric, however
 * many bulk items moved). An invocation that counted nothing writes nothing.
 */
function emfTelemetry(namespace: string, service: string, enabled: boolean, write: (line: string) => void) {
  const pending = new Map<BusinessMetric, number>();
  return {
    count(metric: BusinessMetric, value = 1): void {
      if (enabled) pending.set(metric, (pending.get(metric) ?? 0) + value);
    },
    flush(): void {
      if (pending.size === 0) return;
      const metrics = [...pending.keys()].map((name) => ({
        Name: name,
        Unit: BUSINESS_METRICS[name] === 'cents' ? 'None' : 'Count',
      }));
      const aws = {
        Timestamp: Date.now(),
        CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['service']], Metrics: metrics }],
      };
      write(JSON.stringify({ _aws: aws, service, ...Object.fromEntries(pending) }));
      pending.clear();
    },
  };
}

/**
 * Builds the logger, the telemetry and their middleware once per cold start.
 * @example const { logger, telemetry, middlewares } = createObservability({ service: 'payouts', level: 'info', sampleRate: 0.01, namespace: 'AffiliatePayouts', metricsEnabled: true });
 */
export function createObservability(options: ObservabilityOptions): Observability {
  const { service, level, sampleRate, namespace, metricsEnabled, write = stdout } = options;
  // Provisioned concurrency and SnapStart initialize ahead of the first request: that request is not a cold start.
  let coldStart = (process.env.AWS_LAMBDA_INITIALIZATION_TYPE ?? 'on-demand') === 'on-demand';
  let invocationLevel = level;
  let invocation: Record<string, unknown> = {};
  const telemetry = emfTelemetry(namespace, service, metricsEnabled, write);

  const lambdaContext: middy.MiddlewareObj<unknown, unknown, Error, Context> = {
    before: ({ context }) => {
      invocationLevel = sampleRate > 0 && Math.random() < sampleRate ? 'debug' : level;
      invocation = {
        cold_start: coldStart,
        function_name: context.functionName,
        function_memory_size: Number(context.memoryLimitInMB),
        function_arn: context.invokedFunctionArn,
        function_request_id: context.awsRequestId,
        ...(sampleRate > 0 ? { sampling_rate: sampleRate } : {}),
        ...(process.env._X_AMZN_TRACE_ID
          ? { xray_trace_id: process.env._X_AMZN_TRACE_ID.split(';')[0]?.replace('Root=', '') }
          : {}),
      };
      coldStart = false;
    },
    after: () => telemetry.flush(),
    onError: () => telemetry.flush(),
  };

  return {
    logger: createLogger(
      () => invocationLevel,
      { service },
      write,
      () => invocation,
    ),
    telemetry,
    middlewares: [lambdaContext as middy.MiddlewareObj],
  };
}
