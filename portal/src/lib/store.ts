// What the page view has seen live: the newest blocks, throughput per
// second, the validator set and its changes, and the transactions of the
// accounts a page watches. Listeners are told at most once per frame, so a
// busy chain costs one render per frame however many events arrive.

import type { BlockEvent, LiveEvent, TxEvent, ValidatorEvent } from './live';

export const MAX_BLOCKS = 200;
export const MAX_TPS = 600;
export const MAX_TXS = 200;

export interface TpsPoint {
  /** Unix ms of the second's start. */
  t: number;
  tps: number;
}

export interface LeaderChange {
  leader: number;
  term: number;
  /** Unix ms when this page view saw it. */
  at: number;
  height: number;
}

export interface LiveSnapshot {
  /** Newest first, unique by height. */
  blocks: BlockEvent[];
  /** Oldest first, one point per second. */
  tps: TpsPoint[];
  validator: ValidatorEvent | null;
  leaders: LeaderChange[];
  /** Newest first. */
  txs: TxEvent[];
  head: number;
  version: number;
}

type Schedule = (fn: () => void) => void;

const defaultSchedule: Schedule =
  typeof requestAnimationFrame === 'function' ? (fn) => requestAnimationFrame(() => fn()) : (fn) => setTimeout(fn, 16);

export class LiveStore {
  private snap: LiveSnapshot = { blocks: [], tps: [], validator: null, leaders: [], txs: [], head: 0, version: 0 };
  private listeners = new Set<() => void>();
  private pending = false;
  private now: () => number;

  constructor(private schedule: Schedule = defaultSchedule, now: () => number = Date.now) {
    this.now = now;
  }

  get snapshot(): LiveSnapshot {
    return this.snap;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** seedTps fills the throughput history from /performance's last minute. */
  seedTps(points: TpsPoint[]): void {
    const known = new Set(this.snap.tps.map((p) => p.t));
    const merged = [...this.snap.tps, ...points.filter((p) => !known.has(p.t))].sort((a, b) => a.t - b.t);
    this.update({ tps: merged.slice(-MAX_TPS) });
  }

  /** clearTxs forgets the watched transactions, when a page watches other accounts. */
  clearTxs(): void {
    this.update({ txs: [] });
  }

  apply(ev: LiveEvent): void {
    const s = this.snap;
    switch (ev.type) {
      case 'block':
        this.update({ blocks: insertBlock(s.blocks, ev), head: Math.max(s.head, ev.height) });
        break;
      case 'tx':
        this.update({ txs: [ev, ...s.txs].slice(0, MAX_TXS), head: Math.max(s.head, ev.height) });
        break;
      case 'tps': {
        const t = ev.t * 1000;
        const last = s.tps[s.tps.length - 1];
        if (last && last.t >= t) break;
        const tps = s.tps.length >= MAX_TPS ? s.tps.slice(1) : s.tps.slice();
        tps.push({ t, tps: ev.tps });
        this.update({ tps, head: Math.max(s.head, ev.height) });
        break;
      }
      case 'validator': {
        const prev = s.validator;
        const leaders = prev && prev.leader === ev.leader && prev.term === ev.term
          ? s.leaders
          : [{ leader: ev.leader, term: ev.term, at: this.now(), height: ev.height }, ...s.leaders].slice(0, 50);
        this.update({ validator: ev, leaders });
        break;
      }
    }
  }

  private update(part: Partial<LiveSnapshot>): void {
    this.snap = { ...this.snap, ...part, version: this.snap.version + 1 };
    if (this.pending) return;
    this.pending = true;
    this.schedule(() => {
      this.pending = false;
      for (const fn of this.listeners) fn();
    });
  }
}

/** insertBlock adds b to a newest-first list, keeping heights unique and the list bounded. */
export function insertBlock(blocks: BlockEvent[], b: BlockEvent): BlockEvent[] {
  if (blocks.length === 0 || b.height > blocks[0].height) {
    const out = [b, ...blocks];
    if (out.length > MAX_BLOCKS) out.length = MAX_BLOCKS;
    return out;
  }
  const i = blocks.findIndex((x) => x.height <= b.height);
  if (i >= 0 && blocks[i].height === b.height) return blocks;
  if (i < 0 && blocks.length >= MAX_BLOCKS) return blocks;
  const out = blocks.slice();
  out.splice(i < 0 ? out.length : i, 0, b);
  if (out.length > MAX_BLOCKS) out.length = MAX_BLOCKS;
  return out;
}

/** blockTimeMs is the mean interval between the newest blocks' timestamps. */
export function blockTimeMs(blocks: BlockEvent[], n = 20): number | null {
  const recent = blocks.slice(0, n);
  if (recent.length < 2) return null;
  const span = recent[0].timestamp - recent[recent.length - 1].timestamp;
  const steps = recent[0].height - recent[recent.length - 1].height;
  return steps > 0 ? span / steps : null;
}

/** missingHeights lists the heights absent from a newest-first run of blocks. */
export function missingHeights(blocks: { height: number }[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < blocks.length; i++) {
    for (let h = blocks[i - 1].height - 1; h > blocks[i].height; h--) out.push(h);
  }
  return out;
}
