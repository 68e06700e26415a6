import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affiliate, tokenFor } from '../support/app.ts';
import { type Receiver, sentMail, startReceiver } from '../support/notify.ts';
import { call, type RunningServer, startServer } from '../support/server.ts';

/**
 * Issue 12 end to end, exactly as `npm start` runs it: the server's own local SES endpoint (printed in its banner),
 * the payouts stream drained into the notifier, webhooks to a receiver on 127.0.0.1 that verifies each signature.
 */
describe('E-mails and webhooks with `npm start`', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let ses: string;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startServer({
      affiliates: [affiliate('e2e', { total_earned: 1_000_000, payment_email: 'e2e@example.com' })],
      env: { MAIL_FROM: 'payouts@example.com', OPS_EMAIL: 'ops@example.com', WEBHOOK_RETRY_INTERVAL_SECONDS: '1' },
    });
    ses = /local SES v2 on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())![1]!;
    admin = await tokenFor('admin-e2e', { role: 'admin' });
    user = await tokenFor('user-e2e');
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const until = async (check: () => Promise<boolean> | boolean, what: string) => {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > 30_000)
        throw new Error(`timed out waiting for ${what}\n${server.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('request a payout -> the e-mail in the local SES store and a signed payout.requested webhook', async () => {
    const created = await call(server.baseUrl, '/admin/webhook-endpoints', {
      method: 'POST',
      token: admin,
      body: { url: `${receiver.url}/hooks`, description: 'e2e receiver' },
    });
    expect(created.status).toBe(201);
    expect(created.json.data.secret).toMatch(/^whsec_/);
    receiver.state.secret = created.json.data.secret;

    const requested = await call(server.baseUrl, '/payouts/request', {
      method: 'POST',
      token: user,
      body: { amount: 2_500 },
      headers: { 'Idempotency-Key': 'e2e-notify-1' },
    });
    expect(requested.status).toBe(201);
    const payoutId = requested.json.data.payout.payout_id as string;

    await until(
      async () => (await sentMail(ses)).some((mail) => mail.destination.to.includes('e2e@example.com')),
      'the e-mail',
    );
    const mail = (await sentMail(ses)).find((m) => m.destination.to.includes('e2e@example.com'))!;
    expect(mail.subject).toBe('We received your payout request for $25.00 USD');
    expect(mail.from).toBe('payouts@example.com');
    expect(mail.body.text).toContain(`?payout=${payoutId}`);
    await until(() => receiver.received.length === 1, 'the webhook');
    const [event] = receiver.received;
    expect(event!.verified).toBe(true);
    expect(event!.json).toMatchObject({
      type: 'payout.requested',
      sequence: 1,
      data: { payout: { payout_id: payoutId } },
    });

    // The console's view of it, and one more try on demand.
    const list = await call(server.baseUrl, `/admin/webhook-endpoints/${created.json.data.id}/deliveries`, {
      token: admin,
    });
    expect(list.json.data.deliveries[0]).toMatchObject({
      event_id: event!.json.id,
      status: 'delivered',
      status_code: 200,
    });
    const again = await call(server.baseUrl, `/admin/webhook-deliveries/${list.json.data.deliveries[0].id}/redeliver`, {
      method: 'POST',
      token: admin,
    });
    expect(again.status).toBe(200);
    expect(again.json.data).toMatchObject({ status: 'delivered', attempt: 2 });
    expect(receiver.received.map((r) => r.json.id)).toEqual([event!.json.id, event!.json.id]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });
});
