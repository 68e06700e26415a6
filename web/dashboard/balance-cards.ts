import type { SummaryView } from '../../shared/schemas/payouts.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';

const Card = ({ label, cents, hint, tone = '' }: { label: string; cents: number; hint: string; tone?: string }) =>
  html`<div class=${`stat ${tone}`}>
    <dt class="stat-label">${label}</dt>
    <dd class="stat-value" data-testid=${`balance-${label.toLowerCase()}`}>${formatCents(cents)}</dd>
    <dd class="stat-hint">${hint}</dd>
  </div>`;

/** Available, pending, paid and earned, from the summary's integer cents. */
export const BalanceCards = ({ summary }: { summary: SummaryView }) =>
  html`<section aria-labelledby="balance-title">
    <h2 id="balance-title" class="visually-hidden">Balance</h2>
    <dl class="stats">
      <${Card} label="Available" cents=${summary.available} tone="stat-primary"
        hint=${`Minimum payout ${formatCents(summary.minimum_payout)}${summary.tier ? ` (${summary.tier})` : ''}`} />
      <${Card} label="Pending" cents=${summary.pending} hint="Requested, not paid yet" />
      <${Card} label="Paid" cents=${summary.total_paid} hint="Sent to you so far" />
      <${Card} label="Earned" cents=${summary.total_earned} hint="Lifetime commissions" />
    </dl>
  </section>`;

export const BalanceSkeleton = () =>
  html`<section aria-labelledby="balance-title" aria-busy="true">
    <h2 id="balance-title" class="visually-hidden">Balance</h2>
    <div class="stats">${[0, 1, 2, 3].map(() => html`<div class="stat skeleton" aria-hidden="true"></div>`)}</div>
    <p class="visually-hidden" role="status">Loading your balance…</p>
  </section>`;
