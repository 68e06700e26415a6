import { useEffect, useState } from 'preact/hooks';
import type { SettingsView } from '../../shared/schemas/settings.ts';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { html } from '../lib/html.ts';
import { centsToInput, formatCents, parseDollars } from '../lib/money.ts';
import { ErrorNote, formatDateTime, Loading } from '../lib/ui.ts';

const METHODS = [
  ['paypal', 'PayPal'],
  ['zelle', 'Zelle'],
  ['stripe', 'Stripe'],
] as const;
const SCHEDULES = [
  ['manual', 'Only when I request one'],
  ['weekly', 'Every Monday'],
  ['monthly', 'On the 1st of each month'],
] as const;

/** The cool-down, said plainly: until when payouts wait, and why. */
export const CooldownNote = ({ until }: { until: string }) =>
  html`<div class="note note-warning note-stack" id="cooldown-note" role="status">
    <p><strong>Payouts are on hold until ${formatDateTime(until)}.</strong> Your payout details changed recently. For
      your safety we wait before sending money to a new destination; requests and automatic payouts resume then. If you
      did not make this change, contact the program now.</p>
  </div>`;

/**
 * Payout settings (PUT /payouts/settings): where money goes, the automatic schedule and its minimum. Only the
 * fields that changed are sent; the server's sentence is shown on a refusal.
 */
export function Settings({
  api,
  settings,
  error,
  onSaved,
  onRetry,
}: {
  api: ApiClient;
  settings: SettingsView | undefined;
  error: string | undefined;
  onSaved: (settings: SettingsView) => void;
  onRetry: () => void;
}) {
  const [form, setForm] = useState({ method: '', email: '', stripe: '', schedule: 'manual', minimum: '' });
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [done, setDone] = useState<string>();
  useEffect(() => {
    if (!settings) return;
    setForm({
      method: settings.payment_method ?? '',
      email: settings.payment_email ?? '',
      stripe: settings.stripe_account_id ?? '',
      schedule: settings.schedule,
      minimum: centsToInput(settings.auto_minimum),
    });
  }, [settings]);

  const set = (field: keyof typeof form) => (event: Event) => {
    setForm({ ...form, [field]: (event.target as HTMLInputElement | HTMLSelectElement).value });
    setSaveError(undefined);
    setDone(undefined);
  };

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (!settings) return;
    const body: Record<string, unknown> = {};
    if (form.method && form.method !== settings.payment_method) body.payment_method = form.method;
    if (form.email && form.email !== settings.payment_email) body.payment_email = form.email.trim();
    if (form.stripe && form.stripe !== settings.stripe_account_id) body.stripe_account_id = form.stripe.trim();
    if (form.schedule !== settings.schedule) body.schedule = form.schedule;
    const minimum = parseDollars(form.minimum);
    if (!minimum.ok) return setSaveError(`Automatic minimum: ${minimum.message}`);
    if (minimum.cents !== settings.auto_minimum) body.auto_minimum = minimum.cents;
    if (Object.keys(body).length === 0) return setDone('Nothing changed.');
    setBusy(true);
    try {
      const saved = await api.put<SettingsView>('/payouts/settings', body);
      setDone(saved.cooldown_until ? 'Saved. Your new payout details are held for a safety period first.' : 'Saved.');
      onSaved(saved);
    } catch (caught) {
      setSaveError(caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="card" aria-labelledby="settings-title" id="settings">
    <div class="card-head">
      <h2 id="settings-title">Payout settings</h2>
      <p class="muted small">Where we send your money, and whether we send it automatically.</p>
    </div>
    ${error ? html`<${ErrorNote} message=${error} onRetry=${onRetry} />` : null}
    ${!settings && !error ? html`<${Loading} label="Loading your settings…" />` : null}
    ${settings?.cooldown_until ? html`<${CooldownNote} until=${settings.cooldown_until} />` : null}
    ${
      settings
        ? html`<form class="settings-form" onSubmit=${onSubmit} novalidate>
          <div class="field">
            <label for="settings-method">Payout method</label>
            <select id="settings-method" value=${form.method} onChange=${set('method')}>
              ${form.method ? null : html`<option value="">Choose…</option>`}
              ${METHODS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
            </select>
          </div>
          <div class="field">
            <label for="settings-email">Payout e-mail</label>
            <input id="settings-email" type="email" autocomplete="email" value=${form.email} onInput=${set('email')} />
          </div>
          ${
            form.method === 'stripe'
              ? html`<div class="field">
                <label for="settings-stripe">Stripe account</label>
                <input id="settings-stripe" type="text" placeholder="acct_…" value=${form.stripe} onInput=${set('stripe')} />
              </div>`
              : null
          }
          <p class="muted small" id="destination-hint">Changing the method, the e-mail or the Stripe account puts payouts on hold for a safety period.</p>
          <div class="field">
            <label for="settings-schedule">Automatic payouts</label>
            <select id="settings-schedule" value=${form.schedule} onChange=${set('schedule')}>
              ${SCHEDULES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
            </select>
          </div>
          <div class="field">
            <label for="settings-minimum">Automatic minimum (USD)</label>
            <div class="input-money">
              <span aria-hidden="true">$</span>
              <input id="settings-minimum" type="text" inputmode="decimal" value=${form.minimum} onInput=${set('minimum')}
                aria-describedby="minimum-hint" />
            </div>
            <p id="minimum-hint" class="muted small">An automatic payout goes out only when at least this much is available (now ${formatCents(settings.auto_minimum)}).</p>
          </div>
          <button type="submit" class="button button-primary" disabled=${busy} aria-describedby="destination-hint">Save settings</button>
        </form>`
        : null
    }
    <div aria-live="polite">
      ${saveError ? html`<p class="note note-error" role="alert">${saveError}</p>` : null}
      ${done ? html`<p class="note note-success" role="status">${done}</p>` : null}
    </div>
  </section>`;
}
