import { MailRefusedError } from '../../shared/domain/notifications.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../shared/domain/notifications.ts';
import type { Resolver } from '../../shared/notify/webhook-transport.ts';
import { steppingClock } from '../support/admin.ts';
import { affiliate } from '../support/app.ts';
import { type NotifyApp, notifyApp } from '../support/notify.ts';

/** Retries on a fake clock, give-up, redeliver, delete, disable; e-mail failure modes; SSRF at create and at delivery. */
describe('Webhook deliveries: retries, give-up, redeliver, safety', () => {
  let app: NotifyApp;
  const clock = steppingClock(Date.now());
  const ann = affiliate('ann', { total_earned: 10_000_000, payment_email: 'ann@example.com' });
  let endpointId: string;

  beforeAll(async () => {
    app = await notifyApp([ann], { clock });
    endpointId = (await app.register()).id;
  });
  afterAll(() => app.stop());
  afterEach(() => {
    app.receiver.state.respond = () => ({ status: 200 });
  });

  const deliveriesOf = async (payoutId: string): Promise<WebhookDelivery[]> =>
    ((await app.items('webhookDeliveries')) as WebhookDelivery[]).filter((d) => d.payout_id === payoutId);
  const receivedFor = (payoutId: string) =>
    app.receiver.received.filter((r) => r.json.data.payout.payout_id === payoutId);
  const runDue = () => app.runtime.notifier.deliveries.runDue();
  /** The first try of every delivery of a payout has finished (its outcome written, not just its lease). */
  const firstTriesDone = async (payoutId: string, count = 1) => {
    const list = await deliveriesOf(payoutId);
    return (
      list.length === count && list.every((d) => d.attempts === 1 && (d.last_status_code ?? d.last_error) !== undefined)
    );
  };

  it('a failing receiver is retried after 5 s, then 5 min, with the same id and body; delivered on the third try', async () => {
    app.receiver.state.respond = () => ({ status: 503, body: 'x'.repeat(5_000) });
    const id = await app.request('user-ann', 5_000);
    await app.until(async () => (await firstTriesDone(id)) && receivedFor(id).length === 1);
    let [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 503 });
    expect(Date.parse(delivery!.next_attempt_at!) - clock.now().getTime()).toBe(5_000);
    expect(delivery!.response_excerpt!.length).toBe(200);

    expect((await runDue()).tried).toBe(0); // not due yet
    clock.tick(5_000);
    await runDue();
    [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2 });
    expect(Date.parse(delivery!.next_attempt_at!) - clock.now().getTime()).toBe(300_000);

    app.receiver.state.respond = () => ({ status: 204 });
    clock.tick(299_000);
    expect((await runDue()).tried).toBe(0);
    clock.tick(1_000);
    expect(await runDue()).toEqual({ tried: 1, delivered: 1 });
    [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 204 });
    expect((delivery as unknown as Record<string, unknown>).retry_due).toBeUndefined(); // out of the sparse index

    const tries = receivedFor(id);
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((t) => t.headers['webhook-id'])).size).toBe(1);
    expect(new Set(tries.map((t) => t.body)).size).toBe(1);
    expect(tries.every((t) => t.verified)).toBe(true);
    // Each try is signed when it is sent.
    expect(new Set(tries.map((t) => t.headers['webhook-timestamp'])).size).toBe(3);
  });

  it('seven failed tries over ~17.6 h: failed, the operators e-mailed once; redeliver gives one more try now', async () => {
    app.receiver.state.respond = () => ({ status: 500 });
    const id = await app.request('user-ann', 6_000);
    await app.until(() => firstTriesDone(id));
    for (const seconds of [5, 300, 1_800, 7_200, 18_000, 36_000]) {
      clock.tick(seconds * 1000);
      await runDue();
    }
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 7, last_status_code: 500 });
    expect(receivedFor(id)).toHaveLength(7);
    clock.tick(86_400_000);
    expect((await runDue()).tried).toBe(0);
    const ops = (await app.mail()).filter((m) => m.subject.startsWith('Webhook delivery failed: payout.requested'));
    expect(ops).toHaveLength(1);
    expect(ops[0]!.destination.to).toEqual(['ops@example.com']);

    app.receiver.state.respond = () => ({ status: 200, body: 'thanks' });
    const res = await app.adminCall('POST', `/admin/webhook-deliveries/${delivery!.delivery_id}/redeliver`);
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({
      status: 'delivered',
      attempt: 8,
      status_code: 200,
      response_excerpt: 'thanks',
    });
    expect(receivedFor(id)).toHaveLength(8);
    expect(new Set(receivedFor(id).map((t) => t.json.id)).size).toBe(1);
  });

  it('an endpoint failing for three days is disabled; nothing more is sent to it', async () => {
    app.receiver.state.respond = () => ({ status: 500 });
    const second = await app.register(`${app.receiver.url}/second`);
    const first = await app.request('user-ann', 2_000);
    await app.until(() => firstTriesDone(first, 2));
    clock.tick(3 * 86_400_000 + 1);
    const next = await app.request('user-ann', 2_100);
    await app.until(() => firstTriesDone(next, 2));
    const endpoints = (await app.adminCall('GET', '/admin/webhook-endpoints')).json.data.endpoints as Array<{
      id: string;
      status: string;
    }>;
    expect(endpoints.find((e) => e.id === second.id)?.status).toBe('disabled');
    // The older endpoint also failed since its first failure above, days ago: disabled too.
    expect(endpoints.find((e) => e.id === endpointId)?.status).toBe('disabled');
    const before = app.receiver.received.length;
    clock.tick(10_000);
    await runDue();
    expect(app.receiver.received.length).toBe(before);
    expect((await deliveriesOf(next)).every((d) => d.status === 'cancelled')).toBe(true);
    // Tidy: delete both; DELETE answers 200 then 404.
    for (const id of [second.id, endpointId]) {
      expect((await app.adminCall('DELETE', `/admin/webhook-endpoints/${id}`)).status).toBe(200);
      expect((await app.adminCall('DELETE', `/admin/webhook-endpoints/${id}`)).status).toBe(404);
    }
  });

  it('a deleted endpoint: its pending deliveries stop', async () => {
    app.receiver.state.respond = () => ({ status: 500 });
    const endpoint = await app.register(`${app.receiver.url}/third`);
    const id = await app.request('user-ann', 2_200);
    await app.until(() => firstTriesDone(id));
    expect((await app.adminCall('DELETE', `/admin/webhook-endpoints/${endpoint.id}`)).status).toBe(200);
    clock.tick(5_000);
    await runDue();
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'cancelled', last_error: 'endpoint deleted' });
    expect(receivedFor(id)).toHaveLength(1);
  });
});

describe('Webhook safety in AWS mode (ALLOW_LOCAL_WEBHOOKS=false)', () => {
  let app: NotifyApp;
  const dns: Record<string, string> = { 'hooks.example.com': '93.184.215.14', 'internal.example.com': '10.0.0.7' };
  const resolve: Resolver = async (host) => {
    const address = dns[host];
    if (!address) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };

  beforeAll(async () => {
    app = await notifyApp([affiliate('ann', { total_earned: 1_000_000 })], {
      env: { ALLOW_LOCAL_WEBHOOKS: 'false' },
      resolve,
    });
  });
  afterAll(() => app.stop());

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254/',
    'https://localhost/hook',
    'https://127.1/hook',
    'https://0x7f000001/hook',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://internal.example.com/hook',
    'http://hooks.example.com/hook',
    'https://admin:pw@hooks.example.com/hook',
  ])('POST /admin/webhook-endpoints refuses %s (400, nothing stored)', async (url) => {
    const res = await app.adminCall('POST', '/admin/webhook-endpoints', { url });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('UNSAFE_WEBHOOK_URL');
    expect(await app.items('webhookEndpoints')).toEqual([]);
  });

  it('checked again at delivery: a name that now resolves to 10.x (DNS rebinding) is not called', async () => {
    const created = await app.adminCall('POST', '/admin/webhook-endpoints', { url: 'https://hooks.example.com/hook' });
    expect(created.status).toBe(201);
    expect(created.json.data.secret).toMatch(/^whsec_/);
    dns['hooks.example.com'] = '10.0.0.8';
    const id = await app.request('user-ann', 3_000);
    await app.until(async () =>
      ((await app.items('webhookDeliveries')) as WebhookDelivery[]).some(
        (d) => d.payout_id === id && (d.last_status_code ?? d.last_error) !== undefined,
      ),
    );
    const [delivery] = ((await app.items('webhookDeliveries')) as WebhookDelivery[]).filter((d) => d.payout_id === id);
    expect(delivery!.last_error).toMatch(/^blocked: .*10\.0\.0\.8/);
    expect(delivery!.last_status_code).toBeUndefined();
  });
});

describe('Redirects are not followed (local mode)', () => {
  let app: NotifyApp;
  let target: ReturnType<typeof createServer>;
  let targetHits = 0;

  beforeAll(async () => {
    app = await notifyApp([affiliate('ann', { total_earned: 1_000_000 })]);
    target = createServer((_req, res) => {
      targetHits += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => target.close(resolve));
    await app.stop();
  });

  it('a 302 to another address is a failed try; the redirect target never hears from us', async () => {
    await app.register();
    const location = `http://127.0.0.1:${(target.address() as AddressInfo).port}/steal`;
    app.receiver.state.respond = () => ({ status: 302, headers: { location } });
    const id = await app.request('user-ann', 3_000);
    await app.until(async () =>
      ((await app.items('webhookDeliveries')) as WebhookDelivery[]).some(
        (d) => d.payout_id === id && (d.last_status_code ?? d.last_error) !== undefined,
      ),
    );
    const [delivery] = ((await app.items('webhookDeliveries')) as WebhookDelivery[]).filter((d) => d.payout_id === id);
    expect(delivery).toMatchObject({ status: 'pending', last_status_code: 302, last_error: 'redirect not followed' });
    expect(targetHits).toBe(0);
  });
});

describe('E-mail when SES fails', () => {
  it('a definite refusal releases the record: the stream retry sends it once; an uncertain failure is never resent', async () => {
    let refuse = 1;
    let hang = 0;
    const app = await notifyApp([affiliate('cara', { total_earned: 1_000_000, payment_email: 'cara@example.com' })], {
      mailer: (real) => ({
        send: async (email) => {
          if (refuse > 0 && email.to === 'cara@example.com') {
            refuse -= 1;
            throw new MailRefusedError('Throttling'); // what the SES adapter throws for a 4xx/5xx answer
          }
          if (hang > 0 && email.to === 'cara@example.com') {
            hang -= 1;
            await real.send(email); // it went out, but the answer is lost
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          }
          return real.send(email);
        },
      }),
    });
    // (aws-ses-v2-local keeps one store per process: this test's affiliate has an address of its own.)
    try {
      await app.request('user-cara', 4_000);
      await app.until(
        async () => (await app.mail()).filter((m) => m.destination.to.includes('cara@example.com')).length === 1,
      );
      expect(app.counts.failures).toBeGreaterThanOrEqual(1);
      for (const batch of app.batches) await app.handler(batch);
      expect((await app.mail()).filter((m) => m.destination.to.includes('cara@example.com'))).toHaveLength(1);

      hang = 1;
      const second = await app.request('user-cara', 4_100);
      await app.until(
        async () => (await app.mail()).filter((m) => m.destination.to.includes('cara@example.com')).length === 2,
      );
      for (const batch of app.batches) await app.handler(batch);
      const items = await app.items('notifications');
      const uncertain = items.filter((item) => item.payout_id === second && item.audience === 'affiliate');
      expect(uncertain).toHaveLength(1);
      expect(uncertain[0]!.status).toBe('sending'); // never marked sent, never sent again
      expect((await app.mail()).filter((m) => m.destination.to.includes('cara@example.com'))).toHaveLength(2);
    } finally {
      await app.stop();
    }
  });
});
