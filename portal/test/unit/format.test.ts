import { describe, expect, test } from 'vitest';
import {
  assetName, formatAge, formatCompact, formatDuration, formatInt, formatNumber, formatPercent, formatTime, groupDigits, shortHash, sumInts, toBigInt,
} from '../../src/lib/format';

describe('integers and amounts', () => {
  test.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [-1234567, '-1,234,567'],
    ['18446744073709551615', '18,446,744,073,709,551,615'],
    ['340282366920938463463374607431768211455', '340,282,366,920,938,463,463,374,607,431,768,211,455'],
    [2n ** 64n - 1n, '18,446,744,073,709,551,615'],
    ['9007199254740993', '9,007,199,254,740,993'],
    [null, '—'],
    [undefined, '—'],
  ])('formatInt(%s) = %s', (v, want) => {
    expect(formatInt(v as never)).toBe(want);
  });

  test('formatInt never rounds an amount above 2^53', () => {
    // 2^53 + 1 as a number would print 9007199254740992.
    expect(formatInt('9007199254740993')).toBe('9,007,199,254,740,993');
    expect(formatInt('9007199254740993')).not.toBe(formatInt(Number('9007199254740993')));
  });

  test('toBigInt refuses what is not an exact integer', () => {
    expect(() => toBigInt(2 ** 53 + 2)).toThrow(RangeError);
    expect(() => toBigInt(1.5)).toThrow(RangeError);
    expect(() => toBigInt('12a')).toThrow(RangeError);
    expect(toBigInt(' 42 ')).toBe(42n);
  });

  test('sumInts adds 64-bit amounts exactly', () => {
    expect(sumInts(['18446744073709551615', 1, 2n])).toBe(18446744073709551618n);
  });

  test('groupDigits', () => {
    expect(groupDigits('1')).toBe('1');
    expect(groupDigits('123456')).toBe('123,456');
    expect(groupDigits('-1000')).toBe('-1,000');
  });
});

describe('measurements', () => {
  test.each([
    [0, '0'], [12, '12'], [12.34, '12.3'], [950, '950'], [1234, '1.23K'], [12345, '12.3K'], [123456, '123K'],
    [1_250_000, '1.25M'], [2e9, '2G'], [-1500, '-1.5K'], [NaN, '—'], [null, '—'],
  ])('formatCompact(%s) = %s', (v, want) => {
    expect(formatCompact(v as number)).toBe(want);
  });

  test.each([
    [1234.5, 1, '1,234.5'], [1234.0, 1, '1,234'], [0.05, 2, '0.05'], [-2.5, 1, '-2.5'], [null, 1, '—'],
  ])('formatNumber(%s, %s) = %s', (v, d, want) => {
    expect(formatNumber(v as number, d)).toBe(want);
  });

  test('formatPercent', () => {
    expect(formatPercent(12.34)).toBe('+12.3 %');
    expect(formatPercent(-3)).toBe('-3 %');
    expect(formatPercent(null)).toBe('—');
  });

  test.each([
    [3.456, '3.46 ms'], [45.67, '45.7 ms'], [250, '250 ms'], [1500, '1.5 s'], [61_000, '1 min 1 s'],
    [3_780_000, '1 h 3 min'], [3 * 86_400_000, '3 d 0 h'], [null, '—'],
  ])('formatDuration(%s) = %s', (v, want) => {
    expect(formatDuration(v as number)).toBe(want);
  });

  test.each([
    [0, 'now'], [999, 'now'], [5_000, '5 s ago'], [125_000, '2 min ago'], [7_200_000, '2 h ago'], [3 * 86_400_000, '3 d ago'], [-5000, 'now'],
  ])('formatAge after %s ms = %s', (d, want) => {
    expect(formatAge(1_000_000_000_000, 1_000_000_000_000 + d)).toBe(want);
  });
});

describe('identifiers and times', () => {
  test('shortHash', () => {
    expect(shortHash('3fa9c2d1e4b5a6978899aabbccddeeff00112233445566778899aabbccdd9e0b')).toBe('3fa9c2d1…9e0b');
    expect(shortHash('abc')).toBe('abc');
    expect(shortHash('')).toBe('—');
  });

  test('formatTime in UTC', () => {
    expect(formatTime(Date.UTC(2026, 11, 3, 9, 5, 7), true)).toBe('2026-12-03 09:05:07 UTC');
    expect(formatTime('2026-12-03T09:05:07.123Z', true)).toBe('2026-12-03 09:05:07 UTC');
    expect(formatTime('not a time')).toBe('—');
  });

  test('assetName names the native asset', () => {
    expect(assetName('')).toBe('AUR');
    expect(assetName('USD')).toBe('USD');
    expect(assetName('USD', 'mint')).toBe('AUR');
  });
});
