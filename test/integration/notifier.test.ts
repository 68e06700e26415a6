import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { invoke } from '../support/http.ts';
import { affiliate } from '../support/app.ts';
import { DynamoAttemptStore } from '../../shared/store/dynamodb/attempt-store.ts';
import { type NotifyApp, notifyApp } from '../support/notify.ts';

/**
 * The notifier for real: DynamoDB Local's payouts stream drained into it, e-mails through the SDK into a local SES
 * endpoint (aws-ses-v2-local, read back through GET /store), webhooks into a receiver that verifies every signature
 * with the standardwebhooks library.
 */
describe('Payout notifier: e-mails and signed webhooks from the payouts stream', () => {
  let app: NotifyApp;
  const ann = affiliate('ann', { total_earned: 1_000_000, payment_email: 'ann@example.com' });
  const bob = affiliate('bob', { total_earned: 10_000_000, payment_email: 'bob@example.com' });
  const cara = affiliate('cara', { total_earned: 50_000, payment_email: 'cara@example.com' });

  beforeAll(async () => {
    app = await notifyApp([ann, bob, cara]);
    await app.register();
  });
  afterAll(() => app.stop());

  const mailTo = async (to: string) => (await app.mail()).filter((mail) => mail.destination.to.includes(to));

  it('request -> processing -> completed: the e-mails (affiliate + operators) and three signed events in order', async () => {
    const id = await app.request('user-ann', 12_345);
    expect((await app.process(id, { status: 'processing' })).status).toBe(200);
    expect((await app.process(id, { status: 'completed', transaction_id: 'PAYPAL-1' })).status).toBe(200);
    await app.until(async () => (await mailTo('ann@example.com')).length === 3, 'three e-mails to ann');
    await app.until(() => app.receiver.received.filter((r) => r.json.data.payout.payout_id === id).length === 3);

    const mails = await mailTo('ann@example.com');
    expect(mails.map((mail) => mail.subject)).toEqual([
      'We received your payout request for $123.45 USD',
      'Your payout of $123.45 USD is on its way',
      'You have been paid $123.45 USD',
    ]);
    for (const mail of mails) {
      expect(mail.from).toBe('payouts@example.com');
      expect(mail.body.text).toContain(`https://dashboard.example.com/?payout=${id}`);
      expect(mail.body.html).toContain('$123.45');
    }
    expect(mails[2]!.body.text).toContain('Transaction id: PAYPAL-1');
    const ops = await mailTo('ops@example.com');
    expect(ops.filter((mail) => mail.body.text?.includes(id)).map((mail) => mail.subject)).toEqual([
      'New payout request: $123.45 USD for aff-ann',
    ]);

    const events = app.receiver.received.filter((r) => r.json.data.payout.payout_id === id);
    expect(events.every((event) => event.verified)).toBe(true);
    expect(events.map((event) => [event.json.type, event.json.sequence])).toEqual([
      ['payout.requested', 1],
      ['payout.processing', 2],
      ['payout.completed', 3],
    ]);
    for (const event of events) {
      expect(event.headers['webhook-id']).toBe(event.json.id);
      expect(event.json.id).toMatch(/^evt_/);
      expect(event.headers['webhook-signature']).toMatch(/^v1,/);
    }
    expect(new Set(events.map((event) => event.json.id)).size).toBe(3);
    expect(events[2]!.json.data.payout).toMatchObject({
      status: 'completed',
      transaction_id: 'PAYPAL-1',
      amount: 12_345,
    });
  });

  it('the same stream batches delivered again (twice): no second e-mail, no second event, no new id', async () => {
    const id = await app.request('user-ann', 5_000);
    await app.process(id, { status: 'failed', notes: 'internal: bank said R03 (do not show)' });
    await app.until(async () =>
      (await mailTo('ann@example.com')).some(
        (mail) => mail.body.text?.includes(id) && mail.subject.includes('could not be paid'),
      ),
    );
    await app.until(() => app.receiver.received.filter((r) => r.json.data.payout.payout_id === id).length === 2);
    const mailsBefore = (await app.mail()).length;
    const eventsBefore = app.receiver.received.length;
    const deliveriesBefore = (await app.items('webhookDeliveries')).length;

    const batches = [...app.batches];
    for (let round = 0; round < 2; round += 1) {
      for (const batch of batches) expect((await app.handler(batch)).batchItemFailures).toEqual([]);
    }
    // And two notifiers at once on the same batches (Lambda may run a retry beside a slow first invocation).
    await Promise.all([...batches, ...batches].map((batch) => app.handler(batch)));

    expect((await app.mail()).length).toBe(mailsBefore);
    expect(app.receiver.received.length).toBe(eventsBefore);
    expect((await app.items('webhookDeliveries')).length).toBe(deliveriesBefore);
    const failed = (await mailTo('ann@example.com')).find(
      (mail) => mail.body.text?.includes(id) && mail.subject.includes('could not be paid'),
    );
    expect(failed!.body.text).toContain('check your payout method');
    expect(`${failed!.body.text}${failed!.body.html}`).not.toContain('R03');
  });

  it('concurrent moves on many payouts: exactly one e-mail per transition and audience, one event id per transition', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) ids.push(await app.request('user-bob', 1_000 + i));
    // Each payout is raced: completed vs failed vs processing; the one conditional transaction lets one at a time win.
    await Promise.all(
      ids.flatMap((id) => [
        app.process(id, { status: 'completed', transaction_id: `T-${id}` }),
        app.process(id, { status: 'failed' }),
        app.process(id, { status: 'processing' }),
      ]),
    );
    const stored = await Promise.all(ids.map((id) => app.stored(id)));
    const transitions = stored.reduce((sum, payout) => sum + (payout!.history as unknown[]).length, 0);
    await app.until(async () => (await mailTo('bob@example.com')).length === transitions, 'one e-mail per transition');
    await app.until(
      () =>
        app.receiver.received.filter((r) => ids.includes(String(r.json.data.payout.payout_id))).length === transitions,
      'one event per transition',
    );
    // Redeliver every batch once more while the drain may still run: nothing new.
    await Promise.all(app.batches.map((batch) => app.handler(batch)));
    const events = app.receiver.received.filter((r) => ids.includes(String(r.json.data.payout.payout_id)));
    expect(events.length).toBe(transitions);
    expect(new Set(events.map((event) => event.json.id)).size).toBe(transitions);
    expect(events.every((event) => event.verified)).toBe(true);
    expect((await mailTo('bob@example.com')).length).toBe(transitions);
    for (const [index, id] of ids.entries()) {
      const sequences = events
        .filter((event) => event.json.data.payout.payout_id === id)
        .map((event) => event.json.sequence)
        .sort();
      expect(sequences).toEqual(stored[index]!.history.map((_: unknown, i: number) => i + 1));
    }
  });

  it('a provider attempt that failed on our side: the operators are e-mailed once', async () => {
    const id = await app.request('user-ann', 7_000);
    await app.process(id, { status: 'processing' });
    const attempt = {
      payout_id: id,
      attempt: 1,
      provider: 'paypal',
      idempotency_key: `payout-${id}-attempt-1`,
      status: 'failed',
      amount: 7_000,
      destination: 'ann@example.com',
      error: { code: 'INSUFFICIENT_FUNDS', message: 'platform balance too low (sk_test internal)', category: 'ours' },
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      created_by: 'admin-1',
    };
    await app.db.client.send(new PutCommand({ TableName: app.db.providerTables.attempts, Item: attempt }));
    const subject = 'Action needed: a payout of $70.00 USD failed on our side';
    await app.until(async () => (await mailTo('ops@example.com')).some((mail) => mail.subject === subject));
    for (const batch of app.batches) await app.handler(batch);
    const ops = (await mailTo('ops@example.com')).filter((mail) => mail.subject === subject);
    expect(ops).toHaveLength(1);
    expect(`${ops[0]!.body.text}`).not.toContain('sk_test');
  });

  it('a provider event recorded for a person e-mails the operators once; an applied event and a resolve tell nobody', async () => {
    const store = new DynamoAttemptStore(app.db.client, app.db.tables, app.db.providerTables);
    const at = new Date().toISOString();
    const base = { provider: 'paypal', event_type: 'PAYMENT.PAYOUTS-ITEM.RETURNED', received_at: at };
    const reason = 'PayPal reversed a payout that is pending';
    await store.recordEvent(
      { ...base, event_key: 'paypal:WH-FLAG-1', payout_id: 'p-flag', outcome: 'flagged', reason },
      true,
    );
    await store.recordEvent({ ...base, event_key: 'paypal:WH-APPLIED-1', payout_id: 'p-ok', outcome: 'applied' });
    const subject = 'Action needed: a PayPal event needs review';
    const about = async () => (await mailTo('ops@example.com')).filter((mail) => mail.subject === subject);
    await app.until(async () => (await about()).length === 1, 'the operators e-mailed about the flagged event');
    expect((await about())[0]!.body.text).toContain(`${reason}.`);
    expect((await about())[0]!.body.text).toContain('Payout: p-flag');

    // Resolved by an operator (the flag removed), and every batch delivered again: nobody is told anything more.
    expect((await store.resolveEvent('paypal:WH-FLAG-1', 'admin-1', at, 'checked with PayPal')).kind).toBe('resolved');
    for (const batch of [...app.batches]) expect((await app.handler(batch)).batchItemFailures).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await about()).toHaveLength(1);
    expect((await mailTo('ops@example.com')).some((mail) => mail.body.text?.includes('WH-APPLIED-1'))).toBe(false);
  });

  it('the admin routes: list (no secret), deliveries with attempt and status code, 404s, 400 on a bad body', async () => {
    const list = await app.adminCall('GET', '/admin/webhook-endpoints');
    expect(list.status).toBe(200);
    expect(list.json.data.endpoints).toHaveLength(1);
    expect(JSON.stringify(list.json)).not.toContain('whsec_');
    const endpoint = list.json.data.endpoints[0];
    const deliveries = await app.adminCall('GET', `/admin/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.json.data.deliveries[0]).toMatchObject({ status: 'delivered', attempt: 1, status_code: 200 });
    expect((await app.adminCall('GET', '/admin/webhook-endpoints/whe_nope/deliveries')).status).toBe(404);
    expect((await app.adminCall('DELETE', '/admin/webhook-endpoints/whe_nope')).status).toBe(404);
    expect((await app.adminCall('POST', '/admin/webhook-deliveries/dlv_nope/redeliver')).status).toBe(404);
    const bad = await app.adminCall('POST', '/admin/webhook-endpoints', {
      url: 'https://x.example.com',
      events: ['payout.paid'],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('VALIDATION_ERROR');
    const affiliateToken = await app.affiliateToken('user-ann');
    expect(
      (await invoke(app.admin, { method: 'GET', path: '/admin/webhook-endpoints', token: affiliateToken })).status,
    ).toBe(403);
  });

  it('a changed payout e-mail tells the old and the new address once each, and a redelivered record tells nobody again', async () => {
    const cara = 'user-cara';
    const put = (body: Record<string, unknown>) =>
      app
        .affiliateToken(cara)
        .then((token) => invoke(app.payouts, { method: 'PUT', path: '/payouts/settings', token, body }));
    const changed = await put({ payment_email: 'cara-new@example.com' });
    expect(changed.status).toBe(200);
    const until = changed.json.data.cooldown_until as string;
    const about = async () => (await app.mail()).filter((mail) => mail.subject === 'Your payout details were changed');
    await app.until(async () => (await about()).length === 2, 'two destination e-mails');
    const mails = await about();
    const to = (address: string) => mails.filter((mail) => mail.destination.to.includes(address));
    expect(to('cara@example.com')).toHaveLength(1);
    expect(to('cara-new@example.com')).toHaveLength(1);
    expect(to('cara@example.com')[0]!.body.text).toContain('payouts used to go here');
    for (const mail of mails) {
      expect(mail.body.text).toContain('PayPal (cara@example.com)');
      expect(mail.body.text).toContain('PayPal (cara-new@example.com)');
      expect(mail.body.text).toContain(`Payouts resume: ${until.slice(0, 10)}`);
      expect(mail.body.text).toContain('If you did not make this change');
    }

    // A write that changes no destination (the schedule; the counters of a request) tells nobody.
    expect((await put({ schedule: 'weekly' })).status).toBe(200);
    // Every batch again, twice: the e-mails are keyed by the change, so nothing is sent twice.
    for (let round = 0; round < 2; round += 1)
      for (const batch of [...app.batches]) expect((await app.handler(batch)).batchItemFailures).toEqual([]);
    expect(await about()).toHaveLength(2);
  });
});
