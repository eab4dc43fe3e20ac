import { useEffect, useState } from 'preact/hooks';
import { Card, Empty, ErrorBox, Loading, PageTitle } from '../components';
import { useApp } from '../hooks';
import { can } from '../lib/access';
import { getJSON, type AssetSummary, type Balance, type SearchResult } from '../lib/api';
import { navigate } from '../lib/router';
import { classifyQuery, routeHref } from '../lib/route';

/**
 * resolve finds what a query names without asking for anything that may
 * not exist: the chain's search answers a miss as "none"; then an account
 * with balances, then an asset with a supply.
 */
async function resolve(q: string, chain: boolean, analytics: boolean, signal: AbortSignal): Promise<string | null> {
  const kind = classifyQuery(q);
  if (kind === 'empty') return null;
  if (!chain) return kind === 'height' ? `/blocks/${q.replace(/^0+/, '')}` : null;
  const r = await getJSON<SearchResult>(`/search?q=${encodeURIComponent(q)}`, signal);
  if (r.kind === 'block' && r.height) return `/blocks/${r.height}`;
  if (r.kind === 'transaction' && r.id) return routeHref({ page: 'tx', id: r.id });
  if (!analytics || kind === 'height') return null;
  const enc = encodeURIComponent(q);
  const acct = await getJSON<{ balances: Balance[] }>(`/analytics/accounts/${enc}`, signal);
  if (acct.balances.length) return routeHref({ page: 'account', address: q });
  const asset = await getJSON<AssetSummary>(`/analytics/assets/${enc}?limit=1`, signal);
  if (asset.supply !== '0' || asset.recent.length) return routeHref({ page: 'asset', asset: q });
  return null;
}

export function SearchPage({ q }: { q: string }) {
  const { features } = useApp();
  const [state, setState] = useState<{ q: string; error?: string; none?: boolean }>({ q });
  useEffect(() => {
    const ctl = new AbortController();
    setState({ q });
    resolve(q, can('chain.read', features), can('analytics.read', features), ctl.signal).then(
      (href) => {
        if (ctl.signal.aborted) return;
        if (href) navigate(href, { replace: true });
        else setState({ q, none: true });
      },
      (e: unknown) => !ctl.signal.aborted && setState({ q, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => ctl.abort();
  }, [q]);
  return (
    <div class="page search">
      <PageTitle>Search</PageTitle>
      <Card>
        {!state.none && !state.error && <Loading what={`“${q}”`} />}
        {state.error && <ErrorBox error={state.error} />}
        {state.none && (
          <Empty>
            <span data-testid="no-match">Nothing named “{q}”: no block height or hash, transaction id, account or asset.</span>
          </Empty>
        )}
      </Card>
    </div>
  );
}
