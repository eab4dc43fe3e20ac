import { beforeEach, describe, expect, test } from 'vitest';
import { LiveStream, compareEventIds, parseEventId, type Clock, type LiveEvent, type LiveStatus, type SocketLike, type TxEvent } from '../../src/lib/live';
import { formatInt } from '../../src/lib/format';

/** A stand-in WebSocket the test opens, feeds and drops. */
class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: string[] = [];
  closed: { code?: number; reason?: string } | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
  open() {
    this.onopen?.({});
  }
  deliver(ev: object | string) {
    this.onmessage?.({ data: typeof ev === 'string' ? ev : JSON.stringify(ev) });
  }
  drop(code = 1006) {
    this.onclose?.({ code, reason: '' });
  }
  get query(): URLSearchParams {
    return new URL(this.url).searchParams;
  }
}

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

const block = (h: number, extra: object = {}) => ({ type: 'block', id: String(h), height: h, hash: `h${h}`, prev_hash: `h${h - 1}`, tx_count: 1, failed_count: 0, proposer: 1, raft_term: 2, timestamp: h * 1000, ...extra });
const tx = (h: number, i: number, extra: object = {}) => ({ type: 'tx', id: `${h}.${i}`, height: h, tx: { id: `t${h}.${i}`, type: 'transfer', amount: 1, nonce: 1, status: 'committed', height: h, index: i, ...extra } });

describe('LiveStream', () => {
  let sockets: FakeSocket[];
  let clock: FakeClock;
  let events: LiveEvent[];
  let statuses: LiveStatus[];
  let live: LiveStream;

  beforeEach(() => {
    sockets = [];
    clock = new FakeClock();
    events = [];
    statuses = [];
    live = new LiveStream({ url: 'ws://portal.test/api/v12/live/stream', clock, random: () => 1, connect: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    } });
    live.onEvent((e) => events.push(e));
    live.onStatus((s) => statuses.push(s));
  });

  test('first connects from the height asked, then resumes after the last event delivered', () => {
    live.start(951);
    expect(sockets[0].query.get('types')).toBe('block,tps,validator');
    expect(sockets[0].query.get('from_height')).toBe('951');
    expect(sockets[0].query.get('after')).toBeNull();
    sockets[0].open();
    sockets[0].deliver({ type: 'welcome', height: 1000, server_time: 1 });
    for (let h = 951; h <= 1000; h++) sockets[0].deliver(block(h));
    expect(live.lastId).toBe('1000');

    sockets[0].drop(1001);
    expect(live.status.state).toBe('lost');
    clock.advance(500);
    expect(sockets).toHaveLength(2);
    expect(sockets[1].query.get('after')).toBe('1000');
    expect(sockets[1].query.get('from_height')).toBeNull();
    sockets[1].open();
    expect(live.status).toMatchObject({ state: 'open', attempt: 0, resumedAfter: '1000' });
  });

  test('drops repeated events and counts gaps, so the page shows each block once', () => {
    live.start();
    sockets[0].open();
    [1, 2, 3, 2, 3, 5].forEach((h) => sockets[0].deliver(block(h)));
    expect(events.map((e) => (e as { height: number }).height)).toEqual([1, 2, 3, 5]);
    expect(live.stats).toMatchObject({ duplicates: 2, gaps: 1 });
  });

  test('a resumed stream that replays from the cursor delivers no block twice and none missed', () => {
    live.start(1);
    sockets[0].open();
    for (let h = 1; h <= 10; h++) sockets[0].deliver(block(h));
    sockets[0].drop();
    clock.advance(1000);
    const after = Number(sockets[1].query.get('after'));
    sockets[1].open();
    // The server resumes right after the cursor; an overlap would be dropped.
    for (let h = after - 2; h <= 15; h++) sockets[1].deliver(block(h));
    const heights = events.map((e) => (e as { height: number }).height);
    expect(heights).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  test('transactions advance the cursor past their block', () => {
    live.start();
    sockets[0].open();
    sockets[0].deliver(block(7));
    sockets[0].deliver(tx(7, 0));
    sockets[0].deliver(tx(7, 1));
    sockets[0].deliver(tx(7, 0));
    expect(live.lastId).toBe('7.1');
    expect(live.stats.duplicates).toBe(1);
    sockets[0].drop();
    clock.advance(1000);
    expect(sockets[1].query.get('after')).toBe('7.1');
  });

  test('backs off exponentially up to the cap while the server is away, and says when it retries', () => {
    live.start();
    sockets[0].drop();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const st = live.status;
      expect(st.state).toBe('lost');
      waits.push((st.retryAt ?? 0) - clock.now());
      clock.advance(st.retryAt! - clock.now());
      sockets[sockets.length - 1].drop();
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    expect(live.status.attempt).toBe(9);
    // lostAt stays the moment the connection was first lost.
    expect(live.status.lostAt).toBe(1_000_000);
  });

  test('a silent connection is closed and replaced', () => {
    live.start();
    sockets[0].open();
    sockets[0].deliver({ type: 'tps', t: 1, tps: 5, blocks: 1, height: 1 });
    clock.advance(14_999);
    expect(sockets[0].closed).toBeNull();
    clock.advance(1);
    expect(sockets[0].closed?.code).toBe(4000);
    clock.advance(500);
    expect(sockets).toHaveLength(2);
  });

  test('filter changes go out as one subscribe message on the open connection and shape the next one', () => {
    live.start();
    sockets[0].open();
    live.subscribe({ types: ['block', 'tps', 'validator', 'tx'], accounts: ['alice'] });
    live.subscribe({ types: ['block', 'tps', 'validator', 'tx'], accounts: ['bob'] });
    expect(sockets[0].sent).toEqual([]);
    clock.advance(300);
    expect(sockets[0].sent.map((s) => JSON.parse(s))).toEqual([{ type: 'subscribe', types: ['block', 'tps', 'validator', 'tx'], accounts: ['bob'] }]);
    sockets[0].drop();
    clock.advance(1000);
    expect(sockets[1].query.get('types')).toBe('block,tps,validator,tx');
    expect(sockets[1].query.get('account')).toBe('bob');
    sockets[1].open();
    expect(sockets[1].sent).toEqual([]);
  });

  test('keeps 64-bit amounts exact', () => {
    live.start();
    sockets[0].open();
    sockets[0].deliver(block(1));
    sockets[0].deliver('{"type":"tx","id":"1.0","height":1,"tx":{"id":"x","type":"mint","amount":"18446744073709551615","nonce":"9007199254740993","status":"committed","height":1,"index":0}}');
    const t = (events[1] as TxEvent).tx;
    expect(t.amount).toBe('18446744073709551615');
    expect(formatInt(t.nonce)).toBe('9,007,199,254,740,993');
  });

  test('stop closes for good', () => {
    live.start();
    sockets[0].open();
    live.stop();
    expect(sockets[0].closed?.code).toBe(1000);
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses.at(-1)?.state).toBe('closed');
  });
});

test('event ids order as the stream delivers them', () => {
  expect(parseEventId('12')).toEqual([12, -1]);
  expect(parseEventId('12.3')).toEqual([12, 3]);
  expect(parseEventId('x')).toBeNull();
  const ids = ['3', '2.5', '2', '2.0', '10', '2.10', null];
  expect([...ids].sort(compareEventIds)).toEqual([null, '2', '2.0', '2.5', '2.10', '3', '10']);
});
