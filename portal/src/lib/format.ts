// How the portal writes numbers, amounts, hashes, times and durations.
// Amounts are integers of up to 64 bits (balances up to 128): they are
// formatted from their decimal digits, never through a double.

/** An integer as the API may deliver it: a safe number, a decimal string or a bigint. */
export type IntLike = number | string | bigint;

const DIGITS = /^-?\d+$/;

/** toBigInt converts an integer the API delivered; it throws on anything else. */
export function toBigInt(v: IntLike): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not an exact integer`);
    return BigInt(v);
  }
  const s = v.trim();
  if (!DIGITS.test(s)) throw new RangeError(`${JSON.stringify(v)} is not a decimal integer`);
  return BigInt(s);
}

/** groupDigits puts a thin separator between groups of three digits: 1,234,567. */
export function groupDigits(digits: string): string {
  const neg = digits.startsWith('-');
  const d = neg ? digits.slice(1) : digits;
  let out = '';
  for (let i = 0; i < d.length; i++) {
    if (i > 0 && (d.length - i) % 3 === 0) out += ',';
    out += d[i];
  }
  return (neg ? '-' : '') + out;
}

/** formatInt writes an integer with grouped digits, exactly; an em dash for nothing. */
export function formatInt(v: IntLike | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  try {
    return groupDigits(toBigInt(v).toString());
  } catch {
    return String(v);
  }
}

/** sumInts adds integers exactly. */
export function sumInts(values: Iterable<IntLike>): bigint {
  let total = 0n;
  for (const v of values) total += toBigInt(v);
  return total;
}

/** formatCompact writes a rate or count short: 950, 12.3K, 1.25M. */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, suffix] of units) {
    if (a >= size) {
      const x = n / size;
      return `${trimZeros(x.toFixed(Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2))}${suffix}`;
    }
  }
  return trimZeros(n.toFixed(a >= 100 || Number.isInteger(n) ? 0 : 1));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** formatNumber writes a measurement with up to `digits` decimals and grouped integer digits. */
export function formatNumber(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const [int, frac] = Math.abs(n).toFixed(digits).split('.');
  const s = groupDigits(int) + (frac && /[1-9]/.test(frac) ? '.' + frac.replace(/0+$/, '') : '');
  return n < 0 && s !== '0' ? '-' + s : s;
}

/** formatPercent writes a change: +12.5 %, -3 %, or an em dash when undefined. */
export function formatPercent(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${n > 0 ? '+' : ''}${formatNumber(n, 1)} %`;
}

/** shortHash keeps the head and tail of a hex hash: 3fa9c2d1…9e0b. */
export function shortHash(h: string | null | undefined, head = 8, tail = 4): string {
  if (!h) return '—';
  return h.length <= head + tail + 1 ? h : `${h.slice(0, head)}…${h.slice(-tail)}`;
}

/** formatDuration writes milliseconds in the largest sensible unit. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return '-' + formatDuration(-ms);
  if (ms < 10) return `${trimZeros(ms.toFixed(2))} ms`;
  if (ms < 1000) return `${trimZeros(ms.toFixed(ms < 100 ? 1 : 0))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${trimZeros(s.toFixed(2))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** formatAge writes how long ago `then` was, at `now` (both Unix ms). */
export function formatAge(then: number, now: number): string {
  const d = Math.max(0, now - then);
  if (d < 1000) return 'now';
  const s = Math.floor(d / 1000);
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** formatTime writes a Unix-ms time as YYYY-MM-DD HH:MM:SS, in UTC or local time. */
export function formatTime(ms: number | string | null | undefined, utc = false): string {
  if (ms === null || ms === undefined || ms === '') return '—';
  const d = new Date(typeof ms === 'string' ? Date.parse(ms) : ms);
  if (Number.isNaN(d.getTime())) return '—';
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}${utc ? ' UTC' : ''}`;
}

/** formatClock writes the time of day of a Unix-ms time, local. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** assetName names the native asset, which transactions carry as "". */
export function assetName(asset: string | undefined | null, txType?: string): string {
  return !asset || txType === 'mint' ? 'AUR' : asset;
}
