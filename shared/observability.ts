/**
 * The functions' logs and metrics through Powertools for AWS Lambda: Logger (JSON lines with the Lambda context,
 * cold start and debug sampling) behind the project's small Logger interface, and Metrics (CloudWatch EMF) behind
 * the Telemetry port. Only the HTTP wrapper and the runtime import this module; use cases see the two interfaces.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { Logger, LogLevel } from './logger.ts';
import { BUSINESS_METRICS, type BusinessMetric, type Telemetry } from './telemetry.ts';

export interface ObservabilityOptions {
  /** `service` on every log line and the metrics' one dimension, e.g. `payouts`. */
  service: string;
  level: LogLevel;
  /** Share of invocations (0 to 1) logged at debug level whatever `level` says. */
  sampleRate: number;
  /** CloudWatch namespace of the business metrics. */
  namespace: string;
}

export interface Observability {
  logger: Logger;
  telemetry: Telemetry;
  /** For the function's middy chain: the Lambda context on each log line, the metrics written as each invocation ends. */
  middlewares: middy.MiddlewareObj[];
}

/** The project's Logger over a Powertools Logger: `child` fields ride along as extra keys of each line. */
function adapt(powertools: PowertoolsLogger, base: Record<string, unknown>): Logger {
  return {
    debug: (message, fields) => powertools.debug(message, { ...base, ...fields }),
    info: (message, fields) => powertools.info(message, { ...base, ...fields }),
    warn: (message, fields) => powertools.warn(message, { ...base, ...fields }),
    error: (message, fields) => powertools.error(message, { ...base, ...fields }),
    child: (fields) => adapt(powertools, { ...base, ...fields }),
  };
}

/**
 * Counts add up during an invocation and go out as one EMF line at its end (one data point per metric, however
 * many bulk items moved). An invocation that counted nothing writes nothing.
 */
class EmfTelemetry implements Telemetry {
  private readonly pending = new Map<BusinessMetric, number>();

  constructor(private readonly metrics: Metrics) {}

  count(metric: BusinessMetric, value = 1): void {
    this.pending.set(metric, (this.pending.get(metric) ?? 0) + value);
  }

  flush(): void {
    if (this.pending.size === 0) return;
    for (const [metric, value] of this.pending) {
      this.metrics.addMetric(metric, BUSINESS_METRICS[metric] === 'cents' ? MetricUnit.NoUnit : MetricUnit.Count, value);
    }
    this.pending.clear();
    this.metrics.publishStoredMetrics();
  }
}

/**
 * Builds the logger, the telemetry and their middlewares once per cold start.
 * @example const { logger, telemetry, middlewares } = createObservability({ service: 'payouts', level: 'info', sampleRate: 0.01, namespace: 'AffiliatePayouts' });
 */
export function createObservability({ service, level, sampleRate, namespace }: ObservabilityOptions): Observability {
  const powertools = new PowertoolsLogger({ serviceName: service, logLevel: level, sampleRateValue: sampleRate });
  const telemetry = new EmfTelemetry(new Metrics({ namespace, serviceName: service }));
  const flushMetrics: middy.MiddlewareObj = { after: () => telemetry.flush(), onError: () => telemetry.flush() };
  return {
    logger: adapt(powertools, {}),
    telemetry,
    middlewares: [
      // logEvent: false whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the bearer token.
      injectLambdaContext(powertools, { resetKeys: true, logEvent: false }),
      flushMetrics,
    ],
  };
}
