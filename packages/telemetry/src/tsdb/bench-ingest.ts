/**
 * Ingestion benchmark of the embedded TSDB: realistic scraped series (counters, jittery gauges, histogram
 * buckets) appended through series refs, one commit per scrape round, then range queries. Prints nothing;
 * the caller reports the figures.
 */
import { performance } from 'node:perf_hooks';
import { createSeededRandom } from '@opsloop/kit';
import type { Labels } from '../model/labels.js';
import { createTsdb } from './tsdb.js';

/** Options of {@link benchIngest}. */
export interface BenchIngestOptions {
  /** An empty directory for the database (the caller removes it). */
  dir: string;
  /** Series count, rounded down to whole targets of 50 series. Default 1000. */
  series?: number;
  /** Hours of data. Default 24. */
  hours?: number;
  /** Scrape interval (ms). Default 15 000. */
  stepMs?: number;
  /** fdatasync the WAL (once per second of the benchmark's simulated clock). Default false. */
  fsync?: boolean;
  /** Range queries timed after ingestion. Default 200. */
  queries?: number;
  /** Seed of the value generator. Default 1. */
  seed?: number;
}

/** Figures of one run. */
export interface BenchIngestResult {
  samples: number;
  series: number;
  /** Samples per second of wall time spent in appendRef and commit (block cuts included). */
  samplesPerSecond: number;
  /** Samples per second of wall time spent in appendRef alone. */
  appendOnlySamplesPerSecond: number;
  /**
   * Samples per CPU second of the whole ingestion loop (process user + system time, so the WAL's and block
   * writes' thread-pool work and the benchmark's own value generation count too): the figure that does not
   * depend on how busy the machine is.
   */
  samplesPerCpuSecond: number;
  /** Chunk bytes per sample (head and blocks). */
  bytesPerSample: number;
  blocks: number;
  bytesOnDisk: number;
  /** p50 and p99 of a 1 h range query of one metric over every target (≈ 20 series × 240 samples). */
  queryRangeP50Ms: number;
  queryRangeP99Ms: number;
}

const TARGETS_SERIES = 50;
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** One simulated series: its labels and how its next value is made. */
interface SimSeries {
  readonly labels: Labels;
  next(): number;
}

/** The 50 series of one scrape target: 10 counters, 10 gauges, 3 histograms of 10 buckets. */
function targetSeries(target: number, random: () => number): SimSeries[] {
  const base = { job: 'shop', instance: `10.0.${target >> 8}.${target & 255}:9090` };
  const out: SimSeries[] = [];
  for (let c = 0; c < 10; c++) {
    let value = Math.floor(random() * 1e6);
    const rate = [0, 1, 3, 20][c % 4]!;
    out.push({
      labels: { __name__: 'http_requests_total', ...base, route: `/r${c}`, code: '200' },
      next: () => (value += Math.floor(random() * (rate + 1))),
    });
  }
  for (let g = 0; g < 10; g++) {
    let value = 1e8 + random() * 1e8;
    const kind = g % 3;
    out.push({
      labels: {
        __name__: ['process_resident_memory_bytes', 'cpu_usage_ratio', 'open_fds'][kind]!,
        ...base,
        n: `${g}`,
      },
      next: () => {
        if (kind === 0) value = Math.round(value + (random() - 0.5) * 4096) - (Math.round(value) % 4096);
        else if (kind === 1) value = Math.round(random() * 1000) / 1000;
        else value = 50 + Math.floor(random() * 3);
        return value;
      },
    });
  }
  for (let h = 0; h < 3; h++) {
    const counts = BUCKETS.map(() => 0);
    const rate = [1, 5, 50][h]!;
    BUCKETS.forEach((le, b) => {
      out.push({
        labels: { __name__: 'http_request_duration_seconds_bucket', ...base, route: `/h${h}`, le },
        next: () => {
          // Bucket b grows by at least what bucket b − 1 did (cumulative), lazily per scrape.
          if (b === 0) counts[0]! += Math.floor(random() * rate * 0.3);
          else
            counts[b] =
              counts[b]! + Math.max(0, counts[b - 1]! - counts[b]!) + Math.floor(random() * rate * 0.1);
          return counts[b]!;
        },
      });
    });
  }
  return out.slice(0, TARGETS_SERIES);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Runs the benchmark in `options.dir` and returns its figures. */
export async function benchIngest(options: BenchIngestOptions): Promise<BenchIngestResult> {
  const stepMs = options.stepMs ?? 15_000;
  const rounds = Math.floor(((options.hours ?? 24) * 3_600_000) / stepMs);
  const targets = Math.max(1, Math.floor((options.series ?? 1000) / TARGETS_SERIES));
  const random = createSeededRandom(options.seed ?? 1);
  const start = Date.UTC(2025, 0, 1);
  let clock = start;
  const db = await createTsdb({ dir: options.dir, fsync: options.fsync ?? false, now: () => clock });
  try {
    const sims = Array.from({ length: targets }, (_, target) => targetSeries(target, random)).flat();
    const refs = sims.map((sim) => db.getRef(sim.labels));
    const values = new Float64Array(sims.length);
    const times = new Float64Array(targets);
    let appendMs = 0;
    let commitMs = 0;
    const cpuBefore = process.cpuUsage();
    for (let round = 0; round < rounds; round++) {
      const scheduled = start + round * stepMs;
      clock = scheduled;
      // Scrape timestamps sit on the interval (as Prometheus aligns them within 2 ms) except for 5 % late scrapes.
      for (let t = 0; t < targets; t++)
        times[t] = scheduled + (random() < 0.05 ? 10 + Math.floor(random() * 90) : 0);
      for (let i = 0; i < sims.length; i++) values[i] = sims[i]!.next();
      const t0 = performance.now();
      for (let i = 0; i < refs.length; i++)
        db.appendRef(refs[i]!, times[(i / TARGETS_SERIES) | 0]!, values[i]!);
      const t1 = performance.now();
      await db.commit();
      appendMs += t1 - t0;
      commitMs += performance.now() - t1;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const samples = rounds * refs.length;
    const durations: number[] = [];
    const queries = options.queries ?? 200;
    const end = start + rounds * stepMs;
    for (let q = 0; q < queries; q++) {
      const to = start + 3_600_000 + Math.floor(random() * Math.max(1, end - start - 3_600_000));
      const route = `/r${q % 10}`;
      const t0 = performance.now();
      await db.select(
        [
          { name: '__name__', type: '=', value: 'http_requests_total' },
          { name: 'route', type: '=', value: route },
        ],
        to - 3_600_000,
        to,
      );
      durations.push(performance.now() - t0);
    }
    durations.sort((a, b) => a - b);
    const stats = db.stats();
    return {
      samples,
      series: refs.length,
      samplesPerSecond: samples / ((appendMs + commitMs) / 1000),
      appendOnlySamplesPerSecond: samples / (appendMs / 1000),
      samplesPerCpuSecond: samples / ((cpu.user + cpu.system) / 1e6),
      bytesPerSample: stats.bytesPerSample,
      blocks: stats.blocks,
      bytesOnDisk: stats.bytesOnDisk,
      queryRangeP50Ms: percentile(durations, 50),
      queryRangeP99Ms: percentile(durations, 99),
    };
  } finally {
    await db.close();
  }
}
