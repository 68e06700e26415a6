import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readOptions } from './options.ts';
import { PayoutsStack } from './payouts-stack.ts';

/**
 * Builds the CDK app: the stack from context, checked by cdk-nag's AwsSolutions pack. An unacknowledged finding
 * fails `cdk synth` and `cdk deploy`. bin/app.ts and the infra tests both build the app here.
 * @example const { app, stack } = createApp({ context: { stage: 'dev' } });
 */
export function createApp(props: AppProps = {}): { app: App; stack: PayoutsStack } {
  const app = new App(props);
  const options = readOptions(app.node);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new PayoutsStack(app, options.stackName, {
    options,
    description: `Affiliate payouts backend (${options.stage})`,
    // Without credentials (offline synth) both are unset and the template stays environment-agnostic.
    ...(account && region ? { env: { account, region } } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
