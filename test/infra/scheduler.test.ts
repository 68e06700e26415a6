import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AFFILIATES } from '../../shared/store/dynamodb/tables.ts';
import { allowedPairs, arnOf, indexArnOf, pairs, synth, type Synthesized } from './helpers.ts';

/** Issue 13: the payout scheduler and its EventBridge Scheduler schedule. */
describe('Stack: the payout scheduler', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });
  afterAll(() => s.cleanup());

  it('runs daily at 00:00 UTC with an explicit retry policy, passing the scheduled time as `at`', () => {
    const schedules = Object.values(s.template.findResources('AWS::Scheduler::Schedule')).map((r) => r.Properties);
    expect(schedules).toHaveLength(1);
    const [schedule] = schedules;
    expect(schedule.ScheduleExpression).toBe('cron(0 0 * * ? *)');
    expect(schedule.State).toBe('ENABLED');
    expect(schedule.Target).toMatchObject({
      Arn: arnOf(s.id(s.stack.scheduler.function)),
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      Input: JSON.stringify({ at: '<aws.scheduler.scheduled-time>' }),
    });
  });

  it('lets the scheduler read the sparse schedule index and reserve payouts, nothing more', () => {
    const t = s.stack.tables;
    const ids = {
      affiliates: s.id(t.affiliates.table),
      payouts: s.id(t.payouts.table),
      idempotency: s.id(t.idempotency.table),
      taxYears: s.id(t.taxYears.table),
    };
    expect(allowedPairs(s.template, s.id(s.stack.scheduler.role))).toEqual(
      [
        ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], arnOf(s.id(s.stack.scheduler.function.logGroup))),
        ...pairs(['dynamodb:Query'], indexArnOf(ids.affiliates, AFFILIATES.scheduleIndex.name)),
        ...pairs(['dynamodb:GetItem', 'dynamodb:UpdateItem'], arnOf(ids.affiliates)),
        ...pairs(['dynamodb:PutItem'], arnOf(ids.payouts)),
        ...pairs(['dynamodb:GetItem', 'dynamodb:PutItem'], arnOf(ids.idempotency)),
        ...pairs(['dynamodb:GetItem', 'dynamodb:ConditionCheckItem'], arnOf(ids.taxYears)),
      ].sort(),
    );
  });

  it('gives the schedule its own role that can invoke only the scheduler', () => {
    const roles = s.template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] } },
    });
    expect(Object.keys(roles)).toHaveLength(1);
    const [role] = Object.keys(roles);
    const fn = arnOf(s.id(s.stack.scheduler.function));
    expect(allowedPairs(s.template, role as string)).toEqual(
      [
        ...pairs(['lambda:InvokeFunction'], fn),
        ...pairs(['lambda:InvokeFunction'], { 'Fn::Join': ['', [fn, ':*']] }),
      ].sort(),
    );
  });
});
