import { LatencyHistogram, type LatencySummary } from './histogram.js';
import { ERROR_CLASSES, type ErrorClass } from './http-client.js';

/** The results of one endpoint (a method and a route template). */
export interface EndpointReport {
  /** `POST /api/checkout`, `GET /api/products/{id}`, … */
  endpoint: string;
  /** Requests that ended (answered, failed or timed out); requests cancelled by the run's signal are not. */
  count: number;
  /** Requests that ended as the endpoint expects (business outcomes such as a 409 out-of-stock included). */
  ok: number;
  /** Requests that failed, by class (classes that never happened are left out). */
  errors: Partial<Record<ErrorClass, number>>;
  errorCount: number;
  /** Expected answers by outcome name (`placed`, `out-of-stock`, `declined`, `ok`, …). */
  outcomes: Record<string, number>;
  /** Up to three distinct error descriptions (`connection: ECONNREFUSED …`, `http-5xx: HTTP 503 …`). */
  errorSamples: string[];
  /**
   * Latency in ms of every request that got a complete answer, errors included; timeouts and connection
   * failures are not in it. Null when there was none.
   */
  latencyMs: Omit<LatencySummary, 'count'> | null;
}

/** How one request ended, as recorded. */
export type RequestRecord =
  | { endpoint: string; latencyMs: number; outcome: string }
  | { endpoint: string; latencyMs?: number; error: ErrorClass; detail?: string };

const MAX_SAMPLES = 3;

class EndpointStats {
  count = 0;
  ok = 0;
  readonly errors = new Map<ErrorClass, number>();
  readonly outcomes = new Map<string, number>();
  readonly samples = new Set<string>();
  readonly histogram = new LatencyHistogram();
}

/** Accumulates requests per endpoint. */
export class Recorder {
  readonly #endpoints = new Map<string, EndpointStats>();
  readonly #order: readonly string[];

  /** `order`: endpoints listed first in reports, in this order (others follow, sorted). */
  constructor(order: readonly string[] = []) {
    this.#order = order;
  }

  record(entry: RequestRecord): void {
    let stats = this.#endpoints.get(entry.endpoint);
    if (stats === undefined) {
      stats = new EndpointStats();
      this.#endpoints.set(entry.endpoint, stats);
    }
    stats.count++;
    if (entry.latencyMs !== undefined) stats.histogram.record(entry.latencyMs);
    if ('outcome' in entry) {
      stats.ok++;
      stats.outcomes.set(entry.outcome, (stats.outcomes.get(entry.outcome) ?? 0) + 1);
    } else {
      stats.errors.set(entry.error, (stats.errors.get(entry.error) ?? 0) + 1);
      if (stats.samples.size < MAX_SAMPLES)
        stats.samples.add(`${entry.error}: ${(entry.detail ?? 'no detail').slice(0, 200)}`);
    }
  }

  /** Latency in ms of every answered request of every endpoint together; null when there was none. */
  totalLatency(): Omit<LatencySummary, 'count'> | null {
    const total = new LatencyHistogram();
    for (const stats of this.#endpoints.values()) total.merge(stats.histogram);
    const { count, ...latency } = total.summary();
    return count === 0 ? null : latency;
  }

  /** The report of every endpoint that saw a request. */
  report(): EndpointReport[] {
    const rank = (endpoint: string) => {
      const index = this.#order.indexOf(endpoint);
      return index === -1 ? this.#order.length : index;
    };
    return [...this.#endpoints.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([endpoint, stats]) => {
        const errors: Partial<Record<ErrorClass, number>> = {};
        for (const errorClass of ERROR_CLASSES) {
          const n = stats.errors.get(errorClass);
          if (n !== undefined) errors[errorClass] = n;
        }
        const { count: answered, ...latency } = stats.histogram.summary();
        return {
          endpoint,
          count: stats.count,
          ok: stats.ok,
          errors,
          errorCount: stats.count - stats.ok,
          outcomes: Object.fromEntries([...stats.outcomes.entries()].sort(([a], [b]) => a.localeCompare(b))),
          errorSamples: [...stats.samples],
          latencyMs: answered === 0 ? null : latency,
        };
      });
  }
}
