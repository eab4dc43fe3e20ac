import { useState } from 'preact/hooks';
import { BlockLink, Card, Empty, ErrorBox, ExportLinks, Hash, Loading, PageTitle } from '../components';
import { useApp, useFetch, useLive, useNow } from '../hooks';
import { can } from '../lib/access';
import type { BlockList, BlockPage } from '../lib/api';
import { formatAge, formatInt, formatTime, type IntLike } from '../lib/format';
import { navigate } from '../lib/router';
import { routeHref, type BlockFilter } from '../lib/route';
import { missingHeights } from '../lib/store';

const PAGE = 50;

interface Row {
  height: number;
  hash: string;
  tx_count: number;
  failed_count: number;
  proposer: IntLike;
  /** Unix ms. */
  time: number;
}

function filtered(f: BlockFilter): boolean {
  return !!(f.from || f.to || f.proposer || f.minTxs || f.maxTxs);
}

/** toInputTime turns a URL time (RFC 3339 or Unix ms) into a datetime-local value. */
function toInputTime(v?: string): string {
  if (!v) return '';
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

function fromInputTime(v: string): string | undefined {
  if (!v) return undefined;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : undefined;
}

export function Blocks({ filter }: { filter: BlockFilter }) {
  const { features } = useApp();
  const analytics = can('analytics.read', features);
  const chain = can('chain.read', features);
  const isFiltered = filtered(filter);
  const live = !isFiltered && !filter.before;

  return (
    <div class="page blocks">
      <PageTitle sub={live ? 'Newest first, arriving live as they commit.' : 'Newest first; page through any range.'}>Blocks</PageTitle>
      <FilterForm filter={filter} canFilter={analytics} />
      {live ? <LiveBlocks /> : analytics ? <AnalyticsBlocks filter={filter} /> : chain && !isFiltered ? <ChainBlocks before={Number(filter.before)} /> : (
        <Empty>Filtering blocks needs the analytics projection, which this process does not serve. Open a block by its height instead.</Empty>
      )}
    </div>
  );
}

function FilterForm({ filter, canFilter }: { filter: BlockFilter; canFilter: boolean }) {
  const [jump, setJump] = useState('');
  return (
    <Card>
      <form
        class="filters"
        aria-label="Filter blocks"
        onSubmit={(e) => {
          e.preventDefault();
          const fd = new FormData(e.currentTarget as HTMLFormElement);
          const get = (k: string) => String(fd.get(k) ?? '').trim() || undefined;
          navigate(routeHref({ page: 'blocks', filter: {
            from: fromInputTime(String(fd.get('from') ?? '')), to: fromInputTime(String(fd.get('to') ?? '')),
            proposer: get('proposer'), minTxs: get('min_txs'), maxTxs: get('max_txs'),
          } }));
        }}
      >
        {canFilter && (
          <>
            <label>From <input type="datetime-local" name="from" step="1" value={toInputTime(filter.from)} /></label>
            <label>To <input type="datetime-local" name="to" step="1" value={toInputTime(filter.to)} /></label>
            <label>Proposer <input type="number" name="proposer" min="1" inputMode="numeric" value={filter.proposer ?? ''} class="narrow" /></label>
            <label>Min txs <input type="number" name="min_txs" min="0" inputMode="numeric" value={filter.minTxs ?? ''} class="narrow" /></label>
            <label>Max txs <input type="number" name="max_txs" min="0" inputMode="numeric" value={filter.maxTxs ?? ''} class="narrow" /></label>
            <button type="submit" class="btn primary">Filter</button>
            {(filtered(filter) || filter.before) && <a class="btn" href="/blocks">Clear</a>}
          </>
        )}
      </form>
      <form
        class="filters jump"
        aria-label="Go to a block"
        onSubmit={(e) => {
          e.preventDefault();
          const h = jump.trim();
          if (/^\d+$/.test(h) && h !== '0') navigate(`/blocks/${h.replace(/^0+/, '')}`);
        }}
      >
        <label>Go to height <input type="number" min="1" inputMode="numeric" value={jump} onInput={(e) => setJump((e.target as HTMLInputElement).value)} class="narrow" data-testid="jump-height" /></label>
        <button type="submit" class="btn">Open block</button>
      </form>
    </Card>
  );
}

function BlockTable({ rows, now, testId }: { rows: Row[]; now: number; testId: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Height</th><th scope="col">Hash</th><th scope="col" class="num">Txs</th>
            <th scope="col" class="num hide-sm">Failed</th><th scope="col" class="hide-sm">Proposer</th>
            <th scope="col" class="hide-sm">Time</th><th scope="col">Age</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr key={b.height} data-height={b.height}>
              <td><BlockLink height={b.height} /></td>
              <td><Hash value={b.hash} /></td>
              <td class="num">{formatInt(b.tx_count)}</td>
              <td class="num hide-sm">{b.failed_count ? <span class="bad-text">{formatInt(b.failed_count)}</span> : 0}</td>
              <td class="hide-sm">{b.proposer}</td>
              <td class="hide-sm nowrap">{formatTime(b.time)}</td>
              <td class="nowrap">{formatAge(b.time, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LiveBlocks() {
  const snap = useLive();
  const now = useNow();
  const rows = snap.blocks.slice(0, PAGE).map((b) => ({ ...b, time: b.timestamp }));
  const oldest = rows[rows.length - 1]?.height;
  const gaps = missingHeights(rows);
  return (
    <Card
      title={<>Live <span class="live-dot" aria-hidden="true" /></>}
      actions={oldest && oldest > 1 ? <a class="btn" href={routeHref({ page: 'blocks', filter: { before: String(oldest) } })}>Older →</a> : undefined}
      testId="live-blocks"
    >
      {rows.length === 0 ? <Empty>No block yet.</Empty> : <BlockTable rows={rows} now={now} testId="blocks-table" />}
      {gaps.length > 0 && <p class="bad-text small" data-testid="gaps">Missing heights: {gaps.slice(0, 10).join(', ')}</p>}
    </Card>
  );
}

function Pager({ newer, older }: { newer?: string | null; older?: string | null }) {
  return (
    <nav class="pager" aria-label="Pages">
      {newer !== undefined && <a class="btn" href={newer ?? '/blocks'}>← Newer</a>}
      {older && <a class="btn" href={older}>Older →</a>}
    </nav>
  );
}

function AnalyticsBlocks({ filter }: { filter: BlockFilter }) {
  const now = useNow();
  const params: Record<string, string | undefined> = {
    from: filter.from, to: filter.to, proposer: filter.proposer, min_txs: filter.minTxs, max_txs: filter.maxTxs, before: filter.before,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  q.set('limit', String(PAGE));
  const page = useFetch<BlockPage>(`/analytics/blocks?${q}`);
  const rows = (page.data?.blocks ?? []).map((b) => ({ ...b, time: Date.parse(b.timestamp) }));
  const olderHref = page.data?.next_before ? routeHref({ page: 'blocks', filter: { ...filter, before: String(page.data.next_before) } }) : null;
  const newer = filter.before && rows.length ? routeHref({ page: 'blocks', filter: { ...filter, before: String(rows[0].height + PAGE + 1) } }) : undefined;
  return (
    <Card
      title={filtered(filter) ? 'Matching blocks' : `Blocks below ${formatInt(filter.before)}`}
      actions={<ExportLinks path="/analytics/blocks" params={{ ...params, limit: PAGE }} name="blocks" />}
      testId="paged-blocks"
    >
      {page.error && <ErrorBox error={page.error} retry={page.reload} />}
      {page.loading && !page.data && <Loading what="blocks" />}
      {page.data && (rows.length ? <BlockTable rows={rows} now={now} testId="blocks-table" /> : <Empty>No block matches.</Empty>)}
      <Pager newer={filter.before ? newer : undefined} older={olderHref} />
    </Card>
  );
}

function ChainBlocks({ before }: { before: number }) {
  const now = useNow();
  const from = Math.max(1, before - PAGE);
  const page = useFetch<BlockList>(`/blocks?from_height=${from}&to_height=${before - 1}&limit=${PAGE}&headers_only=true`);
  const rows = (page.data?.blocks ?? []).map((b) => ({ ...b, time: b.timestamp_ms })).reverse();
  return (
    <Card title={`Blocks below ${formatInt(before)}`} testId="paged-blocks">
      {page.error && <ErrorBox error={page.error} retry={page.reload} />}
      {page.loading && !page.data && <Loading what="blocks" />}
      {page.data && <BlockTable rows={rows} now={now} testId="blocks-table" />}
      <Pager newer={routeHref({ page: 'blocks', filter: { before: String(before + PAGE) } })} older={from > 1 ? routeHref({ page: 'blocks', filter: { before: String(from) } }) : null} />
    </Card>
  );
}
