import { useEffect, useRef, useState } from 'preact/hooks';
import { can } from './lib/access';
import { interceptLinks, navigate, useRoute } from './lib/router';
import { routeHref, type Route } from './lib/route';
import { applyTheme, effectiveTheme, nextTheme, storedTheme, type ThemeChoice } from './lib/theme';
import type { LiveStatus, Subscription } from './lib/live';
import { formatInt } from './lib/format';
import { useApp, useLive } from './hooks';
import { Dashboard } from './pages/dashboard';
import { Blocks } from './pages/blocks';
import { BlockDetail } from './pages/block';
import { TxPage } from './pages/tx';
import { AccountPage } from './pages/account';
import { AssetPage } from './pages/asset';
import { Analytics } from './pages/analytics';
import { ForecastPage } from './pages/forecast';
import { Validators } from './pages/validators';
import { Exports } from './pages/exports';
import { SearchPage } from './pages/search';
import { NotFound, Unavailable } from './pages/notfound';

const NAV: { href: string; label: string; pages: Route['page'][]; needs?: 'analytics.read' | 'chain.read' }[] = [
  { href: '/', label: 'Dashboard', pages: ['dashboard'] },
  { href: '/blocks', label: 'Blocks', pages: ['blocks', 'block', 'tx', 'account', 'asset', 'search'] },
  { href: '/analytics', label: 'Analytics', pages: ['analytics'], needs: 'analytics.read' },
  { href: '/forecast', label: 'Forecast', pages: ['forecast'], needs: 'analytics.read' },
  { href: '/validators', label: 'Validators', pages: ['validators'], needs: 'chain.read' },
  { href: '/exports', label: 'Exports', pages: ['exports'], needs: 'analytics.read' },
];

const TITLES: Partial<Record<Route['page'], string>> = {
  dashboard: 'Dashboard', blocks: 'Blocks', analytics: 'Analytics', forecast: 'Forecast and anomalies',
  validators: 'Validators', exports: 'Exports', search: 'Search', notfound: 'Not found',
};

function pageTitle(r: Route): string {
  switch (r.page) {
    case 'block':
      return `Block ${formatInt(r.height)}`;
    case 'tx':
      return `Transaction ${r.id.slice(0, 12)}`;
    case 'account':
      return `Account ${r.address}`;
    case 'asset':
      return `Asset ${r.asset}`;
    default:
      return TITLES[r.page] ?? 'Aurigraph';
  }
}

/** subscriptionFor is what the page's live view needs: transactions only for the account shown. */
export function subscriptionFor(r: Route): Subscription {
  if (r.page === 'account') return { types: ['block', 'tps', 'validator', 'tx'], accounts: [r.address] };
  return { types: ['block', 'tps', 'validator'] };
}

export function App() {
  const route = useRoute();
  const { features, live, store } = useApp();
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme);
  const search = useRef<HTMLInputElement>(null);
  const firstRender = useRef(true);

  useEffect(() => applyTheme(theme), [theme]);

  const sub = subscriptionFor(route);
  const subKey = JSON.stringify(sub);
  useEffect(() => {
    store.clearTxs();
    live.subscribe(sub);
  }, [subKey]);

  useEffect(() => {
    document.title = `${pageTitle(route)} · Aurigraph`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // A new page: start at its top, and let screen readers announce it.
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [routeHref(route)]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      const typing = el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const nav = NAV.filter((n) => !n.needs || can(n.needs, features));
  const shown = effectiveTheme(theme);

  return (
    <div class="shell" onClick={(e) => interceptLinks(e as unknown as MouseEvent)}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('main h1')?.focus(); }}>Skip to content</a>
      <header class="top">
        <a class="brand" href="/" aria-label="Aurigraph dashboard">
          <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true"><rect width="32" height="32" rx="7" class="brand-mark" /><path d="M8 23 16 8l8 15M11 18h10" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" /></svg>
          <span>Aurigraph</span>
        </a>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={n.pages.includes(route.page) ? 'page' : undefined}>{n.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const q = search.current?.value.trim() ?? '';
            if (q) navigate(routeHref({ page: 'search', q }));
          }}
        >
          <label for="q" class="visually-hidden">Search by block height, block hash, transaction id, account or asset</label>
          <input id="q" ref={search} type="search" placeholder="Height, hash, tx id, account…  ( / )" autocomplete="off" spellcheck={false} />
        </form>
        <button
          type="button"
          class="btn theme"
          onClick={() => setTheme((t) => nextTheme(t))}
          aria-label={`Theme: ${theme === 'system' ? `system (${shown})` : theme}. Switch to ${nextTheme(theme)}`}
          title="Switch theme: system, light, dark"
          data-testid="theme-toggle"
        >
          {shown === 'dark' ? '☾' : '☀'} <span class="theme-name">{theme}</span>
        </button>
      </header>
      <ConnectionBanner />
      <main id="main">
        <Page route={route} />
      </main>
      <footer class="foot">
        <span>Served by <b>aurigraph {features.process}</b></span>
        <span><a href="/q/health">Health</a> · <a href="/metrics">Metrics</a> · <a href="/api/v12/chain/stats">API</a></span>
        <LastEvent />
      </footer>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  const { features } = useApp();
  const analytics = can('analytics.read', features);
  const chain = can('chain.read', features);
  switch (route.page) {
    case 'dashboard':
      return <Dashboard />;
    case 'blocks':
      return <Blocks filter={route.filter} />;
    case 'block':
      return <BlockDetail height={route.height} txPage={route.txPage} />;
    case 'tx':
      return chain ? <TxPage id={route.id} /> : <Unavailable what="Transaction lookups" />;
    case 'account':
      return <AccountPage address={route.address} before={route.before} />;
    case 'asset':
      return analytics ? <AssetPage asset={route.asset} /> : <Unavailable what="Assets" />;
    case 'analytics':
      return analytics ? <Analytics route={route} /> : <Unavailable what="Analytics" />;
    case 'forecast':
      return analytics ? <ForecastPage route={route} /> : <Unavailable what="Forecasts" />;
    case 'validators':
      return chain ? <Validators /> : <Unavailable what="The validator set" />;
    case 'exports':
      return analytics ? <Exports route={route} /> : <Unavailable what="Exports" />;
    case 'search':
      return <SearchPage q={route.q} />;
    case 'notfound':
      return <NotFound path={route.path} />;
  }
}

function LastEvent() {
  const { live } = useApp();
  useLive();
  return <span class="muted" data-testid="last-event">{live.lastId ? `last event ${live.lastId}` : ''}</span>;
}

function ConnectionBanner() {
  const { live } = useApp();
  const [st, setSt] = useState<LiveStatus>(live.status);
  const [backAt, setBackAt] = useState<number | null>(null);
  const [, tick] = useState(0);
  const wasLost = useRef(false);

  useEffect(
    () =>
      live.onStatus((s) => {
        setSt(s);
        if (s.state === 'lost') wasLost.current = true;
        if (s.state === 'open' && wasLost.current) {
          wasLost.current = false;
          setBackAt(Date.now());
        }
      }),
    [live],
  );
  useEffect(() => {
    if (st.state !== 'lost' && backAt === null) return undefined;
    const t = setInterval(() => {
      tick((n) => n + 1);
      if (backAt !== null && Date.now() - backAt > 5000) setBackAt(null);
    }, 1000);
    return () => clearInterval(t);
  }, [st.state, backAt]);

  let text: string | null = null;
  let tone = 'warn';
  if (st.state === 'lost') {
    const secs = st.retryAt ? Math.max(0, Math.ceil((st.retryAt - Date.now()) / 1000)) : 0;
    text = `Live connection lost. Reconnecting${secs > 0 ? ` in ${secs} s` : '…'} (attempt ${st.attempt}); nothing is missed: the stream resumes after ${st.resumedAfter ?? live.lastId ?? 'the last event'}.`;
  } else if (backAt !== null) {
    tone = 'good';
    text = `Live connection restored${st.resumedAfter ? `, resumed after event ${st.resumedAfter}` : ''}.`;
  }
  return (
    <div class={`banner ${text ? tone : 'hidden'}`} role="status" aria-live="polite" data-testid="connection-banner" data-state={st.state}>
      {text}
    </div>
  );
}
