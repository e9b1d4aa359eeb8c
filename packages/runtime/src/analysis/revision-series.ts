import { histogramQuantile } from '@opsloop/telemetry';
import { servedSince, type TrafficSample } from './traffic-sample.js';

/** One point of a revision's series: the end of a sample period (ms) and the value over that period. */
export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
}

/** Options of {@link RevisionSeries}. */
export interface RevisionSeriesOptions {
  /** Points kept per signal (the newest); 2000 by default (~2.8 h at 5 s). */
  maxPoints?: number;
}

/** A revision's signals over one sample period; `NaN` where the period had no requests (a gap). */
export interface PeriodValues {
  requests: number;
  /** Server errors / requests. */
  errors: number;
  /** p95 latency, seconds, from the histogram buckets' increase. */
  latencyP95: number;
}

/**
 * What a revision served between two samples, as live detection's golden signals see it: the error ratio and
 * the p95 latency (Prometheus' `histogram_quantile` over the buckets' increase, as the canary judge does).
 * A period without requests has no ratio nor quantile: `NaN`, which detectors skip as a gap.
 */
export function periodValues(
  before: ReadonlyMap<string, TrafficSample>,
  after: ReadonlyMap<string, TrafficSample>,
): PeriodValues {
  const served = servedSince(before, after);
  if (served.requests <= 0) return { requests: 0, errors: NaN, latencyP95: NaN };
  const bounds = [...served.buckets.keys()].sort((a, b) => a - b);
  const p95 = histogramQuantile(
    0.95,
    bounds.map((le) => ({ le, count: served.buckets.get(le) ?? 0 })),
  );
  return {
    requests: served.requests,
    errors: served.errors / served.requests,
    latencyP95: Number.isFinite(p95) ? p95 : NaN,
  };
}

/**
 * The `errors` and `latency_p95` series of one revision, built from the cumulative samples the rollout
 * takes every `sampleSeconds`: each sample after the first adds one point (the period since the previous).
 */
export class RevisionSeries {
  readonly #max: number;
  #last: ReadonlyMap<string, TrafficSample> | undefined;
  #lastAt = -Infinity;
  readonly #errors: SeriesPoint[] = [];
  readonly #latency: SeriesPoint[] = [];

  constructor(options: RevisionSeriesOptions = {}) {
    this.#max = options.maxPoints ?? 2000;
  }

  /**
   * Starts a new period at `atMs` without adding a point: after a gap in sampling (a new step), the first
   * point must not cover the traffic of before the interval.
   */
  restart(atMs: number, samples: ReadonlyMap<string, TrafficSample>): void {
    this.#last = samples;
    this.#lastAt = atMs;
  }

  /**
   * Adds the period since the previous sample. A sample taken less than `minPeriodMs` after the previous is
   * ignored (the next one covers that traffic): a period of a few ms would be all noise.
   */
  add(atMs: number, samples: ReadonlyMap<string, TrafficSample>, minPeriodMs = 0): void {
    if (this.#last === undefined) {
      this.restart(atMs, samples);
      return;
    }
    if (atMs - this.#lastAt < Math.max(1, minPeriodMs)) return;
    const values = periodValues(this.#last, samples);
    this.#last = samples;
    this.#lastAt = atMs;
    push(this.#errors, { t: atMs, v: values.errors }, this.#max);
    push(this.#latency, { t: atMs, v: values.latencyP95 }, this.#max);
  }

  /** The error ratio per period, oldest first, from `sinceMs` on (exclusive: a point ends its period). */
  errors(sinceMs = -Infinity): SeriesPoint[] {
    return this.#errors.filter((p) => p.t > sinceMs);
  }

  /** The p95 latency (seconds) per period, oldest first, from `sinceMs` on (exclusive). */
  latencyP95(sinceMs = -Infinity): SeriesPoint[] {
    return this.#latency.filter((p) => p.t > sinceMs);
  }
}

function push(points: SeriesPoint[], point: SeriesPoint, max: number): void {
  points.push(point);
  if (points.length > max) points.splice(0, points.length - max);
}
