/**
 * Small pieces of Go's standard library whose exact behaviour PromQL results depend on: float formatting
 * (`strconv.FormatFloat`), `math.Pow` special cases, `strconv.ParseFloat` for `le` labels, and RE2 regexps
 * with `Regexp.ExpandString` templates (label_replace).
 */

/** The shortest round-tripping digits of |value| and its decimal exponent (value = 0.d1d2… × 10^exp). */
function shortestDigits(value: number): { digits: string; exp: number } {
  const [mantissa, exponent] = Math.abs(value).toExponential().split('e') as [string, string];
  return { digits: mantissa.replace('.', ''), exp: Number(exponent) + 1 };
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const { digits, exp } = shortestDigits(value);
  if (exp <= 0) return `${sign}0.${'0'.repeat(-exp)}${digits}`;
  if (exp >= digits.length) return `${sign}${digits}${'0'.repeat(exp - digits.length)}`;
  return `${sign}${digits.slice(0, exp)}.${digits.slice(exp)}`;
}

/**
 * How Prometheus's HTTP API prints a sample value: `strconv.FormatFloat` with 'f' format, switching to 'e'
 * below 1e-6 and from 1e21 (exponent with at least two digits, as Go writes it), `NaN`, `+Inf`, `-Inf`.
 */
export function formatApiValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(value);
  // JS prints this range in plain notation with the same shortest round-tripping digits as Go's 'f', -1
  // (formatFloatF's own digits come from toExponential): the fast path of every result sample.
  if (abs >= 1e-6 && abs < 1e21) return String(value);
  if (abs === 0) return formatFloatF(value);
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '');
  return `${mantissa}e${sign}${digits.padStart(2, '0')}`;
}

/** Go's `math.Pow`, whose special cases differ from `**` (e.g. `Pow(1, NaN) = 1`, `Pow(-1, ±Inf) = 1`). */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** Go's `strconv.ParseFloat(s, 64)` for decimal input and the Inf/NaN spellings; undefined when invalid. */
export function parseGoFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/.test(lower)) return Number(text);
  if (/^[+-]?0x[0-9a-f]*\.?[0-9a-f]*p[+-]?\d+$/.test(lower)) return parseHexFloat(lower);
  return undefined;
}

function parseHexFloat(lower: string): number {
  const sign = lower.startsWith('-') ? -1 : 1;
  const [mant, exp] = lower.replace(/^[+-]?0x/, '').split('p') as [string, string];
  const [int, frac = ''] = mant.split('.') as [string, string?];
  const value = parseInt(`${int}${frac}` || '0', 16) / 16 ** frac.length;
  return sign * value * 2 ** Number(exp);
}

/**
 * An RE2 (Go) regular expression as a JavaScript one, anchored like Prometheus anchors label_replace
 * regexps (`^(?:re)$`). Handles `(?P<name>…)` groups and leading `(?i)`/`(?s)`/`(?m)` flags.
 */
export function goRegex(source: string): RegExp {
  let body = source;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(body);
  if (lead) {
    for (const f of lead[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<');
  return new RegExp(`^(?:${body})$`, flags);
}

/**
 * Go's `Regexp.ExpandString`: `$1`, `${1}`, `$name`, `${name}` take the submatch (empty when missing), `$$`
 * is a dollar; a name runs as long as letters, digits and `_` continue (so `$1x` is the group named "1x").
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{(\w+)\}/.exec(rest);
    const bare = /^\w+/.exec(rest);
    const name = braced ? braced[1]! : bare ? bare[0] : undefined;
    if (name === undefined) {
      out += '$';
      continue;
    }
    i += braced ? braced[0].length : name.length;
    if (/^\d+$/.test(name)) {
      const index = Number(name);
      out += index < match.length ? (match[index] ?? '') : '';
    } else {
      out += match.groups?.[name] ?? '';
    }
  }
  return out;
}

/** Whether a string is a valid Prometheus label name. */
export function isValidLabelName(name: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);
}
