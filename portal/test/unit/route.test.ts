import { describe, expect, test } from 'vitest';
import { classifyQuery, parseRoute, routeHref, stepFor, type Route } from '../../src/lib/route';

function parse(href: string): Route {
  const u = new URL(href, 'http://portal.test');
  return parseRoute(u.pathname, u.search);
}

describe('URL state', () => {
  test.each([
    '/',
    '/blocks',
    '/blocks?proposer=2&min_txs=10',
    '/blocks?from=2026-12-01T10%3A00%3A00Z&to=1764583200000&max_txs=500&before=9000',
    '/blocks/42',
    '/blocks/42?txpage=3',
    '/tx/3fa9c2d1e4b5a6978899aabbccddeeff00112233445566778899aabbccdd9e0b',
    '/tx/custom%2Fid%20with%20spaces',
    '/accounts/acct-1',
    '/accounts/acct.1?before=120.7',
    '/assets/USD',
    '/analytics',
    '/analytics?metric=latency_p99&range=24h&step=5m&compare=1',
    '/forecast',
    '/forecast?metric=volume&step=1s&history=15m&horizon=120&threshold=4.5',
    '/validators',
    '/exports',
    '/exports?from_height=1&to_height=1000&metric=failed&range=6h&step=1m',
    '/search?q=acct-1',
  ])('%s round-trips', (href) => {
    const r = parse(href);
    expect(r.page).not.toBe('notfound');
    expect(routeHref(r)).toBe(href);
    expect(parse(routeHref(r))).toEqual(r);
  });

  test('parses the state each page needs', () => {
    expect(parse('/blocks/0042')).toEqual({ page: 'block', height: '42', txPage: 1 });
    expect(parse('/accounts/acct%2F7')).toEqual({ page: 'account', address: 'acct/7' });
    expect(parse('/analytics?metric=volume&range=7d')).toEqual({ page: 'analytics', metric: 'volume', range: '7d', step: 'auto', compare: false });
    expect(parse('/blocks?proposer=3&before=100')).toEqual({ page: 'blocks', filter: { proposer: '3', before: '100' } });
  });

  test('bad values fall back to defaults, and defaults leave the URL', () => {
    expect(routeHref(parse('/analytics?metric=nope&range=2y&step=7s&compare=yes'))).toBe('/analytics');
    expect(routeHref(parse('/forecast?horizon=0&threshold=abc'))).toBe('/forecast');
    expect(routeHref(parse('/forecast?metric=tps&step=1m&history=6h&horizon=60&threshold=3.5'))).toBe('/forecast');
    expect(routeHref(parse('/blocks?proposer=-1&min_txs=1e3&from=yesterday'))).toBe('/blocks');
    expect(routeHref(parse('/blocks/42?txpage=1'))).toBe('/blocks/42');
  });

  test.each(['/blocks/abc', '/blocks/0', '/blocks/1/2', '/nope', '/tx/', '/accounts/%E0%A4%A', '/validators/3'])('%s is not a page', (href) => {
    expect(parse(href).page).toBe('notfound');
  });

  test('a trailing slash is the same page', () => {
    expect(parse('/validators/')).toEqual({ page: 'validators' });
  });
});

describe('series steps', () => {
  test('auto keeps a range within about 300 buckets', () => {
    expect(stepFor('15m', 'auto')).toBe('10s');
    expect(stepFor('1h', 'auto')).toBe('1m');
    expect(stepFor('24h', 'auto')).toBe('5m');
    expect(stepFor('7d', 'auto')).toBe('1h');
  });

  test('a step the API would refuse (over 10,000 buckets) becomes automatic', () => {
    expect(stepFor('1h', '1s')).toBe('1s');
    expect(stepFor('7d', '1s')).toBe('1h');
  });
});

test('classifyQuery', () => {
  expect(classifyQuery(' 42 ')).toBe('height');
  expect(classifyQuery('0x' + 'ab'.repeat(32))).toBe('hash');
  expect(classifyQuery('ab'.repeat(32))).toBe('hash');
  expect(classifyQuery('acct-1')).toBe('text');
  expect(classifyQuery('  ')).toBe('empty');
});
