import { useMemo } from 'preact/hooks';
import { LineChart, type ChartSeries } from '../chart';
import { AccountLink, AssetLink, Card, ErrorBox, ExportLinks, Loading, PageTitle, Stat } from '../components';
import { useFetch } from '../hooks';
import type { Comparison, Latency, Ranked, Series } from '../lib/api';
import { formatCompact, formatInt, formatNumber, formatPercent } from '../lib/format';
import { navigate } from '../lib/router';
import { METRICS, RANGES, RANGE_MS, STEPS, routeHref, stepFor, type Metric, type Route } from '../lib/route';

export const METRIC_LABELS: Record<Metric, string> = {
  tps: 'Throughput (tx/s)', volume: 'Volume (committed amount)', failed: 'Failed transactions', blocks: 'Blocks',
  block_time_ms: 'Block time (ms)', latency_p50: 'Commit latency p50 (ms)', latency_p90: 'Commit latency p90 (ms)', latency_p99: 'Commit latency p99 (ms)',
};

type AnalyticsRoute = Extract<Route, { page: 'analytics' }>;

/** ago is a time the API reads as that long before now. */
export function ago(ms: number): string {
  return `-${Math.round(ms / 1000)}s`;
}

export function toPoints(s: Series | null, shiftMs = 0) {
  return (s?.points ?? []).map((p) => ({ t: Date.parse(p.t) + shiftMs, v: p.v }));
}

export function Pickers({ children }: { children: preact.ComponentChildren }) {
  return <form class="filters" onSubmit={(e) => e.preventDefault()}>{children}</form>;
}

export function Select<T extends string>(props: { label: string; value: T; options: readonly T[]; names?: Partial<Record<T, string>>; onChange: (v: T) => void; testId?: string }) {
  return (
    <label>
      {props.label}{' '}
      <select value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value as T)} data-testid={props.testId}>
        {props.options.map((o) => <option key={o} value={o}>{props.names?.[o] ?? o}</option>)}
      </select>
    </label>
  );
}

export function Analytics({ route }: { route: AnalyticsRoute }) {
  const set = (part: Partial<AnalyticsRoute>) => navigate(routeHref({ ...route, ...part }));
  const step = stepFor(route.range, route.step);
  const span = RANGE_MS[route.range];
  const base = `metric=${route.metric}&step=${step}`;
  const from = ago(span);
  const current = useFetch<Series>(`/analytics/series?${base}&from=${from}`, 15_000);
  const previous = useFetch<Series>(route.compare ? `/analytics/series?${base}&from=${ago(2 * span)}&to=${from}` : null, 15_000);
  const cmp = useFetch<Comparison>(`/analytics/compare?metric=${route.metric}&period=${span / 1000}s`, 15_000);
  const lat = useFetch<Latency>(`/analytics/latency?from=${from}`, 15_000);
  const topAccounts = useFetch<{ top: Ranked[] }>(`/analytics/top/accounts?limit=10&from=${from}`, 15_000);
  const topAssets = useFetch<{ top: Ranked[] }>(`/analytics/top/assets?limit=10&from=${from}`, 15_000);

  const series = useMemo(() => {
    const out: ChartSeries[] = [{ name: `last ${route.range}`, tone: 's1', points: toPoints(current.data) }];
    if (route.compare && previous.data) out.push({ name: `the ${route.range} before`, tone: 's2', dashed: true, points: toPoints(previous.data, span) });
    return out;
  }, [current.data, previous.data, route.compare, span, route.range]);
  const last = current.data?.points.filter((p) => p.v !== null).at(-1)?.v ?? null;

  return (
    <div class="page analytics">
      <PageTitle sub="From the ClickHouse projection of the chain.">Analytics</PageTitle>
      <Card>
        <Pickers>
          <Select label="Metric" value={route.metric} options={METRICS} names={METRIC_LABELS} onChange={(metric) => set({ metric })} testId="metric" />
          <Select label="Range" value={route.range} options={RANGES} names={{ '15m': '15 minutes', '1h': '1 hour', '6h': '6 hours', '24h': '24 hours', '7d': '7 days' }} onChange={(range) => set({ range })} testId="range" />
          <Select label="Step" value={route.step} options={STEPS} names={{ auto: `auto (${step})` }} onChange={(s) => set({ step: s })} testId="step" />
          <label class="check"><input type="checkbox" checked={route.compare} onChange={(e) => set({ compare: (e.target as HTMLInputElement).checked })} data-testid="compare" /> Compare with the period before</label>
        </Pickers>
      </Card>
      <div class="stats">
        <Stat label={`${METRIC_LABELS[route.metric]}, last ${route.range}`} value={<span data-testid="cmp-current">{formatCompact(cmp.data?.current)}</span>} sub={`latest bucket ${formatCompact(last)}`} />
        <Stat label={`The ${route.range} before`} value={formatCompact(cmp.data?.previous)} />
        <Stat label="Change" value={<span data-testid="cmp-change">{formatPercent(cmp.data?.change_pct)}</span>} sub="this period against the one before" />
        <Stat label="Commit latency p50 / p99" value={lat.data && lat.data.commit_latency_ms.count ? `${formatNumber(lat.data.commit_latency_ms.p50)} / ${formatNumber(lat.data.commit_latency_ms.p99)} ms` : '—'} sub={lat.data ? `${formatInt(lat.data.commit_latency_ms.count)} transactions` : ''} />
        <Stat label="Block time p50 / p99" value={lat.data && lat.data.block_time_ms.count ? `${formatNumber(lat.data.block_time_ms.p50)} / ${formatNumber(lat.data.block_time_ms.p99)} ms` : '—'} />
      </div>
      <Card
        actions={<ExportLinks path="/analytics/export" params={{ metric: route.metric, step, from }} name={`${route.metric}-${step}`} />}
        testId="series"
      >
        {current.error && <ErrorBox error={current.error} retry={current.reload} />}
        {current.loading && !current.data ? <Loading what="the series" /> : (
          <LineChart title={`${METRIC_LABELS[route.metric]} per ${step}`} series={series} summary={`latest ${formatCompact(last)}`} testId="series-chart" />
        )}
      </Card>
      <div class="grid-2">
        <Card title="Top accounts by volume" testId="top-accounts" actions={<ExportLinks path="/analytics/top/accounts" params={{ limit: 100, from }} name="top-accounts" />}>
          <RankTable rows={topAccounts.data?.top} error={topAccounts.error} kind="account" />
        </Card>
        <Card title="Top assets by volume" testId="top-assets" actions={<ExportLinks path="/analytics/top/assets" params={{ limit: 100, from }} name="top-assets" />}>
          <RankTable rows={topAssets.data?.top} error={topAssets.error} kind="asset" />
        </Card>
      </div>
    </div>
  );
}

function RankTable({ rows, error, kind }: { rows?: Ranked[]; error: string | null; kind: 'account' | 'asset' }) {
  if (error) return <ErrorBox error={error} />;
  if (!rows) return <Loading />;
  if (!rows.length) return <p class="muted empty">No committed transaction in this range.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th scope="col">{kind === 'account' ? 'Account' : 'Asset'}</th><th scope="col" class="num">Transactions</th><th scope="col" class="num">Volume</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{kind === 'account' ? <AccountLink address={r.key} /> : <AssetLink asset={r.key || 'AUR'} />}</td>
              <td class="num">{formatInt(r.txs)}</td>
              <td class="num">{formatInt(r.volume)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
