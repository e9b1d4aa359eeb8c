import {
  histogramQuantile,
  parsePrometheusFloat,
  parsePrometheusText,
  type CumulativeBucket,
  type MetricFamily,
} from '@opsloop/telemetry';

/** The request histograms of opsloop services: HTTP (service kit) and gRPC (rpc package); same buckets. */
export const DEFAULT_REQUEST_HISTOGRAMS: readonly string[] = [
  'http_server_request_duration_seconds',
  'rpc_server_duration_seconds',
];

/** Options of {@link createReplicaWindow}. */
export interface ReplicaWindowOptions {
  /** How far back rates look, in ms; 60 s by default, like the metrics-server window the HPA reads. */
  windowMs?: number;
  /** The replica's CPU request in cores; utilisation % is relative to it (HPA semantics). Default 1 core. */
  cpuRequestCores?: number;
  /** Histograms (in seconds) whose `_count` are the requests served and whose buckets give latency. */
  requestHistograms?: readonly string[];
  /** At most this many scrapes are kept, whatever their age; bounds memory when scrapes are frequent. */
  maxScrapes?: number;
}

/** What one replica did over the window; every rate is null until the window holds two scrapes. */
export interface ReplicaMetrics {
  /** Time of the first and last scrape used, ms. */
  fromMs: number | null;
  toMs: number | null;
  /** Scrapes inside the window. */
  scrapes: number;
  /** CPU used, as a fraction of one core (Δ process_cpu_seconds_total / Δt). */
  cpuCores: number | null;
  /** CPU used as a percentage of `cpuRequestCores`, the value the HPA's CPU target is compared with. */
  cpuUtilizationPercent: number | null;
  /** Requests served per second. */
  rps: number | null;
  /** Requests served over the window (counter increase). */
  requests: number | null;
  /** 95th-percentile latency over the window in ms; null when no request was served. */
  p95Ms: number | null;
  /** Increase of the (summed) latency buckets over the window, in seconds, to merge across replicas. */
  latencyBuckets: CumulativeBucket[];
  /** Counter resets (process restarts) seen inside the window. */
  resets: number;
}

/** Successive scrapes of one replica, from which rates over a sliding window are derived. */
export interface ReplicaWindow {
  /** Adds the `/metrics` text scraped at `atMs`; throws PrometheusTextError or {@link ReplicaWindowError}. */
  addScrape(atMs: number, text: string): void;
  /** Adds already-parsed families scraped at `atMs`. */
  addFamilies(atMs: number, families: readonly MetricFamily[]): void;
  /**
   * Rates over the window ending at `nowMs` (default: the last scrape); `windowMs` looks back less than the
   * configured window (it cannot look further: older scrapes are gone).
   */
  metrics(nowMs?: number, windowMs?: number): ReplicaMetrics;
  /** Scrapes currently kept. */
  readonly size: number;
}

/** A bad argument to a replica window; the message names it. */
export class ReplicaWindowError extends Error {
  override readonly name = 'ReplicaWindowError';
}

/** The few numbers a scrape is reduced to: counters summed over label sets. */
interface Snapshot {
  atMs: number;
  startTimeSeconds: number | undefined;
  cpuSeconds: number | undefined;
  requests: number;
  /** Cumulative count per `le`, summed over every series of the request histograms. */
  buckets: Map<number, number>;
}

/** Creates an empty window; see {@link ReplicaWindowOptions} for the defaults. */
export function createReplicaWindow(options: ReplicaWindowOptions = {}): ReplicaWindow {
  return new SlidingReplicaWindow(options);
}

class SlidingReplicaWindow implements ReplicaWindow {
  readonly #windowMs: number;
  readonly #cpuRequestCores: number;
  readonly #histograms: ReadonlySet<string>;
  readonly #maxScrapes: number;
  #snapshots: Snapshot[] = [];

  constructor(options: ReplicaWindowOptions) {
    this.#windowMs = positive(options.windowMs ?? 60_000, 'windowMs');
    this.#cpuRequestCores = positive(options.cpuRequestCores ?? 1, 'cpuRequestCores');
    this.#maxScrapes = Math.floor(positive(options.maxScrapes ?? 1000, 'maxScrapes'));
    if (this.#maxScrapes < 2) throw new ReplicaWindowError('maxScrapes must be at least 2');
    this.#histograms = new Set(options.requestHistograms ?? DEFAULT_REQUEST_HISTOGRAMS);
  }

  get size(): number {
    return this.#snapshots.length;
  }

  addScrape(atMs: number, text: string): void {
    this.#checkTime(atMs);
    this.addFamilies(atMs, parsePrometheusText(text));
  }

  addFamilies(atMs: number, families: readonly MetricFamily[]): void {
    this.#checkTime(atMs);
    this.#snapshots.push(this.#snapshot(atMs, families));
    const oldest = atMs - this.#windowMs;
    let drop = 0;
    while (drop < this.#snapshots.length && this.#snapshots[drop]!.atMs < oldest) drop++;
    drop = Math.max(drop, this.#snapshots.length - this.#maxScrapes);
    if (drop > 0) this.#snapshots = this.#snapshots.slice(drop);
  }

  metrics(nowMs?: number, windowMs?: number): ReplicaMetrics {
    const last = this.#snapshots[this.#snapshots.length - 1];
    const end = nowMs ?? last?.atMs ?? 0;
    if (!Number.isFinite(end)) throw new ReplicaWindowError(`nowMs must be a finite time, got ${end}`);
    const span = Math.min(
      windowMs === undefined ? this.#windowMs : positive(windowMs, 'windowMs'),
      this.#windowMs,
    );
    const inWindow = this.#snapshots.filter((s) => s.atMs >= end - span && s.atMs <= end);
    return this.#derive(inWindow);
  }

  #checkTime(atMs: number): void {
    if (!Number.isFinite(atMs)) throw new ReplicaWindowError(`atMs must be a finite time, got ${atMs}`);
    const last = this.#snapshots[this.#snapshots.length - 1];
    if (last !== undefined && atMs <= last.atMs) {
      throw new ReplicaWindowError(`atMs must increase: got ${atMs} after ${last.atMs}`);
    }
  }

  #snapshot(atMs: number, families: readonly MetricFamily[]): Snapshot {
    const snapshot: Snapshot = {
      atMs,
      startTimeSeconds: undefined,
      cpuSeconds: undefined,
      requests: 0,
      buckets: new Map(),
    };
    for (const family of families) {
      if (family.name === 'process_cpu_seconds_total') snapshot.cpuSeconds = sumValues(family);
      else if (family.name === 'process_start_time_seconds') snapshot.startTimeSeconds = sumValues(family);
      else if (this.#histograms.has(family.name)) addHistogram(snapshot, family);
    }
    return snapshot;
  }

  #derive(snapshots: readonly Snapshot[]): ReplicaMetrics {
    const first = snapshots[0];
    const last = snapshots[snapshots.length - 1];
    const result: ReplicaMetrics = {
      fromMs: first?.atMs ?? null,
      toMs: last?.atMs ?? null,
      scrapes: snapshots.length,
      cpuCores: null,
      cpuUtilizationPercent: null,
      rps: null,
      requests: null,
      p95Ms: null,
      latencyBuckets: [],
      resets: 0,
    };
    if (first === undefined || last === undefined || snapshots.length < 2) return result;

    let cpuSeconds = 0;
    let cpuSpanMs = 0;
    let requests = 0;
    const buckets = new Map<number, number>();
    for (let i = 1; i < snapshots.length; i++) {
      const before = snapshots[i - 1]!;
      const after = snapshots[i]!;
      // A restart resets every counter of the process at once, so one reset test covers them all; the start
      // time catches a restart whose counters already grew past their old values.
      const reset = isReset(before, after);
      if (reset) result.resets++;
      const increase = (now: number, then: number) => (reset ? now : Math.max(0, now - then));
      if (before.cpuSeconds !== undefined && after.cpuSeconds !== undefined) {
        cpuSeconds += increase(after.cpuSeconds, before.cpuSeconds);
        cpuSpanMs += after.atMs - before.atMs;
      }
      requests += increase(after.requests, before.requests);
      for (const [le, count] of after.buckets) {
        buckets.set(le, (buckets.get(le) ?? 0) + increase(count, before.buckets.get(le) ?? 0));
      }
    }
    const spanSeconds = (last.atMs - first.atMs) / 1000;
    if (cpuSpanMs > 0) {
      result.cpuCores = cpuSeconds / (cpuSpanMs / 1000);
      result.cpuUtilizationPercent = (result.cpuCores / this.#cpuRequestCores) * 100;
    }
    result.requests = requests;
    result.rps = requests / spanSeconds;
    result.latencyBuckets = [...buckets].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
    const p95 = histogramQuantile(0.95, result.latencyBuckets);
    result.p95Ms = Number.isFinite(p95) ? p95 * 1000 : null;
    return result;
  }
}

function isReset(before: Snapshot, after: Snapshot): boolean {
  if (
    before.startTimeSeconds !== undefined &&
    after.startTimeSeconds !== undefined &&
    before.startTimeSeconds !== after.startTimeSeconds
  ) {
    return true;
  }
  if (
    before.cpuSeconds !== undefined &&
    after.cpuSeconds !== undefined &&
    after.cpuSeconds < before.cpuSeconds
  ) {
    return true;
  }
  if (after.requests < before.requests) return true;
  for (const [le, count] of before.buckets) if ((after.buckets.get(le) ?? 0) < count) return true;
  return false;
}

function sumValues(family: MetricFamily): number {
  return family.samples.reduce((sum, sample) => sum + sample.value, 0);
}

function addHistogram(snapshot: Snapshot, family: MetricFamily): void {
  for (const sample of family.samples) {
    if (!Number.isFinite(sample.value)) continue;
    if (sample.name === `${family.name}_count`) snapshot.requests += sample.value;
    else if (sample.name === `${family.name}_bucket`) {
      const le = parsePrometheusFloat(sample.labels['le'] ?? '');
      if (le === null || Number.isNaN(le)) continue;
      snapshot.buckets.set(le, (snapshot.buckets.get(le) ?? 0) + sample.value);
    }
  }
}

function positive(value: number, field: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ReplicaWindowError(`${field} must be a positive number, got ${value}`);
  }
  return value;
}
