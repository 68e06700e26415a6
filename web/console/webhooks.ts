import { useEffect, useState } from 'preact/hooks';
import { PAYOUT_EVENT_TYPES } from '../../shared/domain/notification-events.ts';
import type { CreatedEndpointView, DeliveryView, EndpointView } from '../../shared/schemas/webhooks.ts';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { html } from '../lib/html.ts';
import { DateTime, ErrorNote, Loading } from '../lib/ui.ts';

/** The events an endpoint can subscribe to (none ticked: all of them). */
const EVENTS = PAYOUT_EVENT_TYPES;

const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : 'Something went wrong. Try again.');

/** One endpoint's recent deliveries, each with Redeliver. */
function Deliveries({ api, endpoint }: { api: ApiClient; endpoint: EndpointView }) {
  const [list, setList] = useState<DeliveryView[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const load = () =>
    api
      .get<{ deliveries: DeliveryView[] }>(`/admin/webhook-endpoints/${encodeURIComponent(endpoint.id)}/deliveries`)
      .then(
        (data) => (setList(data.deliveries), setError(undefined)),
        (failure) => setError(messageOf(failure)),
      );
  useEffect(() => void load(), [endpoint.id]);
  const redeliver = async (id: string) => {
    setBusy(id);
    try {
      await api.post(`/admin/webhook-deliveries/${encodeURIComponent(id)}/redeliver`);
      await load();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(undefined);
    }
  };
  if (error) return html`<${ErrorNote} message=${error} />`;
  if (!list) return html`<${Loading} label="Loading deliveries…" />`;
  if (list.length === 0) return html`<p class="muted small">No deliveries yet.</p>`;
  return html`<div class="table-wrap table-cards-wrap">
    <table class="table table-cards deliveries">
      <caption>Deliveries to ${endpoint.url}</caption>
      <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempt</th><th scope="col" class="num">Answer</th><th scope="col">Next try</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${list.map(
          (delivery) => html`<tr>
            <th scope="row" data-label="Event"><span class="mono small">${delivery.event_type}</span><br /><span class="muted small mono">${delivery.payout_id} #${delivery.sequence}</span></th>
            <td data-label="Status">${delivery.status}</td>
            <td data-label="Attempt" class="num">${delivery.attempt}</td>
            <td data-label="Answer" class="num">${delivery.status_code ?? delivery.error ?? '—'}</td>
            <td data-label="Next try">${delivery.next_attempt_at ? html`<${DateTime} iso=${delivery.next_attempt_at} />` : '—'}</td>
            <td data-label="Actions"><button type="button" class="button button-small" disabled=${busy === delivery.id}
              onClick=${() => redeliver(delivery.id)}>Redeliver<span class="visually-hidden"> ${delivery.event_type} of ${delivery.payout_id}</span></button></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** Webhook endpoints (issue 12): create (the secret shown once), delete, and each one's deliveries with Redeliver. */
export function WebhooksPanel({ api }: { api: ApiClient }) {
  const [endpoints, setEndpoints] = useState<EndpointView[]>();
  const [error, setError] = useState<string>();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [created, setCreated] = useState<CreatedEndpointView>();
  const [open, setOpen] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState<string>();
  const load = () =>
    api.get<{ endpoints: EndpointView[] }>('/admin/webhook-endpoints').then(
      (data) => (setEndpoints(data.endpoints), setError(undefined)),
      (failure) => setError(messageOf(failure)),
    );
  useEffect(() => void load(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const answer = await api.post<CreatedEndpointView>('/admin/webhook-endpoints', {
        url: url.trim(),
        ...(events.size ? { events: [...events] } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setCreated(answer);
      setUrl('');
      setDescription('');
      setEvents(new Set());
      await load();
      requestAnimationFrame(() => document.getElementById('secret-title')?.focus());
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const remove = async (id: string) => {
    try {
      await api.del(`/admin/webhook-endpoints/${encodeURIComponent(id)}`);
      setConfirmDelete(undefined);
      if (open === id) setOpen(undefined);
      await load();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return html`<section class="card" aria-labelledby="webhooks-title">
    <div class="card-head">
      <h2 id="webhooks-title">Webhooks</h2>
      <p class="muted small">Signed payout events (Standard Webhooks) to your systems; failed deliveries are retried for about a day.</p>
    </div>
    <form class="webhook-form" onSubmit=${create}>
      <div class="field">
        <label for="webhook-url">Endpoint URL</label>
        <input id="webhook-url" type="url" required value=${url} placeholder="https://example.com/webhooks/payouts"
          onInput=${(event: Event) => setUrl((event.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="webhook-description">Description (optional)</label>
        <input id="webhook-description" type="text" maxlength="200" value=${description}
          onInput=${(event: Event) => setDescription((event.target as HTMLInputElement).value)} />
      </div>
      <fieldset class="field events">
        <legend>Events (none ticked: all)</legend>
        ${EVENTS.map(
          (name) =>
            html`<label class="check"><input type="checkbox" checked=${events.has(name)} onChange=${(event: Event) => {
              const next = new Set(events);
              if ((event.target as HTMLInputElement).checked) next.add(name);
              else next.delete(name);
              setEvents(next);
            }} /> ${name}</label>`,
        )}
      </fieldset>
      <button type="submit" class="button button-primary">Add endpoint</button>
    </form>
    ${error ? html`<${ErrorNote} message=${error} />` : null}
    ${
      created
        ? html`<div class="note note-warning" role="status">
          <p id="secret-title" tabindex="-1"><strong>Signing secret for ${created.url}</strong> — copy it now: it is not shown again.</p>
          <p><code class="mono secret" id="webhook-secret">${created.secret}</code></p>
          <button type="button" class="button button-small" onClick=${() => setCreated(undefined)}>I have saved it</button>
        </div>`
        : null
    }
    ${!endpoints && !error ? html`<${Loading} label="Loading endpoints…" />` : null}
    ${
      endpoints && endpoints.length === 0
        ? html`<p class="muted small">No endpoints yet.</p>`
        : endpoints
          ? html`<ul class="endpoint-list">
            ${endpoints.map(
              (endpoint) => html`<li class="endpoint">
                <div class="row">
                  <div>
                    <p class="mono small endpoint-url">${endpoint.url}</p>
                    <p class="muted small">${endpoint.status === 'active' ? 'Active' : 'Disabled (failing for days)'} · ${
                      endpoint.events.length ? endpoint.events.join(', ') : 'all events'
                    }${endpoint.description ? ` · ${endpoint.description}` : ''}</p>
                  </div>
                  <div class="button-row">
                    <button type="button" class="button button-small" aria-expanded=${open === endpoint.id ? 'true' : 'false'}
                      onClick=${() => setOpen(open === endpoint.id ? undefined : endpoint.id)}>Deliveries<span class="visually-hidden"> to ${endpoint.url}</span></button>
                    ${
                      confirmDelete === endpoint.id
                        ? html`<button type="button" class="button button-small button-danger" onClick=${() => remove(endpoint.id)}>Confirm delete</button>
                          <button type="button" class="button button-small" onClick=${() => setConfirmDelete(undefined)}>Keep</button>`
                        : html`<button type="button" class="button button-small button-danger-outline" onClick=${() => setConfirmDelete(endpoint.id)}>Delete<span class="visually-hidden"> ${endpoint.url}</span></button>`
                    }
                  </div>
                </div>
                ${open === endpoint.id ? html`<${Deliveries} api=${api} endpoint=${endpoint} />` : null}
              </li>`,
            )}
          </ul>`
          : null
    }
  </section>`;
}
