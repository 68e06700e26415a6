import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  deliveryIdOf,
  destinationChangeOf,
  destinationRecipients,
  EMAIL_KINDS,
  emailsFor,
  newFlagOf,
  eventIdOf,
  MAX_DELIVERY_ATTEMPTS,
  nextAttemptAfter,
  transitionsOf,
  wants,
} from '../../shared/domain/notifications.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { loadNotifyConfig } from '../../shared/notify/config.ts';
import {
  renderDestinationChanged,
  renderEmail,
  renderProviderEventFlagged,
} from '../../shared/usecases/email-templates.ts';
import {
  addressAllowed,
  checkEndpointUrl,
  checkUrlShape,
  type Resolver,
  signedHeaders,
} from '../../shared/notify/webhook-transport.ts';
import { eventBody } from '../../shared/usecases/notify-payout.ts';

const requested: Payout = {
  payout_id: 'p-1',
  affiliate_id: 'aff-1',
  amount: 123_456,
  currency: 'USD',
  payment_method: 'paypal',
  payment_email: 'ann@example.com',
  status: 'pending',
  requested_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
  history: [{ at: '2026-12-01T10:00:00.000Z', by: 'user-1', from: null, to: 'pending' }],
};
const moved = (payout: Payout, to: Payout['status'], at: string, extra: Partial<Payout> = {}): Payout => ({
  ...payout,
  ...extra,
  status: to,
  updated_at: at,
  history: [...payout.history, { at, by: 'admin-1', from: payout.status, to }],
});

describe('transitionsOf: a write of a payout -> the transitions it holds', () => {
  const processing = moved(requested, 'processing', '2026-12-01T11:00:00.000Z');
  const completed = moved(processing, 'completed', '2026-12-01T12:00:00.000Z', { transaction_id: 'T-1' });

  it('an insert is the request, sequence 1', () => {
    expect(transitionsOf(undefined, requested)).toEqual([
      {
        event_id: eventIdOf('p-1', 0, 'pending'),
        type: 'payout.requested',
        payout_id: 'p-1',
        sequence: 1,
        from: null,
        to: 'pending',
        at: '2026-12-01T10:00:00.000Z',
        by: 'user-1',
      },
    ]);
  });

  it('a move is the history entry it added, with the next sequence; the same write always gives the same id', () => {
    const [first] = transitionsOf(processing, completed);
    expect(first).toMatchObject({ type: 'payout.completed', sequence: 3, from: 'processing', to: 'completed' });
    expect(transitionsOf(processing, completed)[0]!.event_id).toBe(first!.event_id);
    expect(first!.event_id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('ids differ across payouts, entries and statuses', () => {
    const ids = new Set([
      eventIdOf('p-1', 0, 'pending'),
      eventIdOf('p-2', 0, 'pending'),
      eventIdOf('p-1', 1, 'processing'),
      eventIdOf('p-1', 1, 'failed'),
    ]);
    expect(ids.size).toBe(4);
  });

  it('a write that changed no status (a status_reason update), a removal, a stale image: nothing', () => {
    expect(transitionsOf(processing, { ...processing, status_reason: 'PayPal: unclaimed' })).toEqual([]);
    expect(transitionsOf(processing, undefined)).toEqual([]);
    expect(transitionsOf(completed, processing)).toEqual([]);
  });

  it.each([
    ['processing', 'payout.processing'],
    ['failed', 'payout.failed'],
    ['cancelled', 'payout.cancelled'],
  ] as const)('pending -> %s is %s', (to, type) => {
    expect(transitionsOf(requested, moved(requested, to, '2026-12-02T00:00:00.000Z'))[0]!.type).toBe(type);
  });

  it('the affiliate hears of every change; the operators of every new request', () => {
    expect(emailsFor({ type: 'payout.requested' })).toEqual([
      { kind: 'payout.requested', audience: 'affiliate' },
      { kind: 'ops.payout_requested', audience: 'ops' },
    ]);
    expect(emailsFor({ type: 'payout.returned' })).toEqual([{ kind: 'payout.returned', audience: 'affiliate' }]);
  });
});

describe('Webhook retry schedule', () => {
  it('5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then give up (7 tries)', () => {
    const start = new Date('2026-12-01T00:00:00.000Z');
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => {
      const next = nextAttemptAfter(attempt, start);
      return next.kind === 'retry' ? (Date.parse(next.at) - start.getTime()) / 1000 : undefined;
    });
    expect(delays).toEqual([5, 300, 1_800, 7_200, 18_000, 36_000]);
    expect(nextAttemptAfter(7, start)).toEqual({ kind: 'give-up' });
    expect(MAX_DELIVERY_ATTEMPTS).toBe(7);
  });

  it('a delivery id is one per event and endpoint; an empty subscription wants everything', () => {
    expect(deliveryIdOf('evt_1', 'whe_a')).toBe(deliveryIdOf('evt_1', 'whe_a'));
    expect(deliveryIdOf('evt_1', 'whe_a')).not.toBe(deliveryIdOf('evt_1', 'whe_b'));
    expect(wants([], 'payout.failed')).toBe(true);
    expect(wants(['payout.completed'], 'payout.failed')).toBe(false);
  });
});

describe('E-mail templates', () => {
  const context = (payout: Payout) => ({ payout, at: payout.updated_at, dashboardUrl: 'https://app.example.com/' });
  const secretish = {
    notes: 'internal: sk_live_123 token eyJhbGciOi stack trace at Provider.send',
    processed_by: 'admin-secret-user',
  };

  it.each(EMAIL_KINDS)('%s: a subject, a text and an HTML part, the amount in dollars, nothing internal', (kind) => {
    const payout = moved(requested, 'failed', '2026-12-02T09:30:00.000Z', {
      ...secretish,
      status_reason: 'PayPal says the receiving account is closed',
      transaction_id: 'TX-9',
    });
    const email = renderEmail(kind, {
      ...context(payout),
      webhook: {
        url: 'https://hooks.example.com/x',
        eventType: 'payout.failed',
        eventId: 'evt_1',
        attempts: 7,
        lastStatus: 500,
      },
    });
    expect(email.subject.length).toBeGreaterThan(10);
    expect(email.text).toContain('$1,234.56');
    expect(email.html).toContain('$1,234.56');
    for (const part of [email.subject, email.text, email.html]) {
      expect(part).not.toMatch(/sk_live|eyJhbGciOi|stack trace|admin-secret-user|internal:/);
    }
    if (kind.startsWith('payout.')) expect(email.text).toContain('https://app.example.com/?payout=p-1');
  });

  it('paid: the transaction id; failed: the reason in plain words and what to do', () => {
    const completed = moved(requested, 'completed', '2026-12-02T09:30:00.000Z', { transaction_id: 'PAYPAL-77' });
    expect(renderEmail('payout.completed', context(completed)).text).toContain('Transaction id: PAYPAL-77');
    const failed = moved(requested, 'failed', '2026-12-02T09:30:00.000Z', {
      status_reason: 'PayPal says the receiving account is closed',
    });
    const text = renderEmail('payout.failed', context(failed)).text;
    expect(text).toContain('PayPal says the receiving account is closed');
    expect(text).toContain('check your payout method');
    expect(text).toContain('contact');
  });

  it('escapes what it puts in HTML', () => {
    const payout = { ...requested, payment_email: '"><script>alert(1)</script>@example.com' };
    const { html } = renderEmail('payout.requested', context(payout));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('Webhook URL safety (SSRF)', () => {
  it.each([
    ['169.254.169.254', false],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:a9fe:a9fe', false],
    ['93.184.215.14', true],
    ['2606:4700::1111', true],
  ])('%s allowed in AWS: %s', (address, allowed) => {
    expect(addressAllowed(address, false)).toBe(allowed);
  });

  it('locally loopback is allowed, nothing else private', () => {
    expect(addressAllowed('127.0.0.1', true)).toBe(true);
    expect(addressAllowed('::1', true)).toBe(true);
    expect(addressAllowed('169.254.169.254', true)).toBe(false);
    expect(addressAllowed('10.0.0.1', true)).toBe(false);
  });

  const resolver: Resolver = async (host) => {
    const answers: Record<string, Array<{ address: string; family: number }>> = {
      localhost: [{ address: '127.0.0.1', family: 4 }],
      'internal.example.com': [{ address: '10.0.0.7', family: 4 }],
      'mixed.example.com': [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
      'hooks.example.com': [{ address: '93.184.215.14', family: 4 }],
    };
    const answer = answers[host];
    if (!answer) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return answer;
  };

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254/',
    'https://127.1/',
    'https://0x7f000001/',
    'https://2130706433/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://localhost/',
    'https://internal.example.com/hook',
    'https://mixed.example.com/hook',
    'https://nowhere.invalid/',
    'http://hooks.example.com/',
    'https://user:pass@hooks.example.com/',
    'ftp://hooks.example.com/',
    'not a url',
  ])('refuses %s in AWS', async (url) => {
    await expect(checkEndpointUrl(url, false, resolver)).rejects.toThrow();
  });

  it('accepts https to a public name, and connects to the address it checked', async () => {
    await expect(checkEndpointUrl('https://hooks.example.com/x', false, resolver)).resolves.toMatchObject({
      address: '93.184.215.14',
      family: 4,
    });
  });

  it.each([
    'http://127.1:4000/',
    'http://0x7f000001:4000/',
    'http://2130706433:4000/',
    'http://017700000001:4000/',
    'http://127.0.0.1.:4000/',
    'http://[::ffff:127.0.0.1]:4000/',
  ])('refuses the loopback trick %s even locally', (url) => {
    expect(() => checkUrlShape(url, true)).toThrow(/plain IP address/);
  });

  it('locally takes http://127.0.0.1 but still not the metadata address', async () => {
    expect(checkUrlShape('http://localhost:4000/x', true).hostname).toBe('localhost');
    expect(checkUrlShape('http://[::1]:4000/x', true).hostname).toBe('[::1]');
    expect(checkUrlShape('http://127.0.0.1:4000/x', true).hostname).toBe('127.0.0.1');
    await expect(checkEndpointUrl('http://127.0.0.1:4000/x', true, resolver)).resolves.toBeDefined();
    await expect(checkEndpointUrl('http://169.254.169.254/', true, resolver)).rejects.toThrow();
  });
});

describe('Signing (Standard Webhooks)', () => {
  it('the headers verify with the standardwebhooks library; the body carries id, type, created_at, sequence, data.payout', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const [transition] = transitionsOf(undefined, requested);
    const body = eventBody(transition!, requested);
    const headers = signedHeaders({ secret, id: transition!.event_id, body, timestamp: new Date() });
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({
      id: transition!.event_id,
      type: 'payout.requested',
      created_at: '2026-12-01T10:00:00.000Z',
      sequence: 1,
      data: { payout: { payout_id: 'p-1', amount: 123_456, status: 'pending' } },
    });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
});

describe('Notification config', () => {
  it('defaults, and refuses a bad value by name', () => {
    expect(loadNotifyConfig({})).toMatchObject({ allowLocalWebhooks: false, webhookTimeoutMs: 10_000 });
    expect(() => loadNotifyConfig({ MAIL_FROM: 'nope' })).toThrow(/MAIL_FROM/);
    expect(() => loadNotifyConfig({ DASHBOARD_URL: 'javascript:alert(1)' })).toThrow(/DASHBOARD_URL/);
    expect(() => loadNotifyConfig({ ALLOW_LOCAL_WEBHOOKS: 'yes' })).toThrow(/ALLOW_LOCAL_WEBHOOKS/);
  });
});

describe('A changed payout destination -> who is told', () => {
  const before = { affiliate_id: 'aff-1', payment_method: 'paypal', payment_email: 'old@example.com' };
  const after = {
    ...before,
    payment_email: 'new@example.com',
    previous_destination: { payment_method: 'paypal', payment_email: 'old@example.com' },
    destination_changed_at: '2026-12-03T10:00:00.000Z',
    cooldown_until: '2026-12-05T10:00:00.000Z',
  };

  it('the write that stamps a new destination_changed_at is a change; any later write of the affiliate is not', () => {
    const change = destinationChangeOf(before, after);
    expect(change).toMatchObject({
      affiliate_id: 'aff-1',
      at: '2026-12-03T10:00:00.000Z',
      before: { payment_email: 'old@example.com' },
      after: { payment_email: 'new@example.com' },
    });
    expect(destinationChangeOf(after, { ...after, total_pending: 5_000 } as typeof after)).toBeUndefined();
    expect(destinationChangeOf(undefined, before)).toBeUndefined();
    expect(destinationChangeOf(after, undefined)).toBeUndefined();
  });

  it('tells the new and the old address, each under its own key; one address (a method change) is told once', () => {
    const recipients = destinationRecipients(destinationChangeOf(before, after)!);
    expect(recipients.map(({ role, to }) => [role, to])).toEqual([
      ['new', 'new@example.com'],
      ['old', 'old@example.com'],
    ]);
    expect(new Set(recipients.map((recipient) => recipient.key)).size).toBe(2);
    const methodOnly = destinationChangeOf(before, {
      ...before,
      payment_method: 'zelle',
      previous_destination: { payment_method: 'paypal', payment_email: 'OLD@example.com ' },
      destination_changed_at: '2026-12-04T00:00:00.000Z',
    });
    expect(destinationRecipients(methodOnly!).map(({ to }) => to)).toEqual(['old@example.com']);
  });

  it('the e-mail says what changed and when payouts resume, and escapes what the affiliate typed', () => {
    const change = destinationChangeOf(before, { ...after, payment_email: '<b>x</b>@example.com' })!;
    const mail = renderDestinationChanged(change, 'old', 'https://app.example.com/');
    expect(mail.subject).toBe('Your payout details were changed');
    expect(mail.text).toContain('Before: PayPal (old@example.com)');
    expect(mail.text).toContain('Payouts resume: 2026-12-05 10:00 UTC');
    expect(mail.text).toContain('payouts used to go here');
    expect(mail.html).not.toContain('<b>x</b>');
    expect(mail.html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('A provider event flagged for a person -> the operators are told', () => {
  const flagged = {
    event_key: 'stripe:evt_1',
    provider: 'stripe',
    event_type: 'transfer.reversed',
    payout_id: 'p-1',
    received_at: '2026-12-03T10:00:00.000Z',
    reason: 'Stripe reversed 2000 of 5000 cents (partial): check with the affiliate',
    flagged: 'yes' as const,
  };

  it('only the write that recorded the event flagged is a new flag; resolving it or any other event is not', () => {
    expect(newFlagOf(undefined, flagged)).toEqual({ event: flagged, key: 'email#provider-event#stripe:evt_1#ops' });
    const { flagged: _, ...resolved } = flagged;
    expect(newFlagOf(flagged, { ...resolved, resolved_at: 'x' } as typeof resolved)).toBeUndefined();
    expect(newFlagOf(flagged, flagged)).toBeUndefined();
    expect(newFlagOf(undefined, resolved)).toBeUndefined();
    expect(newFlagOf(flagged, undefined)).toBeUndefined();
  });

  it('the e-mail names the provider, the event, the payout and our reason, and where to review it', () => {
    const mail = renderProviderEventFlagged(flagged);
    expect(mail.subject).toBe('Action needed: a Stripe event needs review');
    expect(mail.text).toContain('Stripe reversed 2000 of 5000 cents (partial): check with the affiliate.');
    expect(mail.text).toContain('Event: transfer.reversed');
    expect(mail.text).toContain('Payout: p-1');
    expect(mail.text).toContain('Provider events needing review');
    const unknown = renderProviderEventFlagged({ ...flagged, payout_id: undefined, reason: '<script>' });
    expect(unknown.text).toContain('Payout: none matched');
    expect(unknown.html).not.toContain('<script>');
  });
});
