/**
 * Request parameters of the Prometheus HTTP API: merged from an `application/x-www-form-urlencoded` body
 * and the query string (body first, as Go's `r.FormValue` reads them), and the API's time and duration
 * syntaxes (unix seconds as a float or RFC 3339; seconds as a float or a PromQL duration).
 */
import { parseDurationMs } from './literals.js';
import { PromqlExecutionError } from './errors.js';

/** Earliest/latest timestamps the API accepts as "unbounded" (ms). */
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

// The bounds Prometheus's Go client sends for "no limit" (time.Unix(math.MinInt64/1000+62135596801, 0) …).
const MIN_TIME_TEXT = '-292273086-05-16T16:47:06Z';
const MAX_TIME_TEXT = '292277025-08-18T07:12:54.999999999Z';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** All values of each parameter, body values before query-string ones. */
export type ApiParams = ReadonlyMap<string, readonly string[]>;

/** Merges the form body (when it is one) and the raw query string of a request URL. */
export function collectParams(url: string, body: unknown): ApiParams {
  const out = new Map<string, string[]>();
  const add = (search: URLSearchParams): void => {
    for (const [key, value] of search) {
      const list = out.get(key);
      if (list === undefined) out.set(key, [value]);
      else list.push(value);
    }
  };
  if (typeof body === 'string') add(new URLSearchParams(body));
  const q = url.indexOf('?');
  if (q >= 0) add(new URLSearchParams(url.slice(q + 1)));
  return out;
}

/** The first value of a parameter, or undefined/empty like Go's FormValue. */
export function first(params: ApiParams, name: string): string | undefined {
  return params.get(name)?.[0];
}

function invalid(name: string, message: string): PromqlExecutionError {
  return new PromqlExecutionError(`invalid parameter "${name}": ${message}`, 'bad_data');
}

/** A time parameter in ms (`fallback` when absent or empty). */
export function parseTimeParam(params: ApiParams, name: string, fallback: number): number {
  const text = first(params, name);
  if (text === undefined || text === '') return fallback;
  const ms = parseApiTime(text);
  if (ms === undefined) throw invalid(name, `cannot parse ${JSON.stringify(text)} to a valid timestamp`);
  return ms;
}

/** Unix seconds (float, rounded to ms like Prometheus) or RFC 3339 → ms; undefined when neither. */
export function parseApiTime(text: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const seconds = Number(text);
    const whole = Math.trunc(seconds);
    const frac = Math.round((seconds - whole) * 1000);
    return whole * 1000 + frac;
  }
  if (text === MIN_TIME_TEXT) return MIN_TIME_MS;
  if (text === MAX_TIME_TEXT) return MAX_TIME_MS;
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  if (frac !== undefined) ms += Math.trunc(Number(`0${frac}`) * 1000);
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return ms;
}

/** A duration parameter (float seconds or `5m`-style) in ms; undefined when absent or empty. */
export function parseDurationParam(params: ApiParams, name: string): number | undefined {
  const text = first(params, name);
  if (text === undefined || text === '') return undefined;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || /^[+-]?(inf|infinity|nan)$/i.test(text)) {
    const ms = Number(text.replace(/inf(inity)?/i, 'Infinity')) * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 9.2e15) {
      throw invalid(name, `cannot parse ${JSON.stringify(text)} to a valid duration. It overflows int64`);
    }
    return Math.trunc(ms);
  }
  try {
    return parseDurationMs(text);
  } catch {
    throw invalid(name, `cannot parse ${JSON.stringify(text)} to a valid duration`);
  }
}
