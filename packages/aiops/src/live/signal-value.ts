/** A number short enough for a notification (`0.0412`, `1.23e+6`). */
function formatNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e6 ? String(value) : value.toPrecision(3);
}

/** A signal's value in its unit for people: `412 ms`, `1.5 %`, `12.3 requests/s`, `0.25 cores`. */
export function formatSignalValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'ratio') return `${formatNumber(value * 100)} %`;
  if (unit === 'seconds' && Math.abs(value) < 1) return `${formatNumber(value * 1000)} ms`;
  return `${formatNumber(value)} ${unit}`;
}
