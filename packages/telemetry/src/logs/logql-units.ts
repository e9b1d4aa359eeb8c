/**
 * Literal values of LogQL: Go string literals, durations (query syntax and Go's `time.ParseDuration` for
 * label values) and byte sizes (go-humanize's `ParseBytes`, which Loki uses).
 */

/** A literal that could not be read; `message` is Loki-like, `index` is relative to the literal. */
export class LiteralError extends Error {
  override readonly name = 'LiteralError';
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
  "'": 39,
};

/** The value of a Go string literal as written (`"…"` with escapes, or a raw `` `…` ``). */
export function unquoteString(raw: string): string {
  if (raw.startsWith('`')) {
    if (raw.length < 2 || !raw.endsWith('`')) throw new LiteralError('unterminated raw string');
    return raw.slice(1, -1);
  }
  if (!raw.startsWith('"')) throw new LiteralError(`invalid string literal ${raw} (use "…" or \`…\`)`);
  // An escaped closing quote (`"a\"`) leaves a lone backslash at the end of the body: caught below.
  if (raw.length < 2 || !raw.endsWith('"')) throw new LiteralError('unterminated quoted string');
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      pushUtf8(bytes, cp);
      continue;
    }
    const esc = body[++i];
    if (esc === undefined) throw new LiteralError('unterminated quoted string');
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      bytes.push(simple);
    } else if (esc === 'x') {
      bytes.push(hexDigits(body, i + 1, 2));
      i += 2;
    } else if (esc === 'u' || esc === 'U') {
      const n = esc === 'u' ? 4 : 8;
      pushUtf8(bytes, hexDigits(body, i + 1, n));
      i += n;
    } else if (esc >= '0' && esc <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new LiteralError('invalid syntax');
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else {
      throw new LiteralError(`invalid escape sequence \\${esc}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function hexDigits(text: string, start: number, count: number): number {
  const digits = text.slice(start, start + count);
  if (digits.length !== count || !/^[0-9a-fA-F]+$/.test(digits)) throw new LiteralError('invalid syntax');
  return parseInt(digits, 16);
}

function pushUtf8(bytes: number[], cp: number): void {
  if (cp > 0x10ffff) throw new LiteralError('invalid syntax');
  for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
}

const QUERY_DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Milliseconds of a query duration such as `5m`, `1h30m`, `250ms` (Prometheus/Loki syntax). */
export function parseQueryDurationMs(text: string): number {
  if (!/^(\d+(ms|[smhdwy]))+$/.test(text)) throw new LiteralError(`not a valid duration string: "${text}"`);
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * QUERY_DURATION_UNITS[m[2]!]!;
  if (total <= 0) throw new LiteralError(`duration must be greater than 0: "${text}"`);
  return total;
}

const GO_DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Seconds of a Go duration (`1.5s`, `300ms`, `1h2m`, `-2us`, `0`), or undefined. */
export function parseGoDurationSeconds(text: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  const rest = m[2]!;
  if (rest === '0') return 0;
  if (rest === '' || !/^((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(rest)) return undefined;
  let total = 0;
  for (const part of rest.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * GO_DURATION_UNITS[part[2]!]!;
  }
  return sign * total;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 2 ** 10,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mi: 2 ** 20,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gi: 2 ** 30,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  ti: 2 ** 40,
  tib: 2 ** 40,
  p: 1e15,
  pb: 1e15,
  pi: 2 ** 50,
  pib: 2 ** 50,
  e: 1e18,
  eb: 1e18,
  ei: 2 ** 60,
  eib: 2 ** 60,
};

/** Bytes of a size like `10KB`, `1.5 MiB`, `42` (go-humanize: kB = 1000, KiB = 1024), or undefined. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+\.?\d*|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (m === null) return undefined;
  const unit = BYTE_UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}
