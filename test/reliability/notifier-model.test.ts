import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyTables, deleteNotifyTables } from '../../bin/local/notify-tables.ts';
import { startLocalSes } from '../../bin/local/notify.ts';
import { startStreamDrain } from '../../bin/local/stream-drain.ts';
import { createAdminPayoutsHandler } from '../../lambdas/admin-payouts/app.ts';
import { createNotifierHandler } from '../../lambdas/payout-notifier/app.ts';
import { eventTypeOf, transitionsOf } from '../../shared/domain/notifications.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { createNotifyRuntime } from '../../shared/notify-runtime.ts';
import { payoutRecordWanted } from '../../shared/notify/stream-filters.ts';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { invoke } from '../support/http.ts';
import { type Receiver, type StoredMail, sentMail, startReceiver } from '../support/notify.ts';
import { replay, sizes } from './support/figures.ts';
import { executeOp, seedOf } from './support/operations.ts';
import {
  type Cmd,
  type Executed,
  linearize,
  type ModelAffiliate,
  type ModelState,
  type Op,
  resolve,
  type Resolver,
  type Scenario,
  scenarioArb,
} from './support/model.ts';
import { createSystem, snapshot, type System, wipe } from './support/system.ts';

const SUBJECT_START: Record<string, string> = {
  'payout.requested': 'We received your payout request',
  'payout.processing': 'Your payout of',
  'payout.completed': 'You have been paid',
  'payout.failed': 'Your payout of',
  'payout.returned': 'Your payout of',
  'payout.cancelled': 'Your payout request for',
};

/**
 * The model-based operations (test/reliability/support/model.ts: requests, replays, cancels, admin moves to every
 * status, bulk moves, concurrent groups) through the real handlers, with the payouts stream drained into the real
 * notifier, a local SES endpoint and a signature-checking receiver. After each run, and again after every batch is
 * delivered a second time: each history entry of each payout gave exactly one e-mail to the affiliate (the right
 * one), each request one to the operators, and exactly one webhook event with its own id and sequence.
 */
describe('Model: every transition produces its e-mail and its event, once', () => {
  let system: System;
  let receiver: Receiver;
  let ses: Awaited<ReturnType<typeof startLocalSes>>;
  let drain: ReturnType<typeof startStreamDrain>;
  let handler: ReturnType<typeof createNotifierHandler>;
  const batches: DynamoDBStreamEvent[] = [];
  const tables = {
    notifications: `notifications-m-${randomUUID().slice(0, 8)}`,
    webhookEndpoints: `webhook-endpoints-m-${randomUUID().slice(0, 8)}`,
    webhookDeliveries: `webhook-deliveries-m-${randomUUID().slice(0, 8)}`,
  };
  const runs = Math.max(1, Math.ceil(sizes.modelRuns / 50)); // 4 by default (the long mode raises it): seconds, not minutes
  const figures = { runs: 0, transitions: 0, emails: 0, events: 0 };

  beforeAll(async () => {
    system = await createSystem();
    await createNotifyTables(system.db.endpoint, tables);
    ses = await startLocalSes();
    receiver = await startReceiver();
    const runtime = createNotifyRuntime(
      {
        DYNAMODB_ENDPOINT: system.db.endpoint,
        PAYOUTS_TABLE: system.db.tables.payouts,
        NOTIFICATIONS_TABLE: tables.notifications,
        WEBHOOK_ENDPOINTS_TABLE: tables.webhookEndpoints,
        WEBHOOK_DELIVERIES_TABLE: tables.webhookDeliveries,
        SES_ENDPOINT: ses.url,
        ALLOW_LOCAL_WEBHOOKS: 'true',
        LOG_LEVEL: 'silent',
      },
      'model-notifier',
    );
    handler = createNotifierHandler(runtime);
    const admin = createAdminPayoutsHandler(system.runtime, undefined, runtime);
    const res = await invoke(admin, {
      method: 'POST',
      path: '/admin/webhook-endpoints',
      token: await system.token('admin-model', true),
      body: { url: `${receiver.url}/model` },
    });
    receiver.state.secret = res.json.data.secret;
    drain = startStreamDrain({
      endpoint: system.db.endpoint,
      table: system.db.tables.payouts,
      filter: payoutRecordWanted,
      pollMs: 20,
      handler: async (event) => {
        batches.push(event);
        return handler(event);
      },
    });
  });
  afterAll(async () => {
    await drain?.stop();
    await receiver?.close();
    await ses?.stop();
    await deleteNotifyTables(system.db.endpoint, tables);
    await system.db.drop();
  });

  const execute = (op: Op, affiliates: ModelAffiliate[]): Promise<Executed> => executeOp(system, op, affiliates);

  /** What each payout's notifications should be, against what SES and the receiver got. */
  const mismatches = (payouts: Payout[], mail: StoredMail[]): string[] => {
    const problems: string[] = [];
    for (const payout of payouts) {
      const transitions = transitionsOf(undefined, payout);
      const mine = mail.filter((m) => m.body.text?.includes(payout.payout_id));
      const toAffiliate = mine.filter((m) => m.destination.to.includes(payout.payment_email));
      const toOps = mine.filter((m) => m.destination.to.includes('ops@example.com'));
      const expected = transitions.map((t) => SUBJECT_START[t.type]!).sort();
      const got = toAffiliate.map((m) => expected.find((start) => m.subject.startsWith(start)) ?? m.subject).sort();
      if (JSON.stringify(got) !== JSON.stringify(expected))
        problems.push(`${payout.payout_id}: affiliate e-mails ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
      if (toOps.length !== 1) problems.push(`${payout.payout_id}: ${toOps.length} operator e-mails, not 1`);
      const events = receiver.received.filter((r) => r.json.data.payout.payout_id === payout.payout_id);
      const ids = events.map((e) => e.json.id).sort();
      const wanted = transitions.map((t) => t.event_id).sort();
      if (JSON.stringify(ids) !== JSON.stringify(wanted))
        problems.push(`${payout.payout_id}: events ${JSON.stringify(ids)} != ${JSON.stringify(wanted)}`);
      const types = events.map((e) => `${e.json.sequence}:${e.json.type}`).sort();
      const wantedTypes = transitions.map((t) => `${t.sequence}:${eventTypeOf(t.to)}`).sort();
      if (JSON.stringify(types) !== JSON.stringify(wantedTypes))
        problems.push(`${payout.payout_id}: event types ${types}`);
      if (!events.every((e) => e.verified)) problems.push(`${payout.payout_id}: a signature did not verify`);
    }
    return problems;
  };

  const runScenario = async (scenario: Scenario) => {
    figures.runs += 1;
    const prefix = `n${figures.runs}-${Date.now().toString(36)}`;
    await wipe(system.db.client, system.db.tables, await snapshot(system.db.client, system.db.tables));
    const affiliates: ModelAffiliate[] = scenario.affiliates.map((initial, index) => ({
      id: `aff-${prefix}-${index}`,
      user: `user-${prefix}-${index}`,
      status: initial.suspended ? 'suspended' : 'active',
      ...(initial.tier ? { tier: initial.tier } : {}),
      earned: initial.earned,
      method: initial.method,
      email: `${prefix}-${index}@example.com`,
    }));
    await system.db.seed(affiliates.map(seedOf));
    let state: ModelState = { affiliates, payouts: new Map(), keys: new Map() };
    const resolver: Resolver = { order: [], keyed: new Map() };
    for (const cmd of scenario.commands) {
      const group = (cmd.t === 'concurrent' ? cmd.ops : [cmd]) as Exclude<Cmd, { t: 'concurrent' }>[];
      const executed = await Promise.all(group.map((one) => execute(resolve(one, resolver, state), state.affiliates)));
      const verdict = linearize(
        state,
        executed,
        await snapshot(system.db.client, system.db.tables),
        cmd.t === 'concurrent',
      );
      if (!verdict.state) throw new Error(`the model broke: ${verdict.problems.join('; ')}`);
      state = verdict.state;
      for (const id of state.payouts.keys()) if (!resolver.order.includes(id)) resolver.order.push(id);
    }
    const payouts = (await snapshot(system.db.client, system.db.tables)).payouts as unknown as Payout[];
    // Quiescence: the drain has delivered everything (polled, bounded), then every check.
    const deadline = Date.now() + 30_000;
    let problems = mismatches(payouts, await sentMail(ses.url));
    while (problems.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      problems = mismatches(payouts, await sentMail(ses.url));
    }
    if (problems.length > 0) throw new Error(`notifications wrong after the run:\n  ${problems.join('\n  ')}`);
    // Every batch so far delivered once more: nothing changes.
    for (const batch of [...batches]) await handler(batch);
    problems = mismatches(payouts, await sentMail(ses.url));
    if (problems.length > 0) throw new Error(`notifications wrong after redelivery:\n  ${problems.join('\n  ')}`);
    const transitions = payouts.reduce((sum, payout) => sum + payout.history.length, 0);
    figures.transitions += transitions;
    figures.events += transitions;
    figures.emails += transitions + payouts.length;
  };

  it(`${runs} model runs: one e-mail per transition (and per request to the operators), one event id per transition`, async () => {
    const details = await fc.check(fc.asyncProperty(scenarioArb(Math.min(sizes.modelMaxCommands, 10)), runScenario), {
      numRuns: runs,
      ...(replay.seed !== undefined ? { seed: replay.seed } : {}),
    });
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${fc.defaultReportMessage(details) ?? 'failed'}\n${cause}`);
    }
    expect(figures.runs).toBeGreaterThanOrEqual(runs);
    expect(figures.transitions).toBeGreaterThan(0);
  }, 240_000);
});
