import { useMemo } from 'preact/hooks';
import { LineChart, type ChartSeries, type Marker } from '../chart';
import { Card, ErrorBox, ExportLinks, Loading, PageTitle, Stat } from '../components';
import { useFetch } from '../hooks';
import type { Anomalies, Forecast } from '../lib/api';
import { formatCompact, formatNumber, formatTime } from '../lib/format';
import { navigate } from '../lib/router';
import { METRICS, RANGES, RANGE_MS, STEPS, routeHref, stepFor, type Route } from '../lib/route';
import { METRIC_LABELS, Pickers, Select, ago, toPoints } from './analytics';

type ForecastRoute = Extract<Route, { page: 'forecast' }>;

export function ForecastPage({ route }: { route: ForecastRoute }) {
  const set = (part: Partial<ForecastRoute>) => navigate(routeHref({ ...route, ...part }));
  const step = stepFor(route.history, route.step);
  const history = `${RANGE_MS[route.history] / 1000}s`;
  const fc = useFetch<Forecast>(`/analytics/forecast?metric=${route.metric}&step=${step}&history=${history}&horizon=${route.horizon}`, 30_000);
  const an = useFetch<Anomalies>(`/analytics/anomalies?metric=${route.metric}&step=${step}&from=${ago(RANGE_MS[route.history])}&threshold=${route.threshold}`, 30_000);

  const { series, band, markers } = useMemo(() => {
    const f = fc.data;
    const hist = toPoints(f ? { metric: f.metric, points: f.history } : null);
    const series: ChartSeries[] = [{ name: 'observed', tone: 's1', points: hist }];
    if (f?.forecast?.length) {
      const last = hist[hist.length - 1];
      series.push({ name: 'forecast', tone: 's3', dashed: true, points: [...(last ? [last] : []), ...f.forecast.map((p) => ({ t: Date.parse(p.t), v: p.mean }))] });
    }
    const band = f?.forecast?.length ? { name: `${Math.round(f.coverage * 100)}% interval`, points: f.forecast.map((p) => ({ t: Date.parse(p.t), lo: p.lo, hi: p.hi })) } : undefined;
    const markers: Marker[] = (an.data?.anomalies ?? []).map((a) => ({
      t: Date.parse(a.t), v: a.value,
      label: `anomaly at ${formatTime(Date.parse(a.t))}: ${formatNumber(a.value)} where ${formatNumber(a.expected)} was expected, score ${formatNumber(a.score, 2)}`,
    }));
    return { series, band, markers };
  }, [fc.data, an.data]);

  const next = fc.data?.forecast?.[0];
  return (
    <div class="page forecast">
      <PageTitle sub="Holt-Winters forecast with its prediction interval; anomalies scored against a robust seasonal baseline.">Forecast and anomalies</PageTitle>
      <Card>
        <Pickers>
          <Select label="Metric" value={route.metric} options={METRICS} names={METRIC_LABELS} onChange={(metric) => set({ metric })} testId="metric" />
          <Select label="History" value={route.history} options={RANGES} onChange={(h) => set({ history: h })} testId="history" />
          <Select label="Step" value={route.step} options={STEPS} names={{ auto: `auto (${step})` }} onChange={(s) => set({ step: s })} testId="step" />
          <label>Horizon (buckets) <input type="number" min="1" max="1000" value={route.horizon} class="narrow" onChange={(e) => set({ horizon: Math.max(1, Math.min(1000, Number((e.target as HTMLInputElement).value) || 60)) })} /></label>
          <label>Anomaly threshold <input type="number" min="0.5" max="50" step="0.5" value={route.threshold} class="narrow" onChange={(e) => set({ threshold: Number((e.target as HTMLInputElement).value) || 3.5 })} /></label>
        </Pickers>
      </Card>
      <div class="stats">
        <Stat label="Next bucket, forecast" value={<span data-testid="next-mean">{formatCompact(next?.mean)}</span>} sub={next ? `80% between ${formatCompact(next.lo)} and ${formatCompact(next.hi)}` : ''} />
        <Stat label="Season" value={fc.data ? `${fc.data.season} buckets` : '—'} sub={`of ${step}`} />
        <Stat label="Anomalies" value={<span data-testid="anomaly-count">{an.data ? an.data.anomalies.length : '—'}</span>} sub={`score above ${route.threshold}`} />
      </div>
      <Card
        testId="forecast"
        actions={<ExportLinks path="/analytics/forecast" params={{ metric: route.metric, step, history, horizon: route.horizon }} name={`forecast-${route.metric}`} />}
      >
        {fc.error && <ErrorBox error={fc.error} retry={fc.reload} />}
        {an.error && <ErrorBox error={an.error} retry={an.reload} />}
        {fc.loading && !fc.data ? <Loading what="the forecast" /> : (
          <LineChart title={`${METRIC_LABELS[route.metric]}: observed and forecast`} series={series} band={band} markers={markers} summary={`next bucket ${formatCompact(next?.mean)}`} testId="forecast-chart" height={280} />
        )}
      </Card>
      <Card title="Anomalies" testId="anomalies" actions={<ExportLinks path="/analytics/anomalies" params={{ metric: route.metric, step, from: ago(RANGE_MS[route.history]), threshold: route.threshold }} name={`anomalies-${route.metric}`} />}>
        {an.data && an.data.anomalies.length === 0 && <p class="muted empty">No bucket scored above {route.threshold} in this history.</p>}
        {an.data && an.data.anomalies.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">Time</th><th scope="col" class="num">Value</th><th scope="col" class="num">Expected</th><th scope="col" class="num">Score</th></tr></thead>
              <tbody>
                {an.data.anomalies.map((a) => (
                  <tr key={a.t}><td>{formatTime(Date.parse(a.t))}</td><td class="num">{formatNumber(a.value)}</td><td class="num">{formatNumber(a.expected)}</td><td class="num">{formatNumber(a.score, 2)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
