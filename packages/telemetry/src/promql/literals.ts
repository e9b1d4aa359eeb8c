/**
 * PromQL literal syntax, as Prometheus 2.42 reads it: numbers (Go's `ParseInt(s, 0, 64)` first, so `0x1f`
 * is hex and `010` octal, then `ParseFloat`), durations (`model.ParseDuration`: `1h30m`, `5m`, `250ms`,
 * `1y` = 365 days) and quoted strings with Go escapes.
 */

const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A duration literal in milliseconds; throws an Error with Prometheus's message when malformed. */
export function parseDurationMs(text: string): number {
  if (text === '0') return 0;
  const match = DURATION_RE.exec(text);
  if (text === '' || match === null) throw new Error(`not a valid duration string: ${JSON.stringify(text)}`);
  let total = 0;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * DURATION_UNITS[i]![1];
  }
  if (!Number.isSafeInteger(total)) throw new Error(`duration out of range: ${JSON.stringify(text)}`);
  return total;
}

/** Whether a number token is really a duration (`5m`), which PromQL does not accept as a number. */
export function isDurationToken(text: string): boolean {
  return /^\d+(?:y|w|d|h|ms|m|s)/.test(text) && !/^0x/i.test(text);
}

/** A number literal (optionally signed) as Prometheus parses it; NaN-returning input is rejected with an Error. */
export function parseNumberLiteral(text: string): number {
  let sign = 1;
  let body = text;
  if (body.startsWith('-') || body.startsWith('+')) {
    if (body.startsWith('-')) sign = -1;
    body = body.slice(1);
  }
  const lower = body.toLowerCase();
  if (lower === 'inf') return sign * Infinity;
  if (lower === 'nan') return NaN;
  const asInt = parseGoInt(body);
  if (asInt !== undefined) return sign * asInt;
  const cleaned = body.includes('_') ? body.replace(/(?<=\d)_(?=\d)/g, '') : body;
  if (!/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(cleaned))
    throw new Error(`bad number syntax: "${text}"`);
  return sign * Number(cleaned);
}

/** Go's `strconv.ParseInt(s, 0, 64)` for the forms the lexer lets through; undefined when it would fail. */
function parseGoInt(body: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+(?:_?[0-9a-fA-F]+)*$/.test(body)) {
    return checkedInt(BigInt(`0x${body.slice(2).replace(/_/g, '')}`));
  }
  if (!/^\d+(?:_\d+)*$/.test(body)) return undefined;
  const digits = body.replace(/_/g, '');
  if (digits.length > 1 && digits.startsWith('0')) {
    // A leading zero means octal to ParseInt; an 8 or 9 makes it fail and ParseFloat reads it as decimal.
    return /^[0-7]+$/.test(digits) ? checkedInt(BigInt(`0o${digits}`)) : undefined;
  }
  return checkedInt(BigInt(digits));
}

function checkedInt(value: bigint): number | undefined {
  // Past int64, ParseInt fails and ParseFloat takes over (same value for decimal input).
  if (value > 9223372036854775807n) return undefined;
  return Number(value);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * The value of a quoted string token (`"…"`, `'…'` or `` `…` ``) with Go escapes resolved; throws an Error
 * with Prometheus's message when the quote is unterminated or an escape is unknown.
 */
export function unquoteString(token: string): string {
  const quote = token[0];
  if (token.length < 2 || token[token.length - 1] !== quote) throw new Error('unterminated quoted string');
  const body = token.slice(1, -1);
  if (quote === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) throw new Error('escape sequence not terminated');
    i++;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) out += simple;
    else if (next === quote) out += next;
    else if (next === 'x' || next === 'u' || next === 'U') {
      const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex))
        throw new Error(`invalid escape sequence \\${next}`);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) throw new Error('invalid Unicode code point');
      out += String.fromCodePoint(code);
      i += len;
    } else if (next >= '0' && next <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new Error('invalid octal escape sequence');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error(
        `unknown escape sequence U+${next.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${next}'`,
      );
    }
  }
  return out;
}
