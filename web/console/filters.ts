import { useState } from 'preact/hooks';
import type { PayoutView } from '../../shared/schemas/common.ts';
import { html } from '../lib/html.ts';

export interface Filters {
  status: PayoutView['status'] | '';
  affiliate_id: string;
  from: string;
  to: string;
}

export const EMPTY_FILTERS: Filters = { status: '', affiliate_id: '', from: '', to: '' };
const STATUSES: PayoutView['status'][] = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'returned'];

/** The filters live in the URL (`/console/?status=pending&affiliate_id=…`): a reload or a shared link keeps them. */
export function filtersFromUrl(): Filters {
  const params = new URLSearchParams(location.search);
  const status = params.get('status') ?? '';
  return {
    status: (STATUSES as string[]).includes(status) ? (status as Filters['status']) : '',
    affiliate_id: params.get('affiliate_id') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

/** The API query string of a filter set (no limit, no cursor). */
export function filterQuery(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value.trim()) params.set(name, value.trim());
  return params;
}

export function filtersToUrl(filters: Filters): void {
  const query = filterQuery(filters).toString();
  history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}`);
}

export function FilterBar({ value, onApply }: { value: Filters; onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState(value);
  const set = (name: keyof Filters) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.target as HTMLInputElement).value });
  return html`<form class="filters" aria-label="Filter payouts" onSubmit=${(event: Event) => (event.preventDefault(), onApply(draft))}>
    <div class="field">
      <label for="f-status">Status</label>
      <select id="f-status" value=${draft.status} onChange=${set('status')}>
        <option value="">All statuses</option>
        ${STATUSES.map((status) => html`<option value=${status}>${status[0]!.toUpperCase()}${status.slice(1)}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="f-affiliate">Affiliate</label>
      <input id="f-affiliate" type="text" placeholder="aff-…" value=${draft.affiliate_id} onInput=${set('affiliate_id')} />
    </div>
    <div class="field">
      <label for="f-from">From</label>
      <input id="f-from" type="date" value=${draft.from} onInput=${set('from')} />
    </div>
    <div class="field">
      <label for="f-to">To</label>
      <input id="f-to" type="date" value=${draft.to} onInput=${set('to')} />
    </div>
    <div class="filter-buttons">
      <button type="submit" class="button button-primary">Apply filters</button>
      <button type="button" class="button button-ghost" onClick=${() => (setDraft(EMPTY_FILTERS), onApply(EMPTY_FILTERS))}>Clear</button>
    </div>
  </form>`;
}
