import { useEffect, useState } from 'preact/hooks';
import type { TaxFormBody, TaxYearView } from '../../shared/schemas/tax.ts';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { downloadFile } from '../lib/download.ts';
import { html } from '../lib/html.ts';
import { ErrorNote, FormOutcome } from '../lib/ui.ts';

type TaxForm = NonNullable<TaxYearView['tax_form']>;

/** The forms the API accepts (shared/domain/tax.ts TAX_FORMS; the page imports no server code, only types). */
const FORMS: Array<{ value: TaxFormBody['form']; label: string }> = [
  { value: 'W-9', label: 'W-9 (US person)' },
  { value: 'W-8BEN', label: 'W-8BEN (foreign individual)' },
  { value: 'W-8BEN-E', label: 'W-8BEN-E (foreign entity)' },
];

const today = () => new Date().toISOString().slice(0, 10);
const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : 'Something went wrong. Try again.');
const inputValue = (event: Event) => (event.target as HTMLInputElement).value;

/**
 * Records the tax form an affiliate sent (PUT /admin/affiliates/{id}/tax-form): which form, when it arrived and, at
 * most, the TIN's last four digits. The full TIN never goes in here: it stays on the signed form in your files.
 */
export function TaxFormPanel({ api, affiliateId }: { api: ApiClient; affiliateId: string }) {
  const [affiliate, setAffiliate] = useState(affiliateId);
  const [form, setForm] = useState<TaxFormBody['form']>('W-9');
  const [receivedOn, setReceivedOn] = useState(today);
  const [last4, setLast4] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  useEffect(() => setAffiliate(affiliateId), [affiliateId]);

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setDone(undefined);
    const id = affiliate.trim();
    if (!id) return setError('Enter the affiliate id.');
    if (last4 !== '' && !/^\d{4}$/.test(last4))
      return setError('Enter exactly the last 4 digits of the TIN, or leave it empty. Never the full number.');
    setBusy(true);
    setError(undefined);
    try {
      const body: TaxFormBody = { form, received_on: receivedOn, ...(last4 ? { tin_last4: last4 } : {}) };
      const saved = await api.put<{ affiliate_id: string; tax_form: TaxForm }>(
        `/admin/affiliates/${encodeURIComponent(id)}/tax-form`,
        body,
      );
      const tin = saved.tax_form.tin_last4 ? `, TIN ending ${saved.tax_form.tin_last4}` : '';
      setDone(
        `${saved.tax_form.form} recorded for ${saved.affiliate_id} (received ${saved.tax_form.received_on}${tin}).`,
      );
      setLast4('');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="card" aria-labelledby="tax-form-title">
    <div class="card-head">
      <h2 id="tax-form-title">Tax form</h2>
      <p class="muted small">Record the form an affiliate sent. Keep the signed form itself in your files: only the
        last 4 digits of the TIN are stored here.</p>
    </div>
    <form class="tax-form" onSubmit=${onSubmit} novalidate>
      <div class="field">
        <label for="tax-affiliate">Affiliate id</label>
        <input id="tax-affiliate" type="text" value=${affiliate} placeholder="aff-…" autocomplete="off" onInput=${(event: Event) => setAffiliate(inputValue(event))} />
      </div>
      <div class="field">
        <label for="tax-form-kind">Form</label>
        <select id="tax-form-kind" value=${form} onChange=${(event: Event) => setForm(inputValue(event) as TaxFormBody['form'])}>
          ${FORMS.map((option) => html`<option value=${option.value}>${option.label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="tax-received">Received on</label>
        <input id="tax-received" type="date" value=${receivedOn} max=${today()} onInput=${(event: Event) => setReceivedOn(inputValue(event))} />
      </div>
      <div class="field">
        <label for="tax-last4">Last 4 of TIN (optional)</label>
        <input id="tax-last4" type="text" inputmode="numeric" pattern="[0-9]{4}" maxlength="4" autocomplete="off" value=${last4}
          aria-describedby="tax-last4-hint" onInput=${(event: Event) => setLast4(inputValue(event))} />
        <p id="tax-last4-hint" class="muted small">4 digits. Never the full SSN or EIN.</p>
      </div>
      <button type="submit" class="button button-primary" disabled=${busy}>Record tax form</button>
    </form>
    <${FormOutcome} error=${error} done=${done} />
  </section>`;
}

/** The year's CSV for the 1099s (GET /admin/tax/{year}.csv), saved under the server's filename. */
export function TaxYearExport({ api }: { api: ApiClient }) {
  const [year, setYear] = useState(() => String(new Date().getUTCFullYear()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (!/^\d{4}$/.test(year)) return setError('Enter a year of four digits, like 2026.');
    setBusy(true);
    setError(undefined);
    try {
      await downloadFile(api, `/admin/tax/${year}.csv`, `tax-${year}.csv`);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="tax-year-title">
    <div class="card-head">
      <h2 id="tax-year-title">Tax year export</h2>
      <p class="muted small">One row per affiliate paid in the year (UTC): totals, the form on file and whether a
        1099-NEC looks due. You still file the forms yourself.</p>
    </div>
    <form class="inline-form" onSubmit=${onSubmit} novalidate>
      <div class="field field-inline field-year">
        <label for="tax-year">Year</label>
        <input id="tax-year" type="text" inputmode="numeric" pattern="[0-9]{4}" maxlength="4" value=${year}
          onInput=${(event: Event) => setYear(inputValue(event))} />
      </div>
      <button type="submit" class="button" disabled=${busy}>Export tax year CSV</button>
    </form>
    ${error ? html`<${ErrorNote} message=${error} />` : null}
  </section>`;
}
