/**
 * Synthetic scrapes of services as the kit exposes them (HTTP latency histogram by status, CPU counter),
 * appended to a real series store, so live detection runs through the real PromQL engine.
 */
import { createSeededRandom } from '@opsloop/kit';
import type { SampleAppender } from '@opsloop/telemetry';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, Infinity];

/** What a service does at a moment. */
export interface ServiceLoad {
  /** Requests per second. */
  rps: number;
  /** Median latency in seconds (log-normal around it). */
  latency: number;
  /** Fraction of requests answered 5xx. */
  errorRatio: number;
  /** CPU cores used. */
  cpu: number;
}

/** Cumulative counters of one service's replica, scraped every `scrapeMs`. */
export class ServiceScrapes {
  private readonly buckets = new Map<string, number[]>();
  private readonly counts = new Map<string, number>();
  private cpuSeconds = 0;
  private readonly random: () => number;

  constructor(
    private readonly store: SampleAppender,
    readonly service: string,
    seed: number,
  ) {
    this.random = createSeededRandom(seed);
  }

  /** Serves `scrapeMs` of load and appends one scrape at `atMs`. */
  scrape(atMs: number, scrapeMs: number, load: ServiceLoad): void {
    const n = Math.max(0, Math.round(load.rps * (scrapeMs / 1000) * (0.9 + 0.2 * this.random())));
    for (let i = 0; i < n; i++) {
      const status = this.random() < load.errorRatio ? '500' : '200';
      // Log-normal latency (Box–Muller), sigma 0.35.
      const z = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
      const latency = load.latency * Math.exp(0.35 * z);
      const counts = this.buckets.get(status) ?? BUCKETS.map(() => 0);
      for (let b = 0; b < BUCKETS.length; b++) if (latency <= BUCKETS[b]!) counts[b]!++;
      this.buckets.set(status, counts);
      this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
    }
    this.cpuSeconds += load.cpu * (scrapeMs / 1000) * (0.95 + 0.1 * this.random());
    const base = { service: this.service, job: this.service, instance: `${this.service}-1` };
    for (const [status, counts] of this.buckets) {
      const labels = { ...base, method: 'GET', route: '/x', status };
      BUCKETS.forEach((le, b) => {
        this.store.append(
          {
            __name__: 'http_server_request_duration_seconds_bucket',
            ...labels,
            le: le === Infinity ? '+Inf' : String(le),
          },
          atMs,
          counts[b]!,
        );
      });
      this.store.append(
        { __name__: 'http_server_request_duration_seconds_count', ...labels },
        atMs,
        this.counts.get(status)!,
      );
    }
    this.store.append({ __name__: 'process_cpu_seconds_total', ...base }, atMs, this.cpuSeconds);
  }
}
