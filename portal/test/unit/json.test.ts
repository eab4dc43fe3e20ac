import { describe, expect, test } from 'vitest';
import { parseJSON, quoteUnsafeIntegers } from '../../src/lib/json';

describe('parseJSON', () => {
  test('keeps integers above 2^53 exact as strings', () => {
    const v = parseJSON<{ amount: unknown; nonce: unknown; height: unknown }>('{"amount":18446744073709551615,"nonce":9007199254740993,"height":12}');
    expect(v.amount).toBe('18446744073709551615');
    expect(v.nonce).toBe('9007199254740993');
    expect(v.height).toBe(12);
  });

  test('leaves safe integers, floats and negative numbers as numbers', () => {
    expect(parseJSON('[9007199254740991,-9007199254740991,1.5e300,0.1234567890123456789,-3]')).toEqual([
      9007199254740991, -9007199254740991, 1.5e300, 0.1234567890123456789, -3,
    ]);
  });

  test('quotes unsafe negative integers too', () => {
    expect(parseJSON('{"delta":-170141183460469231731687303715884105728}')).toEqual({ delta: '-170141183460469231731687303715884105728' });
  });

  test('never touches digits inside strings, escapes included', () => {
    const text = '{"id":"12345678901234567890","s":"a\\"99999999999999999999\\"b","n":99999999999999999999}';
    expect(parseJSON(text)).toEqual({ id: '12345678901234567890', s: 'a"99999999999999999999"b', n: '99999999999999999999' });
  });

  test('returns the text itself when nothing needs quoting', () => {
    const text = '{"a":[1,2,3],"b":"x"}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });

  test('an amount of 2^64-1 in a block survives a round trip through the page', () => {
    const block = `{"height":7,"txs":[{"id":"t","amount":18446744073709551615,"nonce":1},{"id":"u","amount":"18446744073709551614","nonce":2}]}`;
    const b = parseJSON<{ txs: { amount: number | string }[] }>(block);
    expect(BigInt(b.txs[0].amount) - BigInt(b.txs[1].amount)).toBe(1n);
  });
});
