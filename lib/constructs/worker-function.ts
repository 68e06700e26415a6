import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLING_DEFAULTS, PROJECT_ROOT } from './api-function.ts';

export interface WorkerFunctionProps {
  /** The handler file, from the project root (e.g. lambdas/payout-sender/handler.ts). */
  entry: string;
  description: string;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  reservedConcurrency?: number;
}

/**
 * A function with no Function URL (a stream consumer, a scheduled job) and the project's defaults: Node 22 on ARM,
 * 512 MB, source maps, the shared bundling, its own log group, and a role with no managed policy (the caller grants
 * exactly what it needs), and cdk-nag's runtime finding acknowledged (pinned to Node 22 on purpose). Construct
 * ids: `<id>`, `<id>Logs`, `<id>Role`.
 */
export function workerFunction(
  scope: Construct,
  id: string,
  props: WorkerFunctionProps,
): { fn: NodejsFunction; role: Role } {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.description} (least privilege, no managed policies)`,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, id, {
    entry: `${PROJECT_ROOT}${props.entry}`,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
    description: props.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: 512,
    timeout: props.timeout,
    ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
    role,
    logGroup,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: BUNDLING_DEFAULTS,
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-L1',
    reason:
      'Pinned to nodejs22.x like the API functions: the bundle targets node22 and the dependencies are tested on Node 22.',
  });
  return { fn, role };
}
