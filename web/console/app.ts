import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { AdminPayoutView, BulkResultView, ReconciliationView } from '../../shared/schemas/admin.ts';
import type { PayoutView } from '../../shared/schemas/common.ts';
import { ApiError, createClient, loadConfig } from '../lib/api.ts';
import { dropToken } from '../lib/auth.ts';
import { html } from '../lib/html.ts';
import { ErrorNote, Header, Loading, SessionEnded, statusLabel } from '../lib/ui.ts';
import { ActionBar, BulkResults, bulkItems, type BulkAction } from './actions.ts';
import { AdminDetail } from './detail.ts';
import { download, exportAll } from './export.ts';
import { FilterBar, filterQuery, filtersFromUrl, filtersToUrl, type Filters } from './filters.ts';
import { Queue } from './queue.ts';
import { Reconciliation } from './reconciliation.ts';
import { AffiliateReviewPanel, ConfirmShared, sharedAmong, withConfirmation } from './flags.ts';
import { TaxFormPanel, TaxYearExport } from './tax.ts';
import { WebhooksPanel } from './webhooks.ts';
import type { ProviderEventView } from '../../shared/schemas/provider-events.ts';
import { type AttemptView, ProviderEvents } from './providers.ts';

export const TOKEN_KEY = 'console.token';
const PAGE_SIZE = 25;

interface AdminPage {
  payouts: PayoutView[];
  count: number;
  next_cursor: string | null;
}

const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : 'Something went wrong. Try again.');

export function ConsoleApp({ token }: { token: string | undefined }) {
  const [sessionEnded, setSessionEnded] = useState(!token);
  const api = useMemo(
    () =>
      createClient(
        async () => (await loadConfig()).adminUrl,
        token,
        () => {
          dropToken(TOKEN_KEY);
          setSessionEnded(true);
        },
      ),
    [token],
  );

  const [filters, setFilters] = useState<Filters>(filtersFromUrl);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<AdminPage>();
  const [loading, setLoading] = useState(true);
  const [listError, setListError] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirmShared, setConfirmShared] = useState(false);
  const [transactionIds, setTransactionIds] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const [results, setResults] = useState<BulkResultView>();
  const [exporting, setExporting] = useState(false);
  const [detailId, setDetailId] = useState<string>();
  const [detail, setDetail] = useState<AdminPayoutView>();
  const [detailLoading, setDetailLoading] = useState(false);
  const [detailError, setDetailError] = useState<string>();
  const [reconId, setReconId] = useState('');
  const [recon, setRecon] = useState<ReconciliationView>();
  const [reconLoading, setReconLoading] = useState(false);
  const [reconError, setReconError] = useState<string>();
  // The provider rails: unknown until the flagged-events probe answers (200: on, 404: off).
  const [rails, setRails] = useState<boolean>();
  const [attempts, setAttempts] = useState<AttemptView[]>([]);
  const [railsBusy, setRailsBusy] = useState(false);
  const [railsError, setRailsError] = useState<string>();
  const [events, setEvents] = useState<ProviderEventView[]>([]);
  const [eventsCursor, setEventsCursor] = useState<string | null>(null);
  const [eventsLoading, setEventsLoading] = useState(false);
  const [eventsError, setEventsError] = useState<string>();
  const [resolvingId, setResolvingId] = useState<string>();

  const loadPage = useCallback(
    (current: Filters, cursor: string | undefined) => {
      setLoading(true);
      const params = filterQuery(current);
      params.set('limit', String(PAGE_SIZE));
      if (cursor) params.set('cursor', cursor);
      return api
        .get<AdminPage>(`/admin/payouts?${params}`)
        .then(
          (data) => (setPage(data), setListError(undefined)),
          (error) => setListError(messageOf(error)),
        )
        .finally(() => setLoading(false));
    },
    [api],
  );

  const loadEvents = useCallback(
    (cursor?: string) => {
      setEventsLoading(true);
      const params = new URLSearchParams({ flagged: 'true', limit: '20', ...(cursor ? { cursor } : {}) });
      return api
        .get<{ events: ProviderEventView[]; next_cursor: string | null }>(`/admin/provider-events?${params}`)
        .then(
          (data) => {
            setRails(true);
            setEvents((current) => (cursor ? [...current, ...data.events] : data.events));
            setEventsCursor(data.next_cursor);
            setEventsError(undefined);
          },
          (error) => {
            if (error instanceof ApiError && error.status === 404) setRails(false);
            else setEventsError(messageOf(error));
          },
        )
        .finally(() => setEventsLoading(false));
    },
    [api],
  );

  useEffect(() => {
    if (token) void Promise.all([loadPage(filters, undefined), loadEvents()]);
  }, [token]);

  const apply = (next: Filters) => {
    setFilters(next);
    filtersToUrl(next);
    setCursors([undefined]);
    setSelected(new Set());
    void loadPage(next, undefined);
  };

  const openDetail = (payoutId: string) => {
    setDetailId(payoutId);
    setDetail(undefined);
    setDetailError(undefined);
    setDetailLoading(true);
    setRailsError(undefined);
    return api
      .get<{ payout: AdminPayoutView; attempts?: AttemptView[] }>(`/admin/payouts/${encodeURIComponent(payoutId)}`)
      .then(
        (data) => (setDetail(data.payout), setAttempts(data.attempts ?? [])),
        (error) => setDetailError(messageOf(error)),
      )
      .finally(() => setDetailLoading(false));
  };

  const reconcile = (affiliateId: string) => {
    setReconId(affiliateId);
    setReconLoading(true);
    setReconError(undefined);
    api
      .get<ReconciliationView>(`/admin/affiliates/${encodeURIComponent(affiliateId)}/balance`)
      .then(
        (data) => setRecon(data),
        (error) => (setRecon(undefined), setReconError(messageOf(error))),
      )
      .finally(() => setReconLoading(false));
  };

  /** One bulk call over the selection: a result per row; the rows that failed stay selected for another try. */
  const runBulk = async (post: () => Promise<BulkResultView>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      const outcome = await post();
      setConfirmShared(false);
      setResults(outcome);
      setSelected(new Set(outcome.results.filter((result) => !result.success).map((result) => result.payout_id ?? '')));
      await loadPage(filters, cursors[cursors.length - 1]);
      if (detailId && outcome.results.some((result) => result.payout_id === detailId)) void openDetail(detailId);
      requestAnimationFrame(() => document.getElementById('results-title')?.focus());
    } catch (error) {
      setActionError(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  /** The payouts of the selection the "shared destination" checkbox confirms (issue 13), for this call only. */
  const confirmedShared = () => (confirmShared ? sharedAmong(page?.payouts ?? [], selected) : []);

  const run = (action: BulkAction) => {
    const body = bulkItems(action, [...selected], transactionIds, note);
    if ('message' in body) {
      setActionError(body.message);
      return;
    }
    const confirmed = new Set(confirmedShared());
    return runBulk(() =>
      api.post<BulkResultView>('/admin/payouts/process', { items: withConfirmation(body.items, confirmed) }),
    );
  };

  /** Send (pending) or Retry (processing, last attempt failed on our side) the payout shown in the details. */
  const railAction = async (payoutId: string, what: 'send' | 'retry') => {
    setRailsBusy(true);
    setRailsError(undefined);
    try {
      await api.post(`/admin/payouts/${encodeURIComponent(payoutId)}/${what}`);
      await Promise.all([openDetail(payoutId), loadPage(filters, cursors[cursors.length - 1])]);
    } catch (error) {
      setRailsError(messageOf(error));
    } finally {
      setRailsBusy(false);
    }
  };

  /** Send the selected payouts through their provider: one result per row, like the bulk moves. */
  const sendSelected = () => {
    if (selected.size === 0) {
      setActionError('Select at least one payout first.');
      return;
    }
    const confirm = confirmedShared().length > 0;
    return runBulk(() =>
      api.post<BulkResultView>('/admin/payouts/send', {
        payout_ids: [...selected],
        ...(confirm ? { confirm_duplicate_destination: true } : {}),
      }),
    );
  };

  const resolveEvent = async (event: ProviderEventView) => {
    setResolvingId(event.event_id);
    setEventsError(undefined);
    try {
      await api.post(`/admin/provider-events/${encodeURIComponent(event.event_id)}/resolve`, {});
      setEvents((current) => current.filter((one) => one.event_id !== event.event_id));
    } catch (error) {
      setEventsError(messageOf(error));
    } finally {
      setResolvingId(undefined);
    }
  };

  const exportCsv = async () => {
    setExporting(true);
    setActionError(undefined);
    try {
      const csv = await exportAll(api, filterQuery(filters));
      download(`payouts-${new Date().toISOString().slice(0, 10)}.csv`, csv);
    } catch (error) {
      setActionError(messageOf(error));
    } finally {
      setExporting(false);
    }
  };

  if (sessionEnded) return html`<${SessionEnded} where="the payout console" />`;

  const outcomeById: Record<string, { ok: boolean; text: string }> = {};
  for (const result of results?.results ?? []) {
    if (!result.payout_id) continue;
    outcomeById[result.payout_id] = result.success
      ? { ok: true, text: `✓ ${statusLabel((result.payout as PayoutView).status)}` }
      : { ok: false, text: result.message ?? `Failed (${result.status_code})` };
  }
  const pageNumber = cursors.length;

  return html`<div class="app">
    <a class="skip-link" href="#main">Skip to content</a>
    <${Header} wide=${true} title="Payout console" subtitle="Work the queue: select payouts, record what the provider did, export for the books.">
      <span class="chip">Admin</span>
    <//>
    <main id="main" class="shell shell-wide" tabindex="-1">
      <section class="card" aria-labelledby="queue-title">
        <div class="card-head row">
          <h2 id="queue-title">Payout queue</h2>
          ${page ? html`<p class="muted small">${page.count} on this page · newest first</p>` : null}
        </div>
        <${FilterBar} value=${filters} onApply=${apply} />
        <${ActionBar} count=${selected.size} busy=${busy} note=${note} onNote=${setNote} onAction=${run} onExport=${exportCsv} exporting=${exporting} onSend=${rails ? sendSelected : undefined} />
        <${ConfirmShared} count=${sharedAmong(page?.payouts ?? [], selected).length} checked=${confirmShared} onChange=${setConfirmShared} />
        ${actionError ? html`<${ErrorNote} message=${actionError} />` : null}
        ${listError ? html`<${ErrorNote} message=${listError} onRetry=${() => loadPage(filters, cursors[cursors.length - 1])} />` : null}
        ${loading && !page ? html`<${Loading} label="Loading payouts…" />` : null}
        ${
          page
            ? html`<div aria-busy=${loading ? 'true' : 'false'}>
              <${Queue} payouts=${page.payouts} selected=${selected} transactionIds=${transactionIds} outcome=${outcomeById}
                onToggle=${(id: string, on: boolean) => {
                  const next = new Set(selected);
                  if (on) next.add(id);
                  else next.delete(id);
                  setSelected(next);
                }}
                onToggleAll=${(on: boolean) => setSelected(on ? new Set(page.payouts.map((payout) => payout.payout_id)) : new Set())}
                onTransactionId=${(id: string, value: string) => setTransactionIds({ ...transactionIds, [id]: value })}
                onOpen=${openDetail}
                onAffiliate=${reconcile} />
            </div>`
            : null
        }
        ${
          page && (pageNumber > 1 || page.next_cursor)
            ? html`<nav class="pager" aria-label="Queue pages">
              <button type="button" class="button button-small" disabled=${pageNumber === 1 || loading} onClick=${() => {
                const next = cursors.slice(0, -1);
                setCursors(next);
                void loadPage(filters, next[next.length - 1]);
              }}>Newer</button>
              <span class="muted small">Page ${pageNumber}</span>
              <button type="button" class="button button-small" disabled=${!page.next_cursor || loading} onClick=${() => {
                if (!page.next_cursor) return;
                setCursors([...cursors, page.next_cursor]);
                void loadPage(filters, page.next_cursor);
              }}>Older</button>
            </nav>`
            : null
        }
      </section>
      ${results ? html`<${BulkResults} results=${results} onDismiss=${() => setResults(undefined)} />` : null}
      <div class="grid grid-even">
        ${
          detailId
            ? html`<${AdminDetail} api=${api} payout=${detail} loading=${detailLoading} error=${detailError} onClose=${() => setDetailId(undefined)}
                rails=${
                  rails && detailId
                    ? {
                        attempts,
                        busy: railsBusy,
                        error: railsError,
                        onSend: () => railAction(detailId, 'send'),
                        onRetry: () => railAction(detailId, 'retry'),
                      }
                    : undefined
                } />`
            : null
        }
        <${Reconciliation} affiliateId=${reconId} view=${recon} loading=${reconLoading} error=${reconError} onCheck=${reconcile} />
      </div>
      ${
        rails
          ? html`<${ProviderEvents} events=${events} loading=${eventsLoading} error=${eventsError} hasMore=${eventsCursor !== null}
              busyId=${resolvingId} onMore=${() => eventsCursor && loadEvents(eventsCursor)} onReload=${() => loadEvents()}
              onResolve=${resolveEvent} onOpen=${openDetail} />`
          : null
      }
      <div class="grid grid-even">
        <${AffiliateReviewPanel} api=${api} affiliateId=${reconId} />
        <${TaxFormPanel} api=${api} affiliateId=${reconId} />
        <${TaxYearExport} api=${api} />
      </div>
      <${WebhooksPanel} api=${api} />
    </main>
  </div>`;
}
