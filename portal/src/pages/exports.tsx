import { Card, ExportLinks, PageTitle } from '../components';
import { useLive } from '../hooks';
import { formatInt } from '../lib/format';
import { navigate } from '../lib/router';
import { METRICS, RANGES, RANGE_MS, STEPS, routeHref, stepFor, type Route } from '../lib/route';
import { METRIC_LABELS, Pickers, Select, ago } from './analytics';

type ExportsRoute = Extract<Route, { page: 'exports' }>;

const ALL = ['csv', 'json', 'ndjson', 'arrow', 'parquet'];

export function Exports({ route }: { route: ExportsRoute }) {
  const snap = useLive();
  const set = (part: Partial<ExportsRoute>) => navigate(routeHref({ ...route, ...part }), { replace: true });
  const head = snap.head || 1;
  const toHeight = route.toHeight ?? String(head);
  const fromHeight = route.fromHeight ?? String(Math.max(1, Number(toHeight) - 999));
  const step = stepFor(route.range, route.step);
  const from = ago(RANGE_MS[route.range]);
  const heights = { from_height: fromHeight, to_height: toHeight };

  return (
    <div class="page exports">
      <PageTitle sub="Every table and series of the analytics projection, as CSV, JSON, NDJSON, Arrow IPC or Parquet. Charts save themselves as PNG and SVG from their own buttons.">Exports</PageTitle>
      <Card title="Tables by height" testId="export-tables">
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>From height <input type="number" min="1" value={fromHeight} class="narrow" onChange={(e) => set({ fromHeight: (e.target as HTMLInputElement).value })} data-testid="from-height" /></label>
          <label>To height <input type="number" min="1" value={toHeight} class="narrow" onChange={(e) => set({ toHeight: (e.target as HTMLInputElement).value })} data-testid="to-height" /></label>
          <span class="muted small">chain head {formatInt(snap.head || undefined)}</span>
        </form>
        <table class="exports-table">
          <tbody>
            <tr data-export="transactions"><th scope="row">Transactions</th><td><ExportLinks path="/analytics/export" params={{ table: 'transactions', ...heights }} name={`transactions-${fromHeight}-${toHeight}`} formats={ALL} /></td></tr>
            <tr data-export="blocks"><th scope="row">Blocks</th><td><ExportLinks path="/analytics/export" params={{ table: 'blocks', ...heights }} name={`blocks-${fromHeight}-${toHeight}`} formats={ALL} /></td></tr>
          </tbody>
        </table>
      </Card>
      <Card title="Series and summaries over time" testId="export-series">
        <Pickers>
          <Select label="Metric" value={route.metric} options={METRICS} names={METRIC_LABELS} onChange={(metric) => set({ metric })} />
          <Select label="Range" value={route.range} options={RANGES} onChange={(range) => set({ range })} />
          <Select label="Step" value={route.step} options={STEPS} names={{ auto: `auto (${step})` }} onChange={(s) => set({ step: s })} />
        </Pickers>
        <table class="exports-table">
          <tbody>
            <tr data-export="series"><th scope="row">{METRIC_LABELS[route.metric]} per {step}</th><td><ExportLinks path="/analytics/export" params={{ metric: route.metric, step, from }} name={`${route.metric}-${step}`} formats={ALL} /></td></tr>
            <tr data-export="compare"><th scope="row">This period against the one before</th><td><ExportLinks path="/analytics/compare" params={{ metric: route.metric, period: `${RANGE_MS[route.range] / 1000}s` }} name={`compare-${route.metric}`} formats={ALL} /></td></tr>
            <tr data-export="forecast"><th scope="row">Forecast with its prediction interval</th><td><ExportLinks path="/analytics/forecast" params={{ metric: route.metric, step, history: `${(RANGE_MS[route.range] / 1000) * 6}s` }} name={`forecast-${route.metric}`} formats={ALL} /></td></tr>
            <tr data-export="anomalies"><th scope="row">Anomalies</th><td><ExportLinks path="/analytics/anomalies" params={{ metric: route.metric, step, from }} name={`anomalies-${route.metric}`} formats={ALL} /></td></tr>
            <tr data-export="latency"><th scope="row">Latency and block-time quantiles</th><td><ExportLinks path="/analytics/latency" params={{ from }} name="latency" formats={ALL} /></td></tr>
            <tr data-export="validators"><th scope="row">Blocks per validator</th><td><ExportLinks path="/analytics/validators" params={{ from }} name="validators" formats={ALL} /></td></tr>
            <tr data-export="top-accounts"><th scope="row">Top accounts</th><td><ExportLinks path="/analytics/top/accounts" params={{ from, limit: 1000 }} name="top-accounts" formats={ALL} /></td></tr>
            <tr data-export="top-assets"><th scope="row">Top assets</th><td><ExportLinks path="/analytics/top/assets" params={{ from, limit: 1000 }} name="top-assets" formats={ALL} /></td></tr>
            <tr data-export="block-list"><th scope="row">Block list in the range</th><td><ExportLinks path="/analytics/blocks" params={{ from, limit: 500 }} name="block-list" formats={ALL} /></td></tr>
          </tbody>
        </table>
      </Card>
    </div>
  );
}
