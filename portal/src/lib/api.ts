// The portal's reads and writes of the REST API under /api/v12, on the
// origin that served the page. Every JSON body is parsed with parseJSON so
// that 64-bit amounts stay exact.

import { parseJSON } from './json';
import type { IntLike } from './format';

export const API = '/api/v12';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

async function decode<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? parseJSON(text) : null;
  } catch {
    // Not JSON: plain-text errors from outside the API's handlers.
  }
  if (!res.ok) {
    const msg = typeof body === 'object' && body && 'error' in body ? String((body as { error: unknown }).error) : text.trim() || res.statusText;
    throw new ApiError(res.status, `${what}: ${msg}`, body);
  }
  return body as T;
}

/** getJSON reads an API path such as /chain/stats. */
export async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(API + path, { signal, headers: { Accept: 'application/json' } });
  return decode<T>(res, `GET ${path}`);
}

/** send writes to the API: a membership change, a transaction. */
export async function send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(API + path, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return decode<T>(res, `${method} ${path}`);
}

/** getHealth reads /q/health, which answers 503 with the same report when something is DOWN. */
export async function getHealth(signal?: AbortSignal): Promise<Health> {
  const res = await fetch('/q/health', { signal });
  const text = await res.text();
  return parseJSON<Health>(text);
}

/** liveURL is the live stream's WebSocket URL on this origin. */
export function liveURL(loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${API}/live/stream`;
}

/** exportURL is a download link of an analytics result or export in a format. */
export function exportURL(path: string, params: Record<string, string | number | undefined>, format: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  if (format !== 'json' || path === '/analytics/export') q.set('format', format);
  return `${API}${path}?${q}`;
}

// Shapes of the API's answers, as the portal reads them.

export interface Health {
  status: 'UP' | 'DOWN';
  checks: { name: string; status: string; data?: Record<string, unknown> }[];
}

export interface Performance {
  current_tps: number;
  current_bps: number;
  peak_tps: number;
  avg_tps_60s: number;
  recent: { t: number; tps: number; bps: number }[];
  latency_ms: { p50: number; p99: number };
  height: number;
}

/**
 * A transaction as every face of the API writes it: REST reads, block
 * transactions, histories, live tx events and exports. Amounts and nonces
 * are numbers up to 2^53-1 and decimal strings above; times are Unix ms.
 * Empty fields are left out; the projection's faces (histories, exports)
 * have no payload, producer timestamp or keys.
 */
export interface Tx {
  id: string;
  type: string;
  from?: string;
  to?: string;
  amount: IntLike;
  asset?: string;
  nonce: IntLike;
  payload?: string;
  /** The producer's time. */
  timestamp?: number;
  pubkey?: string;
  sig?: string;
  new_key?: string;
  status: string;
  reason?: string;
  height: number;
  index: number;
  submitted_ms?: number;
  /** The timestamp of the block that holds it: when it was committed. */
  block_timestamp?: number;
}

export interface BlockView {
  height: number;
  hash: string;
  prev_hash: string;
  tx_root: string;
  timestamp_ms: number;
  proposer: IntLike;
  raft_term: IntLike;
  raft_index: IntLike;
  tx_count: number;
  failed_count: number;
  sources: { topic: string; partition: number; start_offset: number; end_offset: number }[];
  txs: Tx[];
}

export interface BlockList {
  blocks: BlockView[];
  next_height: number;
  head: number;
}

export interface BlockRow {
  height: number;
  hash: string;
  prev_hash: string;
  tx_root: string;
  timestamp: string;
  proposer: number;
  raft_term: number;
  tx_count: number;
  failed_count: number;
}

export interface BlockPage {
  blocks: BlockRow[];
  next_before: number;
}

export interface SearchResult {
  query: string;
  kind: 'block' | 'transaction' | 'none';
  height?: number;
  hash?: string;
  id?: string;
  index?: number;
  status?: string;
}

export interface TxPage {
  transactions: Tx[];
  next_before: string;
}

export interface Balance {
  asset: string;
  balance: string;
  txs: number;
  last_height: number;
  last_time: string;
}

export interface AssetSummary {
  asset: string;
  supply: string;
  holders: number;
  top_holders: { account: string; balance: string }[];
  recent: Tx[];
}

export interface ValidatorSet {
  leader: number;
  term: number;
  validators: { id: number; state: string; applied: number; match?: number }[];
}

export interface ClusterStatus {
  id: number;
  leader: number;
  term: number;
  members: { id: number; raft_address: string; voter: boolean; role: string; match?: number; replication?: string; active?: boolean }[];
}

export interface LeaderTerm {
  term: number;
  proposer: number;
  first_height: number;
  last_height: number;
  blocks: number;
  first: string;
  last: string;
}

export interface SeriesPoint {
  t: string;
  v: number | null;
}

export interface Series {
  metric: string;
  points: SeriesPoint[];
}

export interface Comparison {
  metric: string;
  current: number | null;
  previous: number | null;
  change_pct: number | null;
  from: string;
  to: string;
}

export interface Ranked {
  key: string;
  txs: number;
  volume: IntLike;
}

export interface Forecast {
  metric: string;
  season: number;
  coverage: number;
  history: SeriesPoint[];
  forecast: { t: string; mean: number; lo: number; hi: number }[];
}

export interface Anomalies {
  metric: string;
  season: number;
  anomalies: { t: string; value: number; expected: number; score: number }[];
}

export interface Latency {
  commit_latency_ms: { count: number; p50: number; p90: number; p99: number };
  block_time_ms: { count: number; p50: number; p90: number; p99: number };
}
