/**
 * Builds the TraceQL (https://grafana.com/docs/tempo/latest/traceql/) of a {@link TraceQuery}: one spanset
 * filter holding every single-span condition, so that, as in our port, one span must satisfy them all —
 * `{ resource.service.name = "checkout" && name = "POST" && .http.route = "/x" && status = error &&
 * traceDuration >= 100000us }`. "No error span in the trace" has no TraceQL form; callers check it.
 */
import type { TraceQuery } from '../trace-source.js';

/** A TraceQL string literal. */
export function traceqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An unscoped attribute reference (`.http.route`), quoted when the name has other characters. */
export function traceqlAttribute(key: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(key) ? `.${key}` : `.${traceqlString(key)}`;
}

/** A duration literal in whole microseconds (TraceQL durations follow Go's syntax). */
export function traceqlDuration(ms: number): string {
  return `${Math.round(ms * 1000)}us`;
}

/**
 * An attribute equality. TraceQL compares typed values, while our port compares text; a value that reads
 * as a number or boolean is therefore matched in both forms: `(.code = "502" || .code = 502)`.
 */
export function attributeCondition(key: string, value: string): string {
  const attribute = traceqlAttribute(key);
  const typed = /^-?\d+(\.\d+)?$/.test(value) || value === 'true' || value === 'false';
  const text = `${attribute} = ${traceqlString(value)}`;
  return typed ? `(${text} || ${attribute} = ${value})` : text;
}

/** The TraceQL of a query; `mostRecent` adds the hint that makes Tempo return the newest traces first. */
export function toTraceQL(query: TraceQuery, mostRecent: boolean): string {
  const conditions: string[] = [];
  if (query.service !== undefined) conditions.push(`resource.service.name = ${traceqlString(query.service)}`);
  if (query.operation !== undefined) conditions.push(`name = ${traceqlString(query.operation)}`);
  for (const [key, value] of Object.entries(query.attributes ?? {}))
    conditions.push(attributeCondition(key, value));
  if (query.status === 'error') conditions.push('status = error');
  if (query.minDurationMs !== undefined)
    conditions.push(`traceDuration >= ${traceqlDuration(query.minDurationMs)}`);
  if (query.maxDurationMs !== undefined)
    conditions.push(`traceDuration <= ${traceqlDuration(query.maxDurationMs)}`);
  const filter = conditions.length === 0 ? '{ }' : `{ ${conditions.join(' && ')} }`;
  return mostRecent ? `${filter} with (most_recent=true)` : filter;
}
