import type { MetricFamily } from '@opsloop/telemetry';
import { DEFAULT_REQUEST_HISTOGRAMS } from '../metrics/replica-window.js';

/** What one replica served, as cumulative counters read from one scrape of its request histograms. */
export interface TrafficSample {
  requests: number;
  /** Requests that failed on the server's side: HTTP 5xx, gRPC UNKNOWN/INTERNAL/UNAVAILABLE/…. */
  errors: number;
  /** Cumulative count per bucket upper bound (seconds, `+Inf` included), summed over every series. */
  buckets: Map<number, number>;
  /** `process_start_time_seconds`, to tell a restarted process whose counters started again. */
  startTimeSeconds?: number;
}

/** gRPC codes that are the server's fault (Google SRE's availability definition), by canonical name. */
const GRPC_SERVER_ERRORS = new Set([
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
]);
const GRPC_SERVER_ERROR_NUMBERS = new Set(['2', '4', '12', '13', '14', '15']);

/** Whether a series' labels say its requests failed on the server's side. */
export function isServerError(labels: Readonly<Record<string, string>>): boolean {
  const status = labels.status ?? labels.status_code ?? labels.code;
  if (status === undefined) return false;
  if (/^\d{3}$/.test(status) && (labels.status !== undefined || labels.status_code !== undefined))
    return Number(status) >= 500;
  const upper = status.toUpperCase();
  return GRPC_SERVER_ERRORS.has(upper) || GRPC_SERVER_ERROR_NUMBERS.has(status);
}

/** Reduces one scrape to a {@link TrafficSample} over the request histograms named (opsloop's by default). */
export function trafficSampleOf(
  families: readonly MetricFamily[],
  histograms: readonly string[] = DEFAULT_REQUEST_HISTOGRAMS,
): TrafficSample {
  const wanted = new Set(histograms);
  const sample: TrafficSample = { requests: 0, errors: 0, buckets: new Map() };
  for (const family of families) {
    if (family.name === 'process_start_time_seconds') {
      const value = family.samples[0]?.value;
      if (value !== undefined) sample.startTimeSeconds = value;
      continue;
    }
    if (!wanted.has(family.name)) continue;
    for (const s of family.samples) {
      if (!Number.isFinite(s.value) && s.value !== Infinity) continue;
      if (s.name === `${family.name}_count`) {
        sample.requests += s.value;
        if (isServerError(s.labels)) sample.errors += s.value;
      } else if (s.name === `${family.name}_bucket`) {
        const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
        if (!Number.isNaN(le)) sample.buckets.set(le, (sample.buckets.get(le) ?? 0) + s.value);
      }
    }
  }
  return sample;
}

/** An empty sample (a replica that served nothing yet). */
export const emptySample = (): TrafficSample => ({ requests: 0, errors: 0, buckets: new Map() });

/**
 * What a replica served between two samples: the increase of each counter, or everything `after` holds when
 * the process restarted in between (a counter went down, or its start time changed), as Prometheus'
 * `increase()` treats resets.
 */
export function increaseBetween(before: TrafficSample | undefined, after: TrafficSample): TrafficSample {
  if (before === undefined) return cloneSample(after);
  const restarted =
    (before.startTimeSeconds !== undefined &&
      after.startTimeSeconds !== undefined &&
      before.startTimeSeconds !== after.startTimeSeconds) ||
    after.requests < before.requests ||
    after.errors < before.errors;
  if (restarted) return cloneSample(after);
  const buckets = new Map<number, number>();
  for (const [le, count] of after.buckets)
    buckets.set(le, Math.max(0, count - (before.buckets.get(le) ?? 0)));
  return {
    requests: after.requests - before.requests,
    errors: after.errors - before.errors,
    buckets,
  };
}

/** The sum of several samples (e.g. every replica of a revision). */
export function sumSamples(samples: Iterable<TrafficSample>): TrafficSample {
  const total = emptySample();
  for (const s of samples) {
    total.requests += s.requests;
    total.errors += s.errors;
    for (const [le, count] of s.buckets) total.buckets.set(le, (total.buckets.get(le) ?? 0) + count);
  }
  return total;
}

/**
 * What each of a revision's replicas served since `start` (samples per instance), summed: instances absent
 * at the start count from zero (they started in between).
 */
export function servedSince(
  start: ReadonlyMap<string, TrafficSample>,
  now: ReadonlyMap<string, TrafficSample>,
): TrafficSample {
  return sumSamples([...now].map(([instance, sample]) => increaseBetween(start.get(instance), sample)));
}

function cloneSample(sample: TrafficSample): TrafficSample {
  return { requests: sample.requests, errors: sample.errors, buckets: new Map(sample.buckets) };
}
