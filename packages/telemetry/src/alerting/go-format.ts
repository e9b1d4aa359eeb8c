/**
 * Go's float formatting, as Prometheus's templates print numbers: `{{ $value }}` is Go's `%v` and the
 * humanize functions use `%.4g`, whose exponent thresholds differ from JavaScript's (1e+06, 1e-05).
 */

function exponentSuffix(exp: number): string {
  return `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function stripZeros(digits: string): string {
  return digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

/** Go's `%.<precision>g`: `precision` significant digits, exponent form below 1e-4 or from 10^precision. */
export function goFormatG(v: number, precision: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, e] = v.toExponential(precision - 1).split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= precision) return stripZeros(mantissa) + exponentSuffix(exp);
  return stripZeros(v.toFixed(Math.max(0, precision - 1 - exp)));
}

/** Go's `%.<precision>e` (`1.500000e+00`). */
export function goFormatE(v: number, precision: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  const [mantissa, e] = v.toExponential(precision).split('e') as [string, string];
  return mantissa + exponentSuffix(Number(e));
}

/** Go's `%v` of a float64 (strconv's shortest `g`): exponent form when the exponent is below -4 or from 6. */
export function goFormatFloat(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return mantissa + exponentSuffix(exp);
  return String(v);
}

/** Prometheus's `humanize`: SI prefixes (k, M, G … / m, u, n …) with 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goFormatG(v, 4);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return goFormatG(v, 4) + prefix;
}

/** Prometheus's `humanize1024`: binary prefixes (ki, Mi, Gi …). */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return goFormatG(v, 4);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return goFormatG(v, 4) + prefix;
}

/** Prometheus's `humanizePercentage`: a ratio as a percentage (0.072 → `7.2%`). */
export function humanizePercentage(v: number): string {
  return `${goFormatG(v * 100, 4)}%`;
}

/** Prometheus's `humanizeDuration`: seconds as `1d 2h 3m 4s`, or `1.5s`, `250ms`. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return goFormatG(v, 4);
  if (v === 0) return `${goFormatG(v, 4)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const total = Math.trunc(abs);
    const [d, h, m, s] = [
      Math.trunc(total / 86_400),
      Math.trunc(total / 3_600) % 24,
      Math.trunc(total / 60) % 60,
      total % 60,
    ];
    if (d !== 0) return `${sign}${d}d ${h}h ${m}m ${s}s`;
    if (h !== 0) return `${sign}${h}h ${m}m ${s}s`;
    if (m !== 0) return `${sign}${m}m ${s}s`;
    return `${sign}${goFormatG(abs, 4)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goFormatG(v, 4)}${prefix}s`;
}
