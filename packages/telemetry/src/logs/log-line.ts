/**
 * What the store reads out of a structured (pino JSON) line at append time: the level (a stream label),
 * the trace id (indexed) and the timestamp (used when the entry has none). Other lines yield nothing.
 */
import { levelOf, type LogLevel as AnyLogLevel } from '@opsloop/contracts/log-level';
import { parseRfc3339Ns } from './log-time.js';

/** The normalised log levels, the values of the derived `level` stream label. */
export type LogLevel = Exclude<AnyLogLevel, 'unknown'>;

/** What a line says about itself. */
export interface LineFacts {
  readonly level?: LogLevel;
  readonly traceId?: string;
  readonly timestampNs?: bigint;
}

/** Longest trace id kept in the index (W3C ids are 32 hex digits; a bound keeps garbage out). */
export const MAX_TRACE_ID_LENGTH = 64;
const TRACE_ID = /^[0-9A-Za-z_-]{1,64}$/;

/**
 * The normalised level of a `level` value: names (any case, common aliases) or pino's numbers (10 trace, 20
 * debug, 30 info, 40 warn, 50 error, 60 fatal; values in between round down) — the platform's one reading.
 */
export function normalizeLevel(value: unknown): LogLevel | undefined {
  const level = levelOf(value);
  return level === 'unknown' ? undefined : level;
}

/**
 * Nanoseconds of a `time` value: an RFC 3339 string, or epoch digits whose size picks the unit (seconds
 * below 1e11, milliseconds below 1e14, microseconds below 1e17, else nanoseconds).
 */
export function timeValueNs(value: unknown): bigint | undefined {
  if (typeof value === 'string') {
    const rfc = parseRfc3339Ns(value);
    if (rfc !== undefined) return rfc;
    if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
    return timeValueNs(Number(value));
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 9e18) return undefined;
  if (value < 1e11) return BigInt(Math.round(value * 1e3)) * 1_000_000n;
  if (value < 1e14) return BigInt(Math.round(value * 1e3)) * 1_000n;
  if (value < 1e17) return BigInt(Math.round(value)) * 1_000n;
  return BigInt(Math.round(value));
}

/** Reads level, trace id and time from a JSON object line; `{}` for anything else (never throws). */
export function lineFacts(line: string): LineFacts {
  // Cheap pre-check: most non-JSON lines (stack traces, third-party output) are rejected without parsing.
  if (line.length < 2 || line.charCodeAt(0) !== 123 /* { */) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const record = parsed as Record<string, unknown>;
  const level = normalizeLevel(record['level'] ?? record['severity'] ?? record['lvl']);
  const rawTrace = record['trace_id'] ?? record['traceId'];
  const traceId = typeof rawTrace === 'string' && TRACE_ID.test(rawTrace) ? rawTrace : undefined;
  let timestampNs = timeValueNs(record['time'] ?? record['timestamp'] ?? record['ts']);
  if (timestampNs !== undefined && (timestampNs < 0n || timestampNs >= 2n ** 63n)) timestampNs = undefined;
  return {
    ...(level === undefined ? {} : { level }),
    ...(traceId === undefined ? {} : { traceId }),
    ...(timestampNs === undefined ? {} : { timestampNs }),
  };
}
