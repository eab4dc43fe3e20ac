// JSON as the API writes it: 64-bit amounts, nonces and balances can exceed
// 2^53, where a JavaScript number silently rounds. The API writes such
// values as decimal strings; parseJSON also keeps any integer literal that a
// double cannot hold exactly as its decimal string, so that nothing the page
// reads is rounded, whatever writes it.

/** Parses JSON text; integers beyond Number.MAX_SAFE_INTEGER stay exact, as strings. */
export function parseJSON<T = unknown>(text: string): T {
  // Sixteen digits in a row is the only way to spell an unsafe integer.
  if (!/\d{16}/.test(text)) return JSON.parse(text) as T;
  return JSON.parse(quoteUnsafeIntegers(text)) as T;
}

/** Rewrites integer literals outside strings that a double cannot hold as JSON strings. */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string, escapes included.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else {
          i++;
          if (d === 0x22) break;
        }
      }
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let integer = true;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) i++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && i - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        out += text.slice(copied, start) + '"' + text.slice(start, i) + '"';
        copied = i;
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
