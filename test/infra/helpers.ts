import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createApp } from '../../lib/app.ts';
import { PROJECT_ROOT } from '../../lib/constructs/api-function.ts';
import type { PayoutsStack } from '../../lib/payouts-stack.ts';

/** The feature flags and settings in cdk.json, so tests synthesize what `cdk synth` does. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

export interface Synthesized {
  stack: PayoutsStack;
  template: Template;
  /** The cloud assembly directory (a fresh temp dir). */
  outdir: string;
  /** The logical ID CloudFormation gets for a construct (its default child when it is an L2). */
  id(construct: IConstruct): string;
  cleanup(): void;
}

/**
 * Builds the app exactly as bin/app.ts does (cdk.json context, cdk-nag attached), plus `context`, and synthesizes it.
 * Synthesis throws when cdk-nag reports an unacknowledged finding.
 * Bundling is off unless `bundle` is set, and CDK's built-in CloudFormation schema validation (which `cdk synth`
 * runs, ~3 s the first time in a process) only with `cfnValidation`: template tests stay fast.
 */
export function synth(
  context: Record<string, unknown> = {},
  { bundle = false, cfnValidation = false } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'payouts-cdk-'));
  const { stack } = createApp({
    outdir,
    builtinCloudFormationValidation: cfnValidation,
    context: { ...CDK_JSON_CONTEXT, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const template = Template.fromStack(stack);
  return {
    stack,
    template,
    outdir,
    id: (construct) => {
      const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
      if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation element`);
      return stack.getLogicalId(element);
    },
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every (action, resource) pair a role's inline policies allow, resources as JSON, sorted: easy to compare exactly. */
export function allowedPairs(template: Template, roleLogicalId: string): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const pairs: string[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref);
    if (!roles.includes(roleLogicalId)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat()) {
        for (const resource of [statement.Resource].flat()) pairs.push(`${action} ${JSON.stringify(resource)}`);
      }
    }
  }
  return pairs.sort();
}

/** `Fn::GetAtt [id, Arn]`, the way CloudFormation names a created table's (or log group's) ARN. */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** A created table's GSI ARN, as the stack writes it. */
export const indexArnOf = (tableLogicalId: string, indexName: string) => ({
  'Fn::Join': ['', [arnOf(tableLogicalId), `/index/${indexName}`]],
});

/** The pairs for `actions` on one resource, in allowedPairs' format. */
export const pairs = (actions: readonly string[], resource: unknown) =>
  actions.map((action) => `${action} ${JSON.stringify(resource)}`);

/** The environment variables a function gets, by the function's logical ID. */
export function environmentOf(template: Template, functionLogicalId: string): Record<string, unknown> {
  const fn = template.toJSON().Resources[functionLogicalId] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return fn.Properties.Environment.Variables;
}
