import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, FunctionUrlAuthType, Runtime, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { indexArn, type TableRef } from './payout-tables.ts';

/** The repository root: where package-lock.json and the handler entries live. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const ESM_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * How every function of the project is bundled: the local esbuild (never Docker), one minified ESM file with source
 * maps, the pinned SDK inside, and a require() for CommonJS dependencies that load Node built-ins.
 */
export const BUNDLING_DEFAULTS = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
  banner: ESM_BANNER,
};

/** The lazily loaded receipt renderer's file in each function's asset (shared/usecases/receipt.ts imports it). */
export const RECEIPT_RENDERER_FILE = 'receipt-renderer.mjs';

/**
 * The command that bundles shared/receipts/render.ts (and pdf-lib) into its own minified ESM file next to the
 * handler, with the same local esbuild and settings: the handler bundles never hold pdf-lib.
 */
function receiptRendererBuild(outputDir: string): string {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  return [
    quote(`${PROJECT_ROOT}node_modules/.bin/esbuild`),
    quote(`${PROJECT_ROOT}shared/receipts/render.ts`),
    '--bundle --platform=node --format=esm --target=node22 --minify --main-fields=module,main --log-level=error',
    quote(`--banner:js=${ESM_BANNER}`),
    quote(`--outfile=${outputDir}/${RECEIPT_RENDERER_FILE}`),
  ].join(' ');
}

/**
 * The item-level DynamoDB actions a function may be granted on a table. TransactWriteItems has no action of its own:
 * IAM authorizes each item by its Put/Update/Delete/ConditionCheck action. BatchGetItem is its own action.
 */
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'ConditionCheckItem' | 'Query';

export interface ApiFunctionProps {
  /** Handler entry, relative to the repository root, exporting `handler`. */
  entry: string;
  description: string;
  environment: Readonly<Record<string, string>>;
  logRetention: RetentionDays;
  /** For the log group: RETAIN in prod, DESTROY in a dev stack. */
  removalPolicy: RemovalPolicy;
  reservedConcurrency?: number;
}

/**
 * One domain's Lambda function with the project's defaults: nodejs22.x on arm64, bundled by the local esbuild
 * (never Docker) into one minified ESM file with source maps, an explicit log group with a retention, its own role
 * with no managed policy, and a public Function URL (authType NONE: the code checks the JWT and answers CORS).
 * Permissions are added one table, index and action at a time with `allowTable` and `allowSecretRead`.
 * @example
 * const fn = new ApiFunction(this, 'Payouts', { entry: 'lambdas/payouts/handler.ts', ... });
 * fn.allowTable(tables.payouts, ['GetItem'], ['affiliate-payouts-index']);
 */
export class ApiFunction extends Construct {
  readonly function: NodejsFunction;
  readonly url: FunctionUrl;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (least privilege, no managed policies)`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        ...BUNDLING_DEFAULTS,
        // The receipt renderer (pdf-lib) is a file of its own next to the handler, imported on first use only.
        // openapi.json is copied next to it too, read from disk on GET /openapi.json only.
        define: {
          __RECEIPT_RENDERER__: JSON.stringify(`./${RECEIPT_RENDERER_FILE}`),
          __OPENAPI_DOCUMENT__: JSON.stringify('./openapi.json'),
        },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            receiptRendererBuild(outputDir),
            `cp '${PROJECT_ROOT}openapi.json' '${outputDir}/openapi.json'`,
          ],
        },
      },
    });
    this.url = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
  }

  /**
   * Grants exactly `actions` on the table and dynamodb:Query on each index named (never the whole `index/*`).
   * @example fn.allowTable(tables.affiliates, ['GetItem', 'UpdateItem'], ['user-affiliate-index']);
   */
  allowTable(ref: TableRef, actions: readonly ItemAction[], queryIndexes: readonly string[] = []): void {
    // 'Query' in `actions` is a Query of the table itself (its key), never of an index.
    if (actions.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: actions.map((action) => `dynamodb:${action}`),
          resources: [ref.table.tableArn],
        }),
      );
    }
    for (const name of queryIndexes) {
      if (!ref.indexNames.includes(name)) throw new Error(`Table has no index named ${name}`);
    }
    if (queryIndexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['dynamodb:Query'],
          resources: queryIndexes.map((name) => indexArn(ref.table, name)),
        }),
      );
    }
  }

  /** Grants secretsmanager:GetSecretValue on this one secret (not DescribeSecret, not any other secret). */
  allowSecretRead(secret: ISecret): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.secretArn],
      }),
    );
  }
}
