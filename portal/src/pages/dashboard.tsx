import { useMemo } from 'preact/hooks';
import { LineChart } from '../chart';
import { Badge, BlockLink, Card, ErrorBox, Hash, Stat } from '../components';
import { useApp, useFetch, useLive, useNow } from '../hooks';
import { can } from '../lib/access';
import { getHealth, type Health, type Performance } from '../lib/api';
import { formatAge, formatCompact, formatDuration, formatInt, formatNumber } from '../lib/format';
import { blockTimeMs } from '../lib/store';
import { useEffect, useState } from 'preact/hooks';

/** The window of the throughput chart. */
const TPS_WINDOW_MS = 5 * 60_000;

function useHealth(): { health: Health | null; error: string | null } {
  const [state, setState] = useState<{ health: Health | null; error: string | null }>({ health: null, error: null });
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const ctl = new AbortController();
    const read = () =>
      getHealth(ctl.signal)
        .then((health) => !stop && setState({ health, error: null }))
        .catch((e: unknown) => !stop && setState((s) => ({ health: s.health, error: e instanceof Error ? e.message : String(e) })))
        .finally(() => {
          if (!stop) timer = setTimeout(read, 5000);
        });
    read();
    return () => {
      stop = true;
      ctl.abort();
      clearTimeout(timer);
    };
  }, []);
  return state;
}

export function Dashboard() {
  const snap = useLive();
  const now = useNow();
  const { features } = useApp();
  const perf = useFetch<Performance>('/performance', 5000);
  const { health, error: healthError } = useHealth();

  const tpsNow = snap.tps.length ? snap.tps[snap.tps.length - 1].tps : perf.data?.current_tps ?? null;
  const recent = useMemo(() => snap.tps.filter((p) => p.t >= now - TPS_WINDOW_MS), [snap.tps, now]);
  const avg = recent.length ? recent.reduce((a, p) => a + p.tps, 0) / recent.length : null;
  const peak = recent.length ? Math.max(...recent.map((p) => p.tps)) : null;
  const bt = blockTimeMs(snap.blocks);
  const head = Math.max(snap.head, perf.data?.height ?? 0);
  const v = snap.validator;
  const projector = health?.checks.find((c) => c.name === 'projector');
  const lag = projector?.data?.lag_blocks as number | undefined;
  const chartSeries = useMemo(() => [{ name: 'tx/s', tone: 's1' as const, points: recent.map((p) => ({ t: p.t, v: p.tps })) }], [recent]);

  return (
    <div class="page dashboard">
      <div class="page-title">
        <h1 tabIndex={-1}>Live dashboard</h1>
        <p class="muted">Updated as blocks commit, from the live stream.</p>
      </div>
      <div class="stats" aria-label="Chain now">
        <Stat label="Throughput now" value={<span data-testid="tps-now">{tpsNow === null ? '—' : formatCompact(tpsNow)}</span>} sub={`tx/s · ${formatCompact(avg)} avg, ${formatCompact(peak)} peak over 5 min`} />
        <Stat label="Height" value={<span data-testid="height">{head ? formatInt(head) : '—'}</span>} sub={snap.blocks[0] ? `last block ${formatAge(snap.blocks[0].timestamp, now)}` : 'no block yet'} />
        <Stat label="Block time" value={formatDuration(bt)} sub="mean of the last 20 blocks" />
        <Stat
          label="Submit → commit"
          value={perf.data && perf.data.latency_ms.p50 > 0 ? `${formatNumber(perf.data.latency_ms.p50)} ms` : '—'}
          sub={perf.data && perf.data.latency_ms.p99 > 0 ? `p50 · p99 ${formatNumber(perf.data.latency_ms.p99)} ms, last minute` : 'p50 · p99, last minute'}
          testId="latency"
        />
        <Stat label="Leader" value={<span data-testid="leader">{v && v.leader ? `validator ${v.leader}` : 'none'}</span>} sub={v ? `term ${formatInt(v.term)} · ${v.voters.length} voters` : ''} />
        <Stat label="Projector lag" value={lag === undefined ? '—' : `${formatInt(lag)} blocks`} sub={projector ? `projected to ${formatInt(projector.data?.projected_height as number)}` : features.analytics ? '' : 'no projection here'} />
      </div>
      <div class="grid-2">
        <Card class="span-2">
          <LineChart title="Throughput, tx per second, last 5 minutes" series={chartSeries} summary={`now ${formatCompact(tpsNow)} tx/s`} testId="tps-chart" height={220} xDomain={[now - TPS_WINDOW_MS, now]} />
        </Card>
        <Card title="Newest blocks" testId="newest-blocks" actions={<a href="/blocks">All blocks →</a>}>
          <div class="table-wrap">
            <table class="blocks-table">
              <thead>
                <tr><th scope="col">Height</th><th scope="col">Hash</th><th scope="col" class="num">Txs</th><th scope="col" class="num hide-sm">Failed</th><th scope="col" class="hide-sm">Proposer</th><th scope="col">Age</th></tr>
              </thead>
              <tbody>
                {snap.blocks.slice(0, 12).map((b) => (
                  <tr key={b.height} data-height={b.height}>
                    <td><BlockLink height={b.height} /></td>
                    <td><Hash value={b.hash} /></td>
                    <td class="num">{formatInt(b.tx_count)}</td>
                    <td class="num hide-sm">{b.failed_count ? <span class="bad-text">{formatInt(b.failed_count)}</span> : 0}</td>
                    <td class="hide-sm">{b.proposer}</td>
                    <td>{formatAge(b.timestamp, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {snap.blocks.length === 0 && <p class="muted empty">No block yet: submit a transaction and it appears here.</p>}
          </div>
        </Card>
        <Card title="Health" testId="health">
          {healthError && !health && <ErrorBox error={healthError} />}
          {health && (
            <ul class="health">
              <li>
                <span>Overall</span> <Badge status={health.status} />
              </li>
              {health.checks.map((c) => (
                <li key={c.name}>
                  <span>{c.name}</span> <Badge status={c.status} />
                  <span class="muted small">{describeCheck(c.data)}</span>
                </li>
              ))}
              <li>
                <span>live stream</span> <LiveBadge />
              </li>
            </ul>
          )}
          {can('chain.read', features) && <p class="small"><a href="/validators">Validators and membership →</a></p>}
        </Card>
      </div>
    </div>
  );
}

function LiveBadge() {
  const { live } = useApp();
  const s = live.status.state;
  return <Badge status={s === 'open' ? 'UP' : s}>{s}</Badge>;
}

function describeCheck(data?: Record<string, unknown>): string {
  if (!data) return '';
  return Object.entries(data)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${typeof v === 'number' ? formatInt(v) : v}`)
    .join(' · ');
}
