import { expect, test } from 'vitest';
import { LiveStore, MAX_BLOCKS, blockTimeMs, insertBlock, missingHeights } from '../../src/lib/store';
import type { BlockEvent } from '../../src/lib/live';
import { can, readFeatures, type Features } from '../../src/lib/access';

const b = (height: number, timestamp = height * 100): BlockEvent => ({
  type: 'block', id: String(height), height, hash: `h${height}`, prev_hash: '', tx_count: 1, failed_count: 0, proposer: 1, raft_term: 1, timestamp,
});

test('insertBlock keeps newest first, unique and bounded', () => {
  let list: BlockEvent[] = [];
  for (const h of [5, 3, 7, 3, 6, 1, 7]) list = insertBlock(list, b(h));
  expect(list.map((x) => x.height)).toEqual([7, 6, 5, 3, 1]);
  for (let h = 8; h < 8 + MAX_BLOCKS; h++) list = insertBlock(list, b(h));
  expect(list).toHaveLength(MAX_BLOCKS);
  expect(list[0].height).toBe(7 + MAX_BLOCKS);
  // Older than everything kept, in a full list: ignored.
  expect(insertBlock(list, b(2))).toBe(list);
});

test('missingHeights finds gaps in a newest-first run', () => {
  expect(missingHeights([b(10), b(9), b(6), b(5), b(2)])).toEqual([8, 7, 4, 3]);
  expect(missingHeights([b(3), b(2), b(1)])).toEqual([]);
});

test('blockTimeMs averages intervals over heights', () => {
  expect(blockTimeMs([b(10, 5000), b(9, 4800), b(5, 4000)])).toBe(200);
  expect(blockTimeMs([b(1)])).toBeNull();
});

test('the store tells listeners once per frame however many events arrive', () => {
  const frames: (() => void)[] = [];
  const store = new LiveStore((fn) => frames.push(fn), () => 42);
  let told = 0;
  store.subscribe(() => told++);
  for (let h = 1; h <= 100; h++) store.apply(b(h));
  store.apply({ type: 'tps', t: 10, tps: 500, blocks: 3, height: 100 });
  store.apply({ type: 'tps', t: 10, tps: 999, blocks: 3, height: 100 });
  store.apply({ type: 'validator', height: 100, leader: 2, term: 5, voters: [1, 2, 3] });
  store.apply({ type: 'validator', height: 101, leader: 2, term: 5, voters: [1, 2, 3] });
  store.apply({ type: 'validator', height: 120, leader: 3, term: 6, voters: [1, 2, 3] });
  expect(frames).toHaveLength(1);
  frames[0]();
  expect(told).toBe(1);
  const s = store.snapshot;
  expect(s.blocks[0].height).toBe(100);
  expect(s.head).toBe(100);
  expect(s.tps).toEqual([{ t: 10_000, tps: 500 }]);
  expect(s.leaders.map((l) => [l.leader, l.term])).toEqual([[3, 6], [2, 5]]);
});

test('seedTps merges the last minute under what streamed', () => {
  const store = new LiveStore((fn) => fn());
  store.apply({ type: 'tps', t: 100, tps: 7, blocks: 1, height: 1 });
  store.seedTps([{ t: 98_000, tps: 1 }, { t: 99_000, tps: 2 }, { t: 100_000, tps: 99 }]);
  expect(store.snapshot.tps).toEqual([{ t: 98_000, tps: 1 }, { t: 99_000, tps: 2 }, { t: 100_000, tps: 7 }]);
});

const dev: Features = { process: 'dev', chain: true, submit: true, analytics: true };
const gateway: Features = { process: 'gateway', chain: false, submit: false, analytics: false };

test('can: what the process serves, and with sign-in what the role allows', () => {
  expect(can('cluster.manage', dev)).toBe(true);
  expect(can('analytics.read', gateway)).toBe(false);
  expect(can('chain.read', gateway)).toBe(false);
  expect(can('cluster.manage', dev, { roles: ['viewer'] })).toBe(false);
  expect(can('chain.read', dev, { roles: ['viewer'] })).toBe(true);
  expect(can('cluster.manage', dev, { roles: ['viewer', 'operator'] })).toBe(true);
  expect(can('cluster.manage', gateway, { roles: ['admin'] })).toBe(false);
});

test('readFeatures reads the page, and without it assumes a full process', () => {
  const doc = (content: string | null) =>
    ({ querySelector: () => (content === null ? null : { getAttribute: () => content }) }) as unknown as Document;
  expect(readFeatures(doc('{"process":"gateway","chain":false,"submit":false,"analytics":false}'))).toEqual(gateway);
  expect(readFeatures(doc(null)).analytics).toBe(true);
  expect(readFeatures(doc('not json')).chain).toBe(true);
});
