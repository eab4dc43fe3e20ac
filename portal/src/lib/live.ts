// One live connection per page view: a WebSocket to /api/v12/live/stream
// that, when it drops, reconnects with backoff and resumes right after the
// last event it delivered (after=ID), so no block is missed or delivered
// twice. It subscribes to blocks, throughput and validator changes; a page
// that wants transactions narrows them to the accounts it shows.

import type { Tx } from './api';
import type { IntLike } from './format';
import { parseJSON } from './json';

export type EventType = 'block' | 'tx' | 'tps' | 'validator';

export interface BlockEvent {
  type: 'block';
  id: string;
  height: number;
  hash: string;
  prev_hash: string;
  tx_count: number;
  failed_count: number;
  proposer: IntLike;
  raft_term: IntLike;
  /** The block's timestamp, Unix ms. */
  timestamp: number;
  committed_ms?: number;
}

/** A transaction of a committed block, in the shape every face of the API writes. */
export interface TxEvent {
  type: 'tx';
  /** The resume cursor, "H.I". */
  id: string;
  height: number;
  committed_ms?: number;
  tx: Tx;
}

export interface TpsEvent {
  type: 'tps';
  /** The second, Unix seconds. */
  t: number;
  tps: number;
  blocks: number;
  height: number;
}

export interface ValidatorEvent {
  type: 'validator';
  height: number;
  leader: number;
  term: number;
  voters: number[];
}

export type LiveEvent = BlockEvent | TxEvent | TpsEvent | ValidatorEvent;

/** What a page view subscribes to. */
export interface Subscription {
  types: EventType[];
  /** Narrows tx events to those sent or received by these accounts. */
  accounts?: string[];
}

/**
 * parseEventId reads a resume cursor: "H" is block H, "H.I" its
 * transaction I, which comes after the block and its earlier transactions.
 */
export function parseEventId(id: string): [height: number, index: number] | null {
  const m = /^(\d{1,16})(?:\.(\d{1,10}))?$/.exec(id);
  if (!m) return null;
  return [Number(m[1]), m[2] === undefined ? -1 : Number(m[2])];
}

/** compareEventIds orders cursors as the stream delivers them; null sorts first. */
export function compareEventIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const pa = parseEventId(a);
  const pb = parseEventId(b);
  if (!pa || !pb) throw new RangeError(`not an event id: ${pa ? b : a}`);
  return pa[0] !== pb[0] ? pa[0] - pb[0] : pa[1] - pb[1];
}

/** WebSocket.CONNECTING, the readyState of a socket not open yet. */
const CONNECTING = 0;

/** The part of a WebSocket the stream uses, so tests can stand in for it. */
export interface SocketLike {
  readonly readyState?: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface LiveOptions {
  /** The stream's WebSocket URL, without a query. */
  url: string;
  connect?: (url: string) => SocketLike;
  clock?: Clock;
  random?: () => number;
  /** Reconnect backoff: from minBackoffMs (500), doubling to maxBackoffMs (10 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** With tps subscribed an event comes every second; silence this long (15 s) means a dead connection. */
  staleMs?: number;
  /** Coalesces filter changes into one subscribe message (300 ms): the server allows five a second. */
  filterDelayMs?: number;
}

export type ConnectionState = 'connecting' | 'open' | 'lost' | 'closed';

export interface LiveStatus {
  state: ConnectionState;
  /** Failed connection attempts since the last open. */
  attempt: number;
  /** When the next attempt starts (Unix ms), while lost. */
  retryAt?: number;
  /** When the connection was last lost, while lost or after it is back. */
  lostAt?: number;
  /** The cursor the current connection resumed after; null for a fresh start. */
  resumedAfter: string | null;
  /** The chain head the server reported on connecting. */
  serverHeight?: number;
}

export interface LiveStats {
  received: number;
  duplicates: number;
  gaps: number;
  connections: number;
}

type Listener<T> = (v: T) => void;

export class LiveStream {
  private opts: Required<Omit<LiveOptions, 'connect' | 'clock' | 'random'>> & Pick<LiveOptions, 'connect'>;
  private clock: Clock;
  private random: () => number;
  private sock: SocketLike | null = null;
  private sub: Subscription = { types: ['block', 'tps', 'validator'] };
  private sentSub = '';
  private fromHeight: number | null = null;
  private last: string | null = null;
  private lastBlock: number | null = null;
  private retryTimer: unknown = null;
  private staleTimer: unknown = null;
  private filterTimer: unknown = null;
  private events = new Set<Listener<LiveEvent>>();
  private statuses = new Set<Listener<LiveStatus>>();
  private current: LiveStatus = { state: 'closed', attempt: 0, resumedAfter: null };
  readonly stats: LiveStats = { received: 0, duplicates: 0, gaps: 0, connections: 0 };

  constructor(opts: LiveOptions) {
    this.opts = {
      url: opts.url,
      connect: opts.connect,
      minBackoffMs: opts.minBackoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 10_000,
      staleMs: opts.staleMs ?? 15_000,
      filterDelayMs: opts.filterDelayMs ?? 300,
    };
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
  }

  /** The id of the last block or transaction delivered: where a reconnect resumes. */
  get lastId(): string | null {
    return this.last;
  }

  get status(): LiveStatus {
    return this.current;
  }

  onEvent(fn: Listener<LiveEvent>): () => void {
    this.events.add(fn);
    return () => this.events.delete(fn);
  }

  onStatus(fn: Listener<LiveStatus>): () => void {
    this.statuses.add(fn);
    fn(this.current);
    return () => this.statuses.delete(fn);
  }

  /**
   * start connects. With fromHeight the first connection replays from that
   * block (the page's recent history) and continues live; later ones resume
   * after the last event delivered.
   */
  start(fromHeight?: number): void {
    if (this.current.state !== 'closed') return;
    this.fromHeight = fromHeight && fromHeight > 0 ? fromHeight : null;
    this.connect();
  }

  stop(): void {
    this.clearTimers();
    const s = this.sock;
    this.sock = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = null;
      if (s.readyState === CONNECTING) {
        // Closing a socket that is still connecting makes the browser report
        // it on the console: close it as soon as it opens instead.
        s.onopen = () => s.close(1000, 'page closed');
      } else {
        s.onopen = null;
        s.close(1000, 'page closed');
      }
    }
    this.setStatus({ ...this.current, state: 'closed', retryAt: undefined });
  }

  /** subscribe sets what the page view receives; an open connection changes its filter in place. */
  subscribe(sub: Subscription): void {
    this.sub = { types: [...sub.types], accounts: sub.accounts?.length ? [...sub.accounts] : undefined };
    if (this.current.state !== 'open' || this.filterTimer !== null) return;
    this.filterTimer = this.clock.setTimeout(() => {
      this.filterTimer = null;
      this.sendFilter();
    }, this.opts.filterDelayMs);
  }

  private sendFilter(): void {
    const msg = JSON.stringify({ type: 'subscribe', types: this.sub.types, accounts: this.sub.accounts ?? [] });
    if (!this.sock || this.current.state !== 'open' || msg === this.sentSub) return;
    this.sentSub = msg;
    this.sock.send(msg);
  }

  /** query is the connection's URL query: the filter and where to start. */
  query(): string {
    const q = new URLSearchParams();
    q.set('types', this.sub.types.join(','));
    if (this.sub.accounts?.length) q.set('account', this.sub.accounts.join(','));
    if (this.last !== null) q.set('after', this.last);
    else if (this.fromHeight !== null) q.set('from_height', String(this.fromHeight));
    return q.toString();
  }

  private connect(): void {
    this.clearTimers();
    const resumedAfter = this.last;
    this.setStatus({ ...this.current, state: this.current.state === 'lost' ? 'lost' : 'connecting', resumedAfter, retryAt: undefined });
    const url = `${this.opts.url}?${this.query()}`;
    let s: SocketLike;
    try {
      s = this.opts.connect ? this.opts.connect(url) : (new WebSocket(url) as unknown as SocketLike);
    } catch {
      this.lost();
      return;
    }
    this.sock = s;
    this.sentSub = JSON.stringify({ type: 'subscribe', types: this.sub.types, accounts: this.sub.accounts ?? [] });
    s.onopen = () => {
      this.stats.connections++;
      this.setStatus({ ...this.current, state: 'open', attempt: 0, retryAt: undefined, resumedAfter });
      this.armStale();
      // A filter changed while connecting takes effect now.
      this.sendFilter();
    };
    s.onmessage = (ev) => this.message(ev.data);
    s.onerror = () => {
      // onclose follows and decides.
    };
    s.onclose = () => {
      if (this.sock === s) this.lost();
    };
  }

  private lost(): void {
    const s = this.sock;
    this.sock = null;
    if (s) s.onclose = s.onmessage = s.onerror = s.onopen = null;
    this.clearTimers();
    const attempt = this.current.attempt + 1;
    const base = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** Math.min(attempt - 1, 16));
    const wait = Math.round(base * (0.5 + this.random() * 0.5));
    const now = this.clock.now();
    this.setStatus({
      ...this.current, state: 'lost', attempt, retryAt: now + wait,
      lostAt: this.current.state === 'lost' ? this.current.lostAt : now,
    });
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, wait);
  }

  private armStale(): void {
    if (this.staleTimer !== null) this.clock.clearTimeout(this.staleTimer);
    if (!this.sub.types.includes('tps')) {
      this.staleTimer = null;
      return;
    }
    this.staleTimer = this.clock.setTimeout(() => {
      this.staleTimer = null;
      const s = this.sock;
      if (s) {
        s.onclose = null;
        s.close(4000, 'no event within the stale limit');
      }
      this.lost();
    }, this.opts.staleMs);
  }

  private message(data: unknown): void {
    if (typeof data !== 'string') return;
    this.armStale();
    let ev: { type?: string; id?: string; height?: number };
    try {
      ev = parseJSON(data);
    } catch {
      return;
    }
    switch (ev.type) {
      case 'welcome':
        this.setStatus({ ...this.current, serverHeight: ev.height });
        return;
      case 'block':
      case 'tx': {
        const id = ev.id ?? '';
        if (!parseEventId(id)) return;
        if (compareEventIds(id, this.last) <= 0) {
          this.stats.duplicates++;
          return;
        }
        if (ev.type === 'block') {
          const h = ev.height ?? 0;
          if (this.lastBlock !== null && h > this.lastBlock + 1) this.stats.gaps++;
          this.lastBlock = h;
        }
        this.last = id;
        break;
      }
      case 'tps':
      case 'validator':
        break;
      default:
        return; // subscribed, error: replies about the filter
    }
    this.stats.received++;
    for (const fn of this.events) fn(ev as LiveEvent);
  }

  private setStatus(s: LiveStatus): void {
    this.current = s;
    for (const fn of this.statuses) fn(s);
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.staleTimer, this.filterTimer]) if (t !== null) this.clock.clearTimeout(t);
    this.retryTimer = this.staleTimer = this.filterTimer = null;
  }
}
