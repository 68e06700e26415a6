import type { ComponentChildren } from 'preact';
import type { PayoutView } from '../../shared/schemas/common.ts';
import { html } from './html.ts';
import { formatCents } from './money.ts';

type Status = PayoutView['status'];
type Change = NonNullable<PayoutView['history']>[number];

const STATUS_LABEL: Record<Status, string> = {
  pending: 'Pending',
  processing: 'Processing',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  returned: 'Returned',
};

/** A coloured status pill; the word is always there, colour only repeats it. */
export const StatusBadge = ({ status }: { status: Status }) =>
  html`<span class=${`badge badge-${status}`}>${STATUS_LABEL[status] ?? status}</span>`;

export const statusLabel = (status: Status) => STATUS_LABEL[status] ?? status;

export const Money = ({ cents }: { cents: number }) => html`<span class="money">${formatCents(cents)}</span>`;

const DATE = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' });
const DATE_TIME = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

export const formatDate = (iso: string | null | undefined) => (iso ? DATE.format(new Date(iso)) : '—');
export const formatDateTime = (iso: string | null | undefined) => (iso ? DATE_TIME.format(new Date(iso)) : '—');

export const DateTime = ({ iso, long = false }: { iso: string | null | undefined; long?: boolean }) =>
  iso
    ? html`<time datetime=${iso} title=${iso}>${long ? formatDateTime(iso) : formatDate(iso)}</time>`
    : html`<span>—</span>`;

/** A polite status line for loading states (announced, not focus-stealing). */
export const Loading = ({ label }: { label: string }) =>
  html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</p>`;

/** An error sentence; `role=alert` so screen readers hear it when it appears. */
export const ErrorNote = ({ message, onRetry }: { message: string; onRetry?: () => void }) =>
  html`<div class="note note-error" role="alert">
    <span>${message}</span>
    ${onRetry ? html`<button type="button" class="button button-small" onClick=${onRetry}>Try again</button>` : null}
  </div>`;

/** Under a form: the server's refusal (an alert) or what was done (a status), announced politely. */
export const FormOutcome = ({ error, done }: { error: string | undefined; done: string | undefined }) =>
  html`<div aria-live="polite">
    ${error ? html`<${ErrorNote} message=${error} />` : null}
    ${done ? html`<p class="note note-success" role="status">${done}</p>` : null}
  </div>`;

export const Empty = ({ title, children }: { title: string; children?: ComponentChildren }) =>
  html`<div class="empty"><p class="empty-title">${title}</p>${children ? html`<p class="muted">${children}</p>` : null}</div>`;

/** Shown instead of the page when the API answers 401: the token expired or was revoked. */
export const SessionEnded = ({ where }: { where: string }) =>
  html`<main id="main" class="shell">
    <section class="card session-ended" role="alert" aria-labelledby="session-ended-title">
      <h1 id="session-ended-title">Your session ended</h1>
      <p>Your sign-in is no longer valid, so nothing more can be shown or changed here. Open ${where} again from the
        link you were given (or sign in again) to continue.</p>
    </section>
  </main>`;

/** The status history of a payout, oldest first, as a vertical timeline. */
export const Timeline = ({ history }: { history: Change[] }) =>
  html`<ol class="timeline" aria-label="Status timeline">
    ${history.map(
      (change) => html`<li class="timeline-item">
        <span class=${`timeline-dot dot-${change.to}`} aria-hidden="true"></span>
        <div>
          <p class="timeline-title"><${StatusBadge} status=${change.to} />
            <span class="muted">${change.from ? `from ${statusLabel(change.from)}` : 'requested'}</span></p>
          <p class="muted small"><${DateTime} iso=${change.at} long=${true} /> · by ${change.by}</p>
          ${change.note ? html`<p class="timeline-note">${change.note}</p>` : null}
        </div>
      </li>`,
    )}
  </ol>`;

export const Header = ({
  title,
  subtitle,
  wide = false,
  children,
}: {
  title: string;
  subtitle?: string;
  wide?: boolean;
  children?: ComponentChildren;
}) =>
  html`<header class=${wide ? 'topbar wide' : 'topbar'}>
    <div class="topbar-inner">
      <div class="brand"><span class="logo" aria-hidden="true">P</span><span>Payouts</span></div>
      <div class="topbar-meta">${children}</div>
    </div>
    <div class="page-head">
      <h1>${title}</h1>
      ${subtitle ? html`<p class="muted">${subtitle}</p>` : null}
    </div>
  </header>`;

/** How a payment method reads on the pages. */
export const PAYMENT_METHOD_LABEL: Record<PayoutView['payment_method'], string> = {
  paypal: 'PayPal',
  zelle: 'Zelle',
  stripe: 'Stripe',
};
