/**
 * Every e-mail the service sends, in one place: pure functions from what happened to `{subject, text, html}`.
 * Amounts are formatted from cents by shared/domain/money.ts; values are HTML-escaped; nothing here reads a
 * secret, a token, a provider's error text or an internal message — only what the affiliate may read (the
 * payout's own fields and its affiliate-facing status_reason).
 *
 * Adding an e-mail: add its kind to EMAIL_KINDS (shared/domain/notifications.ts) and one entry to TEMPLATES.
 */
import { describeCents } from '../domain/money.ts';
import type { DestinationChange, EmailKind, ProviderEventImage } from '../domain/notifications.ts';
import type { Payout } from '../domain/payout.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The payout fields an e-mail may show. */
export type EmailPayout = Pick<
  Payout,
  'payout_id' | 'affiliate_id' | 'amount' | 'payment_method' | 'payment_email' | 'status' | 'requested_at'
> &
  Partial<Pick<Payout, 'transaction_id' | 'status_reason' | 'processed_at'>>;

export interface EmailContext {
  payout: EmailPayout;
  /** When the change happened (ISO 8601). */
  at: string;
  /** The affiliate dashboard (DASHBOARD_URL). */
  dashboardUrl: string;
  /** For ops.webhook_failed: the endpoint, the event and how many tries were made. */
  webhook?: { url: string; eventType: string; eventId: string; attempts: number; lastStatus?: number | string };
}

/** One paragraph or a list of label/value lines: the body as data, rendered once as text and once as HTML. */
type Block = { p: string } | { rows: Array<[string, string]> } | { link: string; label: string };

interface Template {
  subject(context: EmailContext): string;
  blocks(context: EmailContext): Block[];
}

const METHOD_NAMES: Record<string, string> = { paypal: 'PayPal', zelle: 'Zelle', stripe: 'Stripe' };

const money = (context: EmailContext) => `${describeCents(context.payout.amount)} USD`;
const method = (context: EmailContext) =>
  `${METHOD_NAMES[context.payout.payment_method] ?? context.payout.payment_method} (${context.payout.payment_email})`;
const day = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const dashboard = (context: EmailContext): Block => ({
  link: payoutLink(context),
  label: 'See this payout in your dashboard',
});
const facts = (context: EmailContext, ...extra: Array<[string, string]>): Block => ({
  rows: [['Amount', money(context)], ['Paid to', method(context)], ['Payout', context.payout.payout_id], ...extra],
});

/** The dashboard with the payout open (`?payout=<id>`, as the dashboard reads it). */
export function payoutLink(context: Pick<EmailContext, 'dashboardUrl' | 'payout'>): string {
  const url = new URL(context.dashboardUrl);
  url.searchParams.set('payout', context.payout.payout_id);
  return url.toString();
}

const TEMPLATES: Record<EmailKind, Template> = {
  'payout.requested': {
    subject: (c) => `We received your payout request for ${money(c)}`,
    blocks: (c) => [
      { p: `We received your request for a payout of ${money(c)} on ${day(c.at)}.` },
      facts(c),
      {
        p: 'We review requests in order; we will e-mail you again when it is sent. You can cancel it while it is pending.',
      },
      dashboard(c),
    ],
  },
  'payout.processing': {
    subject: (c) => `Your payout of ${money(c)} is on its way`,
    blocks: (c) => [
      { p: `We sent your payout of ${money(c)} on ${day(c.at)}. It usually arrives within a few business days.` },
      facts(c),
      dashboard(c),
    ],
  },
  'payout.completed': {
    subject: (c) => `You have been paid ${money(c)}`,
    blocks: (c) => [
      { p: `Your payout of ${money(c)} was paid on ${day(c.at)}.` },
      facts(c, ['Transaction id', c.payout.transaction_id ?? '—']),
      { p: 'Your receipt is in your dashboard.' },
      dashboard(c),
    ],
  },
  'payout.failed': {
    subject: (c) => `Your payout of ${money(c)} could not be paid`,
    blocks: (c) => [
      {
        p: `We could not pay your payout of ${money(c)}: ${(
          c.payout.status_reason ?? 'the payment to your payout method did not go through'
        ).replace(/[.\s]+$/, '')}.`,
      },
      facts(c),
      {
        p:
          'The amount is back in your available balance. What to do: check your payout method (the e-mail or account ' +
          'we paid) and correct it, then request the payout again. If it still fails, reply to this e-mail or contact ' +
          'us and quote the payout id.',
      },
      dashboard(c),
    ],
  },
  'payout.returned': {
    subject: (c) => `Your payout of ${money(c)} was returned`,
    blocks: (c) => [
      {
        p: `The payment of ${money(c)} we sent you came back to us on ${day(c.at)} (the receiving account refused or returned it).`,
      },
      facts(c, ['Transaction id', c.payout.transaction_id ?? '—']),
      {
        p: 'Check your payout method, then contact us and quote the payout id: we will help you get paid.',
      },
      dashboard(c),
    ],
  },
  'payout.cancelled': {
    subject: (c) => `Your payout request for ${money(c)} was cancelled`,
    blocks: (c) => [
      {
        p: `Your payout request for ${money(c)} was cancelled on ${day(c.at)}. The amount is back in your available balance.`,
      },
      facts(c),
      { p: 'If you did not cancel it, contact us and quote the payout id.' },
      dashboard(c),
    ],
  },
  'ops.payout_requested': {
    subject: (c) => `New payout request: ${money(c)} for ${c.payout.affiliate_id}`,
    blocks: (c) => [
      { p: `${c.payout.affiliate_id} requested a payout on ${day(c.at)}.` },
      facts(c, ['Affiliate', c.payout.affiliate_id]),
      { p: 'It waits in the admin console queue (pending).' },
    ],
  },
  'ops.payout_failed_ours': {
    subject: (c) => `Action needed: a payout of ${money(c)} failed on our side`,
    blocks: (c) => [
      {
        p:
          'The provider refused to pay this payout for a reason on our side (platform balance, credentials). The payout ' +
          'stays processing: fix the cause, then retry it from the console.',
      },
      facts(c, ['Affiliate', c.payout.affiliate_id]),
    ],
  },
  'ops.webhook_failed': {
    subject: (c) =>
      `Webhook delivery failed: ${c.webhook?.eventType ?? 'event'} to ${c.webhook ? host(c.webhook.url) : ''}`,
    blocks: (c) => [
      {
        p: `We gave up delivering ${c.webhook?.eventType} (${c.webhook?.eventId}) to ${c.webhook?.url} after ${c.webhook?.attempts} tries.`,
      },
      {
        rows: [
          ['Last answer', String(c.webhook?.lastStatus ?? 'no answer')],
          ['Payout', c.payout.payout_id],
          ['Amount', money(c)],
        ],
      },
      { p: 'Redeliver it from the console once the endpoint is fixed.' },
    ],
  },
};

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text safe inside HTML (element content and quoted attributes). */
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

function textOf(blocks: Block[]): string {
  return `${blocks
    .map((block) => {
      if ('p' in block) return block.p;
      if ('rows' in block) return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
      return `${block.label}: ${block.link}`;
    })
    .join('\n\n')}\n`;
}

function htmlOf(subject: string, blocks: Block[]): string {
  const body = blocks
    .map((block) => {
      if ('p' in block) return `<p>${escapeHtml(block.p)}</p>`;
      if ('rows' in block)
        return `<table role="presentation">${block.rows
          .map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
          .join('')}</table>`;
      return `<p><a href="${escapeHtml(block.link)}">${escapeHtml(block.label)}</a></p>`;
    })
    .join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

/**
 * Renders one e-mail.
 * @example renderEmail('payout.completed', { payout, at, dashboardUrl: 'https://app.example.com/' }).subject
 *   // 'You have been paid $50.00 USD'
 */
export function renderEmail(kind: EmailKind, context: EmailContext): RenderedEmail {
  const template = TEMPLATES[kind];
  const subject = template.subject(context);
  const blocks = template.blocks(context);
  return { subject, text: textOf(blocks), html: htmlOf(subject, blocks) };
}

/** How a destination reads in an e-mail: the method and where it pays, never more than the affiliate typed. */
function destinationText(destination: DestinationChange['before']): string {
  const name = METHOD_NAMES[destination.payment_method ?? ''] ?? destination.payment_method ?? 'not set';
  const where = destination.stripe_account_id ?? destination.payment_email;
  return where ? `${name} (${where})` : name;
}

/**
 * The e-mail about a changed payout destination (issue 13), to the new address and to the old one: what changed,
 * when payouts resume, and what to do when it was not them.
 * @example renderDestinationChanged(change, 'old', 'https://app.example.com/').subject
 *   // 'Your payout details were changed'
 */
export function renderDestinationChanged(
  change: DestinationChange,
  role: 'old' | 'new',
  dashboardUrl: string,
): RenderedEmail {
  const subject = 'Your payout details were changed';
  const blocks: Block[] = [
    {
      p:
        role === 'old'
          ? `The payout details of your affiliate account were changed on ${day(change.at)}. We are writing to this address because payouts used to go here.`
          : `The payout details of your affiliate account were changed on ${day(change.at)}.`,
    },
    {
      rows: [
        ['Before', destinationText(change.before)],
        ['Now', destinationText(change.after)],
        ...(change.cooldown_until ? ([['Payouts resume', day(change.cooldown_until)]] as Array<[string, string]>) : []),
      ],
    },
    {
      p: change.cooldown_until
        ? 'For your safety, no payout is requested or sent until then.'
        : 'Your next payout goes to the new details.',
    },
    { p: 'If you did not make this change, contact us at once: we will hold your payouts while we check.' },
    { link: dashboardUrl, label: 'Open your dashboard' },
  ];
  return { subject, text: textOf(blocks), html: htmlOf(subject, blocks) };
}

/**
 * The operators' e-mail about a provider event recorded for a person (an unknown payout, a wrong amount, a partial
 * reversal, a contradiction): what the provider said, about which payout, and where to review it. The reason is
 * our own sentence; no provider body or secret is stored, so none can reach the e-mail.
 * @example renderProviderEventFlagged(event).subject // 'Action needed: a PayPal event needs review'
 */
export function renderProviderEventFlagged(event: ProviderEventImage): RenderedEmail {
  const provider = METHOD_NAMES[event.provider] ?? event.provider;
  const subject = `Action needed: a ${provider} event needs review`;
  const blocks: Block[] = [
    {
      p: `${provider} told us something we did not apply on our own, on ${day(event.received_at)}: ${(
        event.reason ?? 'it does not fit the payout'
      ).replace(/[.\s]+$/, '')}.`,
    },
    {
      rows: [
        ['Provider', provider],
        ['Event', event.event_type],
        ['Payout', event.payout_id ?? 'none matched'],
        ['Event key', event.event_key],
      ],
    },
    {
      p: 'We changed no payout for it. Check it with the provider (and the affiliate), then mark it reviewed in the admin console under "Provider events needing review".',
    },
  ];
  return { subject, text: textOf(blocks), html: htmlOf(subject, blocks) };
}
