import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { PayoutView } from '../../shared/schemas/common.ts';
import type { PayoutListView, SummaryView } from '../../shared/schemas/payouts.ts';
import type { TaxYearView } from '../../shared/schemas/tax.ts';
import { ApiError, createClient, loadConfig } from '../lib/api.ts';
import { dropToken } from '../lib/auth.ts';
import { html } from '../lib/html.ts';
import { ErrorNote, Header, SessionEnded } from '../lib/ui.ts';
import { BalanceCards, BalanceSkeleton } from './balance-cards.ts';
import { Detail } from './detail.ts';
import { History } from './history.ts';
import { RequestForm } from './request-form.ts';
import { Settings } from './settings.ts';
import type { SettingsView } from '../../shared/schemas/settings.ts';
import { currentYear, YearTotals } from './year-totals.ts';

export const TOKEN_KEY = 'payouts.token';
export const USABLE_MARK = 'payouts:usable';
const PAGE_SIZE = 10;

const messageOf = (error: unknown) => (error instanceof ApiError ? error.message : 'Something went wrong. Try again.');

/** The payout the URL names (`?payout=<id>`), so a reload reopens it. */
const selectedFromUrl = () => new URLSearchParams(location.search).get('payout') ?? undefined;
function selectInUrl(payoutId: string | undefined): void {
  const params = new URLSearchParams(location.search);
  if (payoutId) params.set('payout', payoutId);
  else params.delete('payout');
  const query = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}`);
}

export function App({ token }: { token: string | undefined }) {
  const [sessionEnded, setSessionEnded] = useState(!token);
  const api = useMemo(
    () =>
      createClient(
        async () => (await loadConfig()).payoutsUrl,
        token,
        () => {
          dropToken(TOKEN_KEY);
          setSessionEnded(true);
        },
      ),
    [token],
  );

  const [summary, setSummary] = useState<SummaryView>();
  const [summaryError, setSummaryError] = useState<string>();
  const [page, setPage] = useState<PayoutListView>();
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [listLoading, setListLoading] = useState(true);
  const [listError, setListError] = useState<string>();
  const [selectedId, setSelectedId] = useState<string | undefined>(selectedFromUrl);
  const [detail, setDetail] = useState<PayoutView>();
  const [detailLoading, setDetailLoading] = useState(false);
  const [detailError, setDetailError] = useState<string>();
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string>();
  const [year] = useState(currentYear);
  // Whether this deployment e-mails affiliates: only then do the pages say "we e-mailed you".
  const [emails, setEmails] = useState(false);
  useEffect(() => {
    void loadConfig().then((config) => setEmails(config.emails));
  }, []);
  const [yearView, setYearView] = useState<TaxYearView>();
  const [yearError, setYearError] = useState<string>();
  const [settings, setSettings] = useState<SettingsView>();
  const [settingsError, setSettingsError] = useState<string>();

  const loadSummary = useCallback(
    () =>
      api.get<SummaryView>('/payouts/summary').then(
        (data) => (setSummary(data), setSummaryError(undefined)),
        (error) => setSummaryError(messageOf(error)),
      ),
    [api],
  );
  const loadYear = useCallback(
    () =>
      api.get<TaxYearView>(`/payouts/tax/${year}`).then(
        (data) => (setYearView(data), setYearError(undefined)),
        (error) => setYearError(messageOf(error)),
      ),
    [api, year],
  );
  const loadSettings = useCallback(
    () =>
      api.get<SettingsView>('/payouts/settings').then(
        (data) => (setSettings(data), setSettingsError(undefined)),
        (error) => setSettingsError(messageOf(error)),
      ),
    [api],
  );
  const loadPage = useCallback(
    (cursor: string | undefined) => {
      setListLoading(true);
      const query = `?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      return api
        .get<PayoutListView>(`/payouts${query}`)
        .then(
          (data) => (setPage(data), setListError(undefined)),
          (error) => setListError(messageOf(error)),
        )
        .finally(() => setListLoading(false));
    },
    [api],
  );
  const loadDetail = useCallback(
    (payoutId: string) => {
      setDetailLoading(true);
      setDetailError(undefined);
      return api
        .get<{ payout: PayoutView }>(`/payouts/${encodeURIComponent(payoutId)}`)
        .then(
          (data) => setDetail(data.payout),
          (error) => setDetailError(messageOf(error)),
        )
        .finally(() => setDetailLoading(false));
    },
    [api],
  );

  // The first screen: summary, the first page and (when the URL names one) a payout, in one parallel wave.
  useEffect(() => {
    if (!token) return;
    const initial = selectedFromUrl();
    void Promise.all([
      loadSummary(),
      loadPage(undefined),
      loadYear(),
      loadSettings(),
      initial ? loadDetail(initial) : undefined,
    ]);
  }, [token]);

  // The first moment the dashboard is usable (the balance is on screen): `npm run bench` reads this mark.
  useEffect(() => {
    if (summary && performance.getEntriesByName(USABLE_MARK).length === 0) performance.mark(USABLE_MARK);
  }, [summary]);

  const pageNumber = cursors.length;
  const refresh = () => Promise.all([loadSummary(), loadPage(cursors[cursors.length - 1])]);

  const open = (payoutId: string) => {
    if (payoutId === selectedId) return close();
    setSelectedId(payoutId);
    selectInUrl(payoutId);
    setDetail(undefined);
    setCancelError(undefined);
    void loadDetail(payoutId);
  };
  const close = () => {
    setSelectedId(undefined);
    selectInUrl(undefined);
    setDetail(undefined);
  };

  const cancel = async (payout: PayoutView) => {
    setCancelling(true);
    setCancelError(undefined);
    try {
      await api.post<{ payout: PayoutView }>(`/payouts/${encodeURIComponent(payout.payout_id)}/cancel`);
      await Promise.all([loadDetail(payout.payout_id), refresh()]);
    } catch (error) {
      setCancelError(messageOf(error));
    } finally {
      setCancelling(false);
    }
  };

  if (sessionEnded) return html`<${SessionEnded} where="your payouts dashboard" />`;

  return html`<div class="app">
    <a class="skip-link" href="#main">Skip to content</a>
    <${Header} title="Your payouts" subtitle="Your commissions, what is on its way, and what has been paid.">
      ${summary ? html`<span class="chip">${summary.affiliate_id}${summary.tier ? ` · ${summary.tier}` : ''}</span>` : null}
    <//>
    <main id="main" class="shell" tabindex="-1">
      ${summaryError ? html`<${ErrorNote} message=${summaryError} onRetry=${loadSummary} />` : null}
      ${summary ? html`<${BalanceCards} summary=${summary} />` : summaryError ? null : html`<${BalanceSkeleton} />`}
      <div class="grid">
        <div class="stack">
          ${
            summary
              ? html`<${RequestForm} summary=${summary} api=${api} emails=${emails} onCreated=${() => {
                  setCursors([undefined]);
                  void Promise.all([loadSummary(), loadPage(undefined)]);
                }} />`
              : null
          }
          ${
            selectedId
              ? html`<${Detail} api=${api} emails=${emails} payout=${detail} loading=${detailLoading} error=${detailError} cancelling=${cancelling}
                cancelError=${cancelError} onCancel=${cancel} onClose=${close} />`
              : null
          }
          <${Settings} api=${api} settings=${settings} error=${settingsError} onRetry=${loadSettings}
            onSaved=${(saved: SettingsView) => {
              setSettings(saved);
              void loadSummary();
            }} />
          <${YearTotals} year=${year} view=${yearView} error=${yearError} onRetry=${loadYear} />
        </div>
        <${History} page=${page} loading=${listLoading} error=${listError} pageNumber=${pageNumber} selectedId=${selectedId}
          onOpen=${open}
          onRetry=${() => loadPage(cursors[cursors.length - 1])}
          onNewer=${() => {
            const next = cursors.slice(0, -1);
            setCursors(next);
            void loadPage(next[next.length - 1]);
          }}
          onOlder=${() => {
            if (!page?.next_cursor) return;
            setCursors([...cursors, page.next_cursor]);
            void loadPage(page.next_cursor);
          }} />
      </div>
    </main>
  </div>`;
}
