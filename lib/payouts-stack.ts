import { CfnOutput, RemovalPolicy, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ConfigError, loadConfig } from '../shared/config.ts';
import { AFFILIATES, PAYOUTS } from '../shared/store/dynamodb/tables.ts';
import { SERVICES } from '../shared/telemetry.ts';
import { ApiFunction, type ApiFunctionProps } from './constructs/api-function.ts';
import { OperationalAlarms } from './constructs/operational-alarms.ts';
import { PayoutScheduler } from './constructs/payout-scheduler.ts';
import { PayoutTables } from './constructs/payout-tables.ts';
import { ProviderPayments } from './constructs/provider-payments.ts';
import { Notifications } from './constructs/notifications.ts';
import { loadNotifyConfig } from '../shared/notify/config.ts';
import { WebSite } from './constructs/web-site.ts';
import { ContextError, type PayoutsStackOptions } from './options.ts';

type FunctionDefaults = Omit<ApiFunctionProps, 'entry' | 'description'>;

export interface PayoutsStackProps extends StackProps {
  options: PayoutsStackOptions;
}

/**
 * The affiliate payouts backend: four tables, one function per domain behind a public Function URL, the JWT
 * secret, and alarms to one SNS topic. See the README "Deploy" section for the context options.
 */
export class PayoutsStack extends Stack {
  readonly tables: PayoutTables;
  readonly payouts: ApiFunction;
  readonly admin: ApiFunction;
  readonly alarms: OperationalAlarms;
  readonly providers?: ProviderPayments;
  /** Automatic payouts (issue 13): the daily scheduler and its schedule. */
  readonly scheduler: PayoutScheduler;
  /** E-mails and outgoing webhooks (issue 12). */
  readonly notifications?: Notifications;
  /** The dashboard and the admin console behind CloudFront. */
  readonly site: WebSite;
  /** The HS256 secret, when tokens are not verified against a JWKS. */
  jwtSecret?: ISecret;

  /** The key pagination cursors are signed with, in JWKS mode (HS256 mode derives it from the JWT secret). */
  cursorSecret?: Secret;

  constructor(scope: Construct, id: string, props: PayoutsStackProps) {
    super(scope, id, props);
    const { options } = props;
    const removalPolicy = options.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    Tags.of(this).add('project', 'affiliate-payouts');
    Tags.of(this).add('stage', options.stage);

    this.tables = new PayoutTables(this, 'Tables', { stage: options.stage, existing: options.existingTables });
    const secretEnv = this.createSecrets(options, removalPolicy);
    this.site = new WebSite(this, 'Site', { stage: options.stage, logRetention: options.logRetention });
    const commonEnv = {
      AFFILIATES_TABLE: this.tables.affiliates.table.tableName,
      PAYOUTS_TABLE: this.tables.payouts.table.tableName,
      TAX_YEARS_TABLE: this.tables.taxYears.table.tableName,
      CORS_ALLOWED_ORIGINS: this.site.withOrigin(options.corsAllowedOrigins),
      // One namespace per stack: a dev stack's metrics never mix with prod's in the failure-rate alarm.
      METRICS_NAMESPACE: this.stackName,
      ...options.functionEnv,
      ...secretEnv,
    };
    const functionDefaults = {
      logRetention: options.logRetention,
      removalPolicy,
      ...(options.reservedConcurrency === undefined ? {} : { reservedConcurrency: options.reservedConcurrency }),
    };
    this.payouts = this.createPayoutsFunction({ ...functionDefaults, environment: commonEnv });
    this.admin = this.createAdminFunction({ ...functionDefaults, environment: commonEnv });
    for (const secret of [this.jwtSecret, this.cursorSecret]) {
      if (!secret) continue;
      this.payouts.allowSecretRead(secret);
      this.admin.allowSecretRead(secret);
    }

    // E-mails go out only where the notifier is deployed (context mailFrom, below): the pages say so only then.
    this.site.deploy(this.payouts.url, this.admin.url, { emails: this.node.tryGetContext('mailFrom') !== undefined });
    this.scheduler = new PayoutScheduler(this, 'PayoutScheduler', {
      affiliates: this.tables.affiliates,
      payouts: this.tables.payouts,
      idempotency: this.tables.idempotency,
      taxYears: this.tables.taxYears,
      environment: { ...commonEnv, IDEMPOTENCY_TABLE: this.tables.idempotency.table.tableName },
      logRetention: options.logRetention,
      removalPolicy,
      ...(options.reservedConcurrency === undefined ? {} : { reservedConcurrency: options.reservedConcurrency }),
    });

    this.alarms = new OperationalAlarms(this, 'Alarms', {
      ...(options.alarmEmail ? { alarmEmail: options.alarmEmail } : {}),
    });
    this.alarms.watchFunction('PayoutsApi', this.payouts.function);
    this.alarms.watchFunction('AdminPayoutsApi', this.admin.function);
    this.alarms.watchFunction('PayoutScheduler', this.scheduler.function);
    for (const { id: tableId, ref } of this.tables.all()) this.alarms.watchTable(tableId, ref);
    // Payouts complete or fail only through admin moves.
    this.alarms.watchPayoutFailureRate('AdminPayoutsApi', this.stackName, SERVICES.adminPayouts);

    // Paying through Stripe/PayPal (issue 10): on with context payoutProviders=stripe,paypal (or one of them).
    const payoutProviders = this.node.tryGetContext('payoutProviders') as string | undefined;
    if (payoutProviders !== undefined) {
      this.providers = new ProviderPayments(this, 'ProviderPayments', {
        stage: options.stage,
        affiliates: this.tables.affiliates,
        payouts: this.tables.payouts,
        taxYears: this.tables.taxYears,
        admin: this.admin,
        alarmTopic: this.alarms.topic,
        logRetention: options.logRetention,
        providers: String(payoutProviders)
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      });
    }

    // E-mails and outgoing webhooks (issue 12): on with context mailFrom (a verified SES identity), with opsEmail and
    // dashboardUrl (the site by default); checked by the functions' own parser.
    const mailFrom = this.node.tryGetContext('mailFrom') as string | undefined;
    if (mailFrom !== undefined) {
      const notify = checkedNotify({
        MAIL_FROM: mailFrom,
        OPS_EMAIL: (this.node.tryGetContext('opsEmail') as string | undefined) ?? options.alarmEmail,
        DASHBOARD_URL: this.node.tryGetContext('dashboardUrl') as string | undefined,
      });
      this.notifications = new Notifications(this, 'Notifications', {
        stage: options.stage,
        payouts: this.tables.payouts,
        affiliates: this.tables.affiliates,
        ...(this.providers ? { attempts: this.providers.attempts, providerEvents: this.providers.events } : {}),
        admin: this.admin,
        alarmTopic: this.alarms.topic,
        logRetention: options.logRetention,
        mailFrom: notify.mailFrom,
        opsEmail: notify.opsEmail,
        dashboardUrl: (this.node.tryGetContext('dashboardUrl') as string | undefined) ?? `${this.site.origin}/`,
      });
    }

    this.acknowledgeFindings(options);
    this.addOutputs();
  }

  /** Only secrets' ARNs reach the environment; the code reads the values once per cold start. */
  private createSecrets(options: PayoutsStackOptions, removalPolicy: RemovalPolicy): Record<string, string> {
    if (options.auth.mode === 'jwks') {
      this.cursorSecret = new Secret(this, 'CursorSecret', {
        description: 'Signs pagination cursors (a key is derived from it); replacing it only invalidates open cursors',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });
      return { CURSOR_SECRET_ARN: this.cursorSecret.secretArn };
    }
    this.jwtSecret = options.auth.existingSecretArn
      ? Secret.fromSecretCompleteArn(this, 'JwtSecret', options.auth.existingSecretArn)
      : this.createJwtSecret(removalPolicy);
    return { JWT_SECRET_ARN: this.jwtSecret.secretArn };
  }

  private createPayoutsFunction(defaults: FunctionDefaults): ApiFunction {
    const { affiliates, payouts, idempotency, taxYears } = this.tables;
    const fn = new ApiFunction(this, 'PayoutsApi', {
      ...defaults,
      entry: 'lambdas/payouts/handler.ts',
      description: 'Affiliate payouts API: balance, history, payout requests',
      environment: checked({ ...defaults.environment, IDEMPOTENCY_TABLE: idempotency.table.tableName }),
    });
    // Exactly the item actions the code sends (a TransactWriteItems is authorized per Put/Update inside it).
    // PutItem: a destination claim (issue 13) is put in the settings change's transaction.
    fn.allowTable(affiliates, ['GetItem', 'UpdateItem', 'PutItem'], [AFFILIATES.userIndex.name]);
    fn.allowTable(payouts, ['GetItem', 'PutItem', 'UpdateItem'], [PAYOUTS.affiliateIndex.name]);
    fn.allowTable(idempotency, ['GetItem', 'PutItem']);
    // The year's totals (the tax form gate, the affiliate's year), and the gate's check inside the reservation.
    fn.allowTable(taxYears, ['GetItem', 'ConditionCheckItem']);
    return fn;
  }

  private createAdminFunction(defaults: FunctionDefaults): ApiFunction {
    const { affiliates, payouts, taxYears } = this.tables;
    const fn = new ApiFunction(this, 'AdminPayoutsApi', {
      ...defaults,
      entry: 'lambdas/admin-payouts/handler.ts',
      description: 'Admin payouts API: the review queue and the payout lifecycle',
      // The idempotency table: POST /admin/schedules/run requests payouts through the request use case (issue 13).
      environment: checked({ ...defaults.environment, IDEMPOTENCY_TABLE: this.tables.idempotency.table.tableName }),
    });
    // Issue 13: a schedule run reserves payouts (payout Put, idempotency record, the tax gate's check) after reading
    // the sparse schedule index; sends and completions check the affiliate's review flag (ConditionCheck).
    fn.allowTable(this.tables.idempotency, ['GetItem', 'PutItem']);
    fn.allowTable(payouts, ['PutItem']);
    fn.allowTable(affiliates, ['ConditionCheckItem'], [AFFILIATES.scheduleIndex.name]);
    fn.allowTable(taxYears, ['ConditionCheckItem']);
    // BatchGetItem: the admin listing reads the full rows of a page of index hits in one call.
    fn.allowTable(
      payouts,
      ['GetItem', 'BatchGetItem', 'UpdateItem'],
      [PAYOUTS.affiliateIndex.name, PAYOUTS.statusIndex.name],
    );
    // BatchGetItem: the tax year export reads the forms on file of the year's affiliates; UpdateItem records a form.
    fn.allowTable(affiliates, ['GetItem', 'BatchGetItem', 'UpdateItem']);
    // GetItem: the receipt sequence; UpdateItem: totals and sequence in the completing and returning transactions;
    // Query: the export reads one year's partition (never a Scan).
    fn.allowTable(taxYears, ['GetItem', 'UpdateItem', 'Query']);
    return fn;
  }

  private addOutputs(): void {
    const { affiliates, payouts, idempotency, taxYears } = this.tables;
    new CfnOutput(this, 'PayoutsUrl', {
      value: this.payouts.url.url,
      description: 'Affiliate-facing API base URL (the dashboard calls this)',
    });
    new CfnOutput(this, 'AdminPayoutsUrl', {
      value: this.admin.url.url,
      description: 'Admin API base URL (the admin dashboard calls this)',
    });
    new CfnOutput(this, 'AffiliatesTableName', { value: affiliates.table.tableName });
    new CfnOutput(this, 'PayoutsTableName', { value: payouts.table.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: idempotency.table.tableName });
    new CfnOutput(this, 'TaxYearsTableName', { value: taxYears.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    if (this.jwtSecret) {
      new CfnOutput(this, 'JwtSecretArn', {
        value: this.jwtSecret.secretArn,
        description: 'Secrets Manager secret holding the HS256 key (the ARN only; read the value with the AWS CLI)',
      });
    }
  }

  private createJwtSecret(removalPolicy: RemovalPolicy): Secret {
    return new Secret(this, 'JwtSecret', {
      description: 'HS256 key that verifies affiliate and admin JWTs; the auth system that signs them shares it',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
  }

  /** cdk-nag AwsSolutions findings this design accepts, each on the one resource it concerns, with the reason. */
  private acknowledgeFindings(options: PayoutsStackOptions): void {
    for (const fn of [this.payouts, this.admin]) {
      Validations.of(fn.function).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the bundle targets node22, dependencies are pinned to versions tested on ' +
          'Node 22 (@types/node 22, middy 6), and a runtime upgrade is its own tested change.',
      });
    }
    if (this.jwtSecret instanceof Secret) {
      Validations.of(this.jwtSecret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          'The HS256 key is shared with the external auth system that signs the tokens, so a rotation Lambda here ' +
          'would break sign-in; it is rotated by hand in step with that system (README "Rotating the JWT secret").',
      });
    }
    if (this.cursorSecret) {
      Validations.of(this.cursorSecret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          'Replacing the cursor key only invalidates open pagination cursors; it needs no rotation Lambda (README "Deploy").',
      });
    }
    if (options.stage === 'dev') {
      for (const { ref } of this.tables.all()) {
        if (ref.adopted) continue;
        Validations.of(ref.table).acknowledge({
          id: 'AwsSolutions::AwsSolutions-DDB3',
          reason: 'stage=dev is a throwaway stack with test data: no point-in-time recovery, so it tears down fully.',
        });
      }
    }
  }
}

/**
 * Runs the functions' own config parser (shared/config.ts) over the environment the stack is about to give them, so
 * a bad setting fails `cdk synth` instead of every cold start. Unresolved tokens (table names, the secret ARN) are
 * plain non-empty strings here, which is all the parser asks of them.
 */
function checked(environment: Record<string, string>): Record<string, string> {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ContextError(`The functions would refuse this configuration: ${error.message}`);
    throw error;
  }
  return environment;
}

/** The notification settings through the functions' own parser, so a bad address fails `cdk synth`. */
function checkedNotify(values: Record<string, string | undefined>) {
  const env = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
  try {
    return loadNotifyConfig(env);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ContextError(`The notifier would refuse this configuration: ${error.message}`);
    throw error;
  }
}
