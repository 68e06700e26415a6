import { useEffect, useRef, useState } from 'preact/hooks';
import type { PayoutView } from '../../shared/schemas/common.ts';
import type { SummaryView } from '../../shared/schemas/payouts.ts';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { html } from '../lib/html.ts';
import { centsToInput, formatCents, parseDollars } from '../lib/money.ts';
import { formatDate, formatDateTime } from '../lib/ui.ts';
import { clearIntent, intentFor, readIntent } from './intent.ts';

/**
 * The checks the server makes, in its words, on the figures the page last read. The server still decides: when the
 * balance moved in the meantime its sentence is shown instead.
 */
export function checkAmount(
  input: string,
  summary: SummaryView,
  retrying: (cents: number) => boolean = () => false,
): { cents: number } | { message: string } {
  const parsed = parseDollars(input);
  if (!parsed.ok) return { message: parsed.message };
  const { cents } = parsed;
  if (cents < summary.minimum_payout) {
    return {
      message: `The minimum payout is ${summary.minimum_payout} cents (${formatCents(summary.minimum_payout)}).`,
    };
  }
  // A retry of a request whose answer was lost may already hold its money: only the server can tell (it replays).
  if (cents > summary.available && !retrying(cents)) {
    return {
      message: `The amount exceeds your available balance of ${summary.available} cents (${formatCents(summary.available)}).`,
    };
  }
  return { cents };
}

/** A blocker's sentence; a cool-down's end is shown as a local date and time rather than the API's ISO timestamp. */
function blockerText(blocker: SummaryView['blockers'][number]): string {
  if (blocker.code === 'PAYOUT_METHOD_COOLDOWN' && blocker.until)
    return `Your payout destination changed recently: payouts are held until ${formatDateTime(blocker.until)} for your safety.`;
  return blocker.message;
}

export function RequestForm({
  summary,
  api,
  emails,
  onCreated,
}: {
  summary: SummaryView;
  api: ApiClient;
  /** Whether this deployment e-mails affiliates (config.json): only then does the answer say so. */
  emails: boolean;
  onCreated: (payout: PayoutView) => void;
}) {
  const unfinished = readIntent();
  const [amount, setAmount] = useState(() => centsToInput(unfinished?.amount ?? summary.available));
  const [when, setWhen] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [resume, setResume] = useState(unfinished !== undefined);
  const edited = useRef(unfinished !== undefined);
  const sending = useRef(false);

  // Follow the balance (after a payout or a cancel) until the affiliate types an amount of their own.
  useEffect(() => {
    if (!edited.current) setAmount(centsToInput(summary.available));
  }, [summary.available]);

  const onInput = (event: Event) => {
    const value = (event.target as HTMLInputElement).value;
    edited.current = true;
    setAmount(value);
    setError(undefined);
    setDone(undefined);
    // A different amount is a different intended payout: it gets its own key when sent.
    const intent = readIntent();
    const parsed = parseDollars(value);
    if (intent && (!parsed.ok || parsed.cents !== intent.amount)) {
      clearIntent();
      setResume(false);
    }
  };

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    if (sending.current) return; // a second click while the first is on its way
    const checked = checkAmount(amount, summary, (cents) => readIntent()?.amount === cents);
    if ('message' in checked) {
      setError(checked.message);
      return;
    }
    sending.current = true;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    const intent = intentFor(checked.cents);
    try {
      const { payout } = await api.post<{ payout: PayoutView }>(
        '/payouts/request',
        { amount: checked.cents, ...(when ? { scheduled_for: when } : {}) },
        { 'Idempotency-Key': intent.key },
      );
      clearIntent();
      setResume(false);
      edited.current = false;
      setWhen('');
      const emailed = emails ? ` We e-mailed you at ${payout.payment_email}.` : '';
      setDone(
        payout.scheduled_for
          ? `Payout of ${formatCents(payout.amount)} scheduled for ${payout.scheduled_for}. The amount is set aside now.${emailed}`
          : `Payout of ${formatCents(payout.amount)} requested. It is pending until we send it.${emailed}`,
      );
      onCreated(payout);
    } catch (caught) {
      // The key stays: retrying the same amount replays the first answer instead of paying twice.
      setError(caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.');
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  const hasTaxBlocker = summary.blockers.some((blocker) => blocker.code === 'TAX_FORM_REQUIRED');
  const others = summary.blockers.filter((blocker) => blocker.code !== 'TAX_FORM_REQUIRED');
  const describedBy = [hasTaxBlocker ? 'tax-form-needed' : '', others.length > 0 ? 'payout-blockers' : '']
    .filter(Boolean)
    .join(' ');
  const today = new Date().toISOString().slice(0, 10);
  const maxDate = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  const hintId = 'amount-hint';
  const errorId = 'amount-error';
  return html`<section class="card" aria-labelledby="request-title">
    <div class="card-head">
      <h2 id="request-title">Request a payout</h2>
      <p class="muted small">Paid to the payment method on file.</p>
    </div>
    <form class="request-form" onSubmit=${onSubmit} novalidate>
      <div class="field">
        <label for="amount">Amount (USD)</label>
        <div class="input-money">
          <span aria-hidden="true">$</span>
          <input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" value=${amount}
            onInput=${onInput} aria-invalid=${error ? 'true' : 'false'}
            aria-describedby=${error ? `${errorId} ${hintId}` : hintId} />
        </div>
        <p id=${hintId} class="muted small">
          Available ${formatCents(summary.available)} · minimum ${formatCents(summary.minimum_payout)}
        </p>
      </div>
      ${
        summary.next_payout
          ? html`<div class="note note-info note-stack" id="next-payout"><p>Next automatic payout: <strong>${formatDate(`${summary.next_payout.scheduled_for}T12:00:00Z`)}</strong>,
            about ${formatCents(summary.next_payout.estimated_amount)} (what is available then, if it reaches your automatic minimum).</p></div>`
          : null
      }
      <div class="field">
        <label for="scheduled-for">Send on <span class="muted small">(optional)</span></label>
        <input id="scheduled-for" name="scheduled_for" type="date" value=${when} min=${today} max=${maxDate}
          onInput=${(event: Event) => setWhen((event.target as HTMLInputElement).value)} aria-describedby="scheduled-hint" />
        <p id="scheduled-hint" class="muted small">Leave empty to send it in the next payout run, or pick a day up to 90 days ahead: the amount is set aside now.</p>
      </div>
      ${
        hasTaxBlocker
          ? html`<div class="note note-warning" id="tax-form-needed">
            <p><strong>We need your tax form before paying you more this year.</strong> Past the IRS reporting limit,
              payouts need a W-9 on file (a W-8BEN or W-8BEN-E outside the US). Send yours to your account manager:
              once it is recorded you can request payouts again.</p>
          </div>`
          : null
      }
      ${
        others.length > 0
          ? html`<div class="note note-warning note-stack" id="payout-blockers">
            <p><strong>Why a payout cannot go out right now</strong></p>
            <ul class="blockers">${others.map((blocker) => html`<li data-code=${blocker.code}>${blockerText(blocker)}</li>`)}</ul>
          </div>`
          : null
      }
      <button type="submit" class="button button-primary" disabled=${busy} aria-disabled=${busy ? 'true' : 'false'}
        aria-describedby=${describedBy || undefined}>
        ${busy ? html`<span class="spinner spinner-light" aria-hidden="true"></span>` : null}Request payout
      </button>
    </form>
    ${
      resume && !error && !done
        ? html`<p class="note note-info">Your last request of ${formatCents(Number(readIntent()?.amount ?? 0))} may not have
          finished. Sending the same amount again is safe: it will not pay twice.</p>`
        : null
    }
    <div aria-live="polite">
      ${error ? html`<p id=${errorId} class="note note-error" role="alert">${error}</p>` : null}
      ${done ? html`<p class="note note-success" role="status">${done}</p>` : null}
    </div>
  </section>`;
}
