import type { TaxYearView } from '../../shared/schemas/tax.ts';
import { html } from '../lib/html.ts';
import { formatCents } from '../lib/money.ts';
import { ErrorNote, Loading } from '../lib/ui.ts';

/** The current calendar year, in UTC as the server counts it. */
export const currentYear = () => String(new Date().getUTCFullYear());

/** "This year": what was paid in the calendar year (completed minus returned) and the tax form on file. */
export function YearTotals({
  year,
  view,
  error,
  onRetry,
}: {
  year: string;
  view: TaxYearView | undefined;
  error: string | undefined;
  onRetry: () => void;
}) {
  return html`<section class="card" aria-labelledby="year-title">
    <div class="card-head">
      <h2 id="year-title">This year (${year})</h2>
      <p class="muted small">Paid to you in ${year} (UTC), for your tax records; returned payouts are taken off.</p>
    </div>
    ${error ? html`<${ErrorNote} message=${error} onRetry=${onRetry} />` : null}
    ${!view && !error ? html`<${Loading} label="Loading this year's totals…" />` : null}
    ${
      view
        ? html`<dl class="facts year-facts">
          <div><dt>Paid in ${year}</dt><dd class="year-figure" data-testid="year-paid">${formatCents(view.paid_cents)}</dd></div>
          <div><dt>Payouts</dt><dd data-testid="year-count">${view.paid_count}</dd></div>
          <div><dt>Tax form</dt><dd data-testid="year-form">${
            view.tax_form
              ? `${view.tax_form.form} on file${view.tax_form.tin_last4 ? ` (TIN ending ${view.tax_form.tin_last4})` : ''}`
              : 'None on file'
          }</dd></div>
        </dl>`
        : null
    }
  </section>`;
}
