/**
 * Text the adapter sends to Loki: stream selectors built from matchers, LogQL string literals, and
 * timestamps in a form Loki cannot misread.
 */
import type { LabelMatcher } from '../../model/labels.js';

/** A LogQL (Go) string literal: JSON's escapes are a subset Go's `strconv.Unquote` reads. */
export function logqlString(value: string): string {
  return JSON.stringify(value);
}

/** `{a="b", c=~"d"}` of the matchers. */
export function streamSelector(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.type}${logqlString(m.value)}`).join(', ')}}`;
}

const TEN_DIGITS = 10_000_000_000n;

/**
 * A nanosecond instant as a Loki time parameter. Loki reads integers of up to 10 digits as seconds, so
 * instants before 1970-01-01T00:00:10Z go as float seconds; negative ones as 0.
 */
export function timeParam(ns: bigint): string {
  if (ns >= TEN_DIGITS) return ns.toString();
  if (ns <= 0n) return '0';
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** A step in ms as Loki's float seconds. */
export function stepParam(stepMs: number): string {
  return String(stepMs / 1000);
}
