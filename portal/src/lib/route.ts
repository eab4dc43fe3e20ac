// The URL holds each page's state, so every view can be linked, reloaded
// and shared. parseRoute reads a location; routeHref writes one, leaving
// defaults out; the two round-trip.

export const METRICS = ['tps', 'volume', 'failed', 'blocks', 'block_time_ms', 'latency_p50', 'latency_p90', 'latency_p99'] as const;
export type Metric = (typeof METRICS)[number];
export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;
export type RangeName = (typeof RANGES)[number];
export const STEPS = ['auto', '1s', '10s', '1m', '5m', '1h'] as const;
export type Step = (typeof STEPS)[number];

export interface BlockFilter {
  /** Time bounds as the API reads them: RFC 3339 or Unix ms. */
  from?: string;
  to?: string;
  proposer?: string;
  minTxs?: string;
  maxTxs?: string;
  /** Pages: only heights below this one. */
  before?: string;
}

export type Route =
  | { page: 'dashboard' }
  | { page: 'blocks'; filter: BlockFilter }
  | { page: 'block'; height: string; txPage: number }
  | { page: 'tx'; id: string }
  | { page: 'account'; address: string; before?: string }
  | { page: 'asset'; asset: string }
  | { page: 'analytics'; metric: Metric; range: RangeName; step: Step; compare: boolean }
  | { page: 'forecast'; metric: Metric; step: Step; history: RangeName; horizon: number; threshold: number }
  | { page: 'validators' }
  | { page: 'exports'; fromHeight?: string; toHeight?: string; metric: Metric; range: RangeName; step: Step }
  | { page: 'search'; q: string }
  | { page: 'notfound'; path: string };

export type PageName = Route['page'];

const UINT = /^\d{1,20}$/;
const TIME = /^(\d{1,16}|\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?|now|-\d+[smhd])$/;

function pick<T extends string>(v: string | null, allowed: readonly T[], def: T): T {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : def;
}

function uint(v: string | null): string | undefined {
  if (v === null || !UINT.test(v)) return undefined;
  const t = v.replace(/^0+(?=\d)/, '');
  return t === '0' ? undefined : t;
}

function time(v: string | null): string | undefined {
  return v !== null && TIME.test(v) ? v : undefined;
}

function int(v: string | null, lo: number, hi: number, def: number): number {
  if (v === null || !/^\d+$/.test(v)) return def;
  const n = Number(v);
  return n >= lo && n <= hi ? n : def;
}

function num(v: string | null, lo: number, hi: number, def: number): number {
  if (v === null || v === '') return def;
  const n = Number(v);
  return Number.isFinite(n) && n >= lo && n <= hi ? n : def;
}

function segment(s: string): string | null {
  try {
    const d = decodeURIComponent(s);
    return d.length > 0 && d.length <= 256 ? d : null;
  } catch {
    return null;
  }
}

/** parseRoute reads a pathname and query string into the page and its state. */
export function parseRoute(pathname: string, search: string): Route {
  const q = new URLSearchParams(search);
  const parts = pathname.replace(/\/+$/, '').split('/').slice(1);
  const [head, arg, extra] = parts;
  if (parts.length === 0 || (parts.length === 1 && head === '')) return { page: 'dashboard' };
  if (extra !== undefined) return { page: 'notfound', path: pathname };
  switch (head) {
    case 'blocks': {
      if (arg === undefined) {
        const filter: BlockFilter = {};
        const from = time(q.get('from'));
        const to = time(q.get('to'));
        const proposer = uint(q.get('proposer'));
        const minTxs = uint(q.get('min_txs'));
        const maxTxs = uint(q.get('max_txs'));
        const before = uint(q.get('before'));
        if (from) filter.from = from;
        if (to) filter.to = to;
        if (proposer) filter.proposer = proposer;
        if (minTxs) filter.minTxs = minTxs;
        if (maxTxs) filter.maxTxs = maxTxs;
        if (before) filter.before = before;
        return { page: 'blocks', filter };
      }
      const height = uint(arg);
      return height ? { page: 'block', height, txPage: int(q.get('txpage'), 1, 1e6, 1) } : { page: 'notfound', path: pathname };
    }
    case 'tx': {
      const id = arg === undefined ? null : segment(arg);
      return id ? { page: 'tx', id } : { page: 'notfound', path: pathname };
    }
    case 'accounts': {
      const address = arg === undefined ? null : segment(arg);
      if (!address) return { page: 'notfound', path: pathname };
      const r: Route = { page: 'account', address };
      const before = q.get('before');
      if (before && /^\d{1,20}(\.\d{1,10})?$/.test(before)) r.before = before;
      return r;
    }
    case 'assets': {
      const asset = arg === undefined ? null : segment(arg);
      return asset ? { page: 'asset', asset } : { page: 'notfound', path: pathname };
    }
    case 'analytics':
      if (arg !== undefined) break;
      return {
        page: 'analytics',
        metric: pick(q.get('metric'), METRICS, 'tps'),
        range: pick(q.get('range'), RANGES, '1h'),
        step: pick(q.get('step'), STEPS, 'auto'),
        compare: q.get('compare') === '1',
      };
    case 'forecast':
      if (arg !== undefined) break;
      return {
        page: 'forecast',
        metric: pick(q.get('metric'), METRICS, 'tps'),
        step: pick(q.get('step'), STEPS, '1m'),
        history: pick(q.get('history'), RANGES, '6h'),
        horizon: int(q.get('horizon'), 1, 1000, 60),
        threshold: num(q.get('threshold'), 0.5, 50, 3.5),
      };
    case 'validators':
      if (arg !== undefined) break;
      return { page: 'validators' };
    case 'exports': {
      if (arg !== undefined) break;
      const r: Route = {
        page: 'exports',
        metric: pick(q.get('metric'), METRICS, 'tps'),
        range: pick(q.get('range'), RANGES, '1h'),
        step: pick(q.get('step'), STEPS, 'auto'),
      };
      const fromHeight = uint(q.get('from_height'));
      const toHeight = uint(q.get('to_height'));
      if (fromHeight) r.fromHeight = fromHeight;
      if (toHeight) r.toHeight = toHeight;
      return r;
    }
    case 'search':
      if (arg !== undefined) break;
      return { page: 'search', q: (q.get('q') ?? '').trim().slice(0, 256) };
  }
  return { page: 'notfound', path: pathname };
}

function withQuery(path: string, params: [string, string | undefined | null | false][]): string {
  const q = new URLSearchParams();
  for (const [k, v] of params) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** routeHref writes the URL of a route, leaving defaults out. */
export function routeHref(r: Route): string {
  switch (r.page) {
    case 'dashboard':
      return '/';
    case 'blocks':
      return withQuery('/blocks', [
        ['from', r.filter.from], ['to', r.filter.to], ['proposer', r.filter.proposer],
        ['min_txs', r.filter.minTxs], ['max_txs', r.filter.maxTxs], ['before', r.filter.before],
      ]);
    case 'block':
      return withQuery(`/blocks/${r.height}`, [['txpage', r.txPage > 1 && String(r.txPage)]]);
    case 'tx':
      return `/tx/${encodeURIComponent(r.id)}`;
    case 'account':
      return withQuery(`/accounts/${encodeURIComponent(r.address)}`, [['before', r.before]]);
    case 'asset':
      return `/assets/${encodeURIComponent(r.asset)}`;
    case 'analytics':
      return withQuery('/analytics', [
        ['metric', r.metric !== 'tps' && r.metric], ['range', r.range !== '1h' && r.range],
        ['step', r.step !== 'auto' && r.step], ['compare', r.compare && '1'],
      ]);
    case 'forecast':
      return withQuery('/forecast', [
        ['metric', r.metric !== 'tps' && r.metric], ['step', r.step !== '1m' && r.step],
        ['history', r.history !== '6h' && r.history], ['horizon', r.horizon !== 60 && String(r.horizon)],
        ['threshold', r.threshold !== 3.5 && String(r.threshold)],
      ]);
    case 'validators':
      return '/validators';
    case 'exports':
      return withQuery('/exports', [
        ['from_height', r.fromHeight], ['to_height', r.toHeight], ['metric', r.metric !== 'tps' && r.metric],
        ['range', r.range !== '1h' && r.range], ['step', r.step !== 'auto' && r.step],
      ]);
    case 'search':
      return withQuery('/search', [['q', r.q]]);
    case 'notfound':
      return r.path;
  }
}

/** Durations of the range names, in milliseconds. */
export const RANGE_MS: Record<RangeName, number> = {
  '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000,
};

const STEP_MS: Record<Exclude<Step, 'auto'>, number> = { '1s': 1000, '10s': 10_000, '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };

/**
 * stepFor picks the bucket length of a series: the one asked for, or for
 * 'auto' the smallest that keeps the range within `points` buckets; and
 * never so fine that the API would refuse it (10,000 buckets).
 */
export function stepFor(range: RangeName, step: Step, points = 300): string {
  const span = RANGE_MS[range];
  if (step !== 'auto' && span / STEP_MS[step] <= 10_000) return step;
  for (const s of ['1s', '10s', '1m', '5m', '1h'] as const) {
    if (span / STEP_MS[s] <= points) return s;
  }
  return '1h';
}

/** stepMs is a step's length in milliseconds. */
export function stepMs(step: string): number {
  return STEP_MS[step as Exclude<Step, 'auto'>] ?? 60_000;
}

/** classifyQuery tells what a search box entry can be, before asking the server. */
export function classifyQuery(q: string): 'height' | 'hash' | 'text' | 'empty' {
  const s = q.trim();
  if (!s) return 'empty';
  if (/^\d{1,20}$/.test(s)) return 'height';
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(s)) return 'hash';
  return 'text';
}
