/**
 * Nanosecond time helpers. Entries keep their full nanosecond timestamp (a bigint) on disk; the index splits
 * it into whole milliseconds and the nanoseconds within that millisecond, both exact as JS numbers.
 */
import type { TimestampNs } from './log-source.js';

const NS_PER_MS = 1_000_000n;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** A timestamp that could not be read. */
export class InvalidTimestampError extends Error {
  override readonly name = 'InvalidTimestampError';
}

/** Milliseconds (floor) and the nanoseconds within that millisecond, of a nanosecond instant. */
export interface SplitTime {
  readonly ms: number;
  readonly sub: number;
}

/** Splits a nanosecond instant (may be negative) into floor milliseconds and the remainder in [0, 1e6). */
export function splitNs(ns: bigint): SplitTime {
  let ms = ns / NS_PER_MS;
  let sub = ns % NS_PER_MS;
  if (sub < 0n) {
    ms -= 1n;
    sub += NS_PER_MS;
  }
  return { ms: Number(ms), sub: Number(sub) };
}

/** The nanosecond instant of a split time. */
export function joinNs(ms: number, sub: number): bigint {
  return BigInt(ms) * NS_PER_MS + BigInt(sub);
}

/** Nanoseconds of a millisecond instant (which must be an integer). */
export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

/** The smallest whole millisecond at or after the instant: window membership `(a, b]` for integer a, b. */
export function ceilMs(ns: bigint): number {
  const { ms, sub } = splitNs(ns);
  return sub === 0 ? ms : ms + 1;
}

/** The largest whole millisecond at or before the instant. */
export function floorMs(ns: bigint): number {
  return splitNs(ns).ms;
}

/** Nanoseconds of an RFC 3339 timestamp (fraction up to 9 digits kept exactly), or undefined. */
export function parseRfc3339Ns(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(base)) return undefined;
  let offsetMin = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const fracNs = frac === undefined ? 0n : BigInt(frac.padEnd(9, '0'));
  return BigInt(base - offsetMin * 60_000) * NS_PER_MS + fracNs;
}

/**
 * Reads a timestamp as Loki's HTTP API does: a bigint as is; a decimal string with a `.` as float seconds;
 * an integer string of ≤ 10 digits as seconds, longer as nanoseconds; otherwise RFC 3339.
 */
export function parseTimestampNs(value: TimestampNs): bigint {
  if (typeof value === 'bigint') return value;
  const text = value.trim();
  if (/^-?\d+\.\d*$|^-?\.\d+$/.test(text)) {
    const [whole = '0', frac = ''] = text.replace('-', '').split('.');
    const ns = BigInt(whole === '' ? '0' : whole) * 1_000_000_000n + BigInt(frac.slice(0, 9).padEnd(9, '0'));
    return text.startsWith('-') ? -ns : ns;
  }
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    return text.replace('-', '').length <= 10 ? n * 1_000_000_000n : n;
  }
  const rfc = parseRfc3339Ns(text);
  if (rfc === undefined) throw new InvalidTimestampError(`cannot parse "${value}" to a valid timestamp`);
  return rfc;
}
