import { ChaosInputError } from './chaos-errors.js';

/** The longest a fault may run by itself: a week (and far below the 2^31 ms a timer can wait). */
export const MAX_FAULT_DURATION_MS = 7 * 86_400_000;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A `--duration` in ms: `500ms`, `60s`, `2m`, `1h`, `1h30m`, `1d`, plain seconds (`90`, `1.5`), or `0` / `none`
 * for until cleared. Throws {@link ChaosInputError} for anything else, a negative value, or more than a week.
 */
export function parseFaultDuration(text: string): number {
  if (text === 'none' || text === '0') return 0;
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    ms = Math.round(Number(text) * 1000);
  } else if (/^(?:\d+(?:ms|s|m|h|d))+$/.test(text)) {
    ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  } else {
    throw new ChaosInputError(
      `"${text}" is not a duration (e.g. 500ms, 60s, 2m, 1h, 90 for seconds, 0 for until cleared)`,
    );
  }
  return checkFaultDuration(ms, text);
}

/** `ms` if it is a whole number of ms from 0 (until cleared) to a week; throws {@link ChaosInputError} otherwise. */
export function checkFaultDuration(ms: number, shown: string | number = ms): number {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new ChaosInputError(`duration ${shown} must be a whole number of ms, 0 (until cleared) or more`);
  }
  if (ms > MAX_FAULT_DURATION_MS) throw new ChaosInputError(`duration ${shown} is longer than a week`);
  return ms;
}
