/**
 * Prometheus durations (`5m`, `1h30m`, `30d`): how rule files, `for` clauses and Alertmanager's timers spell
 * time, parsed and printed exactly as Prometheus does so rendered rule files round-trip.
 */

const UNITS = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

// Units must appear largest first, each at most once (Prometheus's model.ParseDuration rule).
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A malformed Prometheus duration. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Parses a Prometheus duration (`0`, `90s`, `1h30m`, `30d`) to milliseconds; throws a {@link DurationError}. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const match = DURATION_RE.exec(text);
  if (text === '' || match === null) {
    throw new DurationError(`not a valid duration string: "${text}" (expected e.g. 30s, 5m, 1h30m, 30d)`);
  }
  let ms = 0;
  UNITS.forEach(([, unitMs], i) => {
    const digits = match[i + 1];
    if (digits !== undefined) ms += Number(digits) * unitMs;
  });
  if (!Number.isSafeInteger(ms)) throw new DurationError(`duration out of range: "${text}"`);
  return ms;
}

/** Whether `text` is a valid Prometheus duration. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Prints milliseconds as Prometheus does (`0s`, `1h30m`, `30d`, `1w`): the inverse of {@link parseDuration}. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new DurationError(`cannot format ${ms} ms as a duration`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, unitMs] of UNITS) {
    const n = Math.floor(rest / unitMs);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * unitMs;
    }
  }
  return out;
}
