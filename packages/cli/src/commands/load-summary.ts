import type { LoadReport } from '@opsloop/loadgen';

/** One line of the summary: an endpoint's (or every endpoint's) requests, errors and latency. */
export interface LoadSummaryRow {
  /** `GET /api/products`, … or `total`. */
  endpoint: string;
  /** Requests that ended (answered, failed or timed out). */
  requests: number;
  /** Requests that did not end as the endpoint expects (HTTP errors, timeouts, refused connections). */
  errors: number;
  /** Median latency of the answered requests in ms (null: none answered). */
  p50Ms: number | null;
  /** 99th percentile latency of the answered requests in ms (null: none answered). */
  p99Ms: number | null;
}

/** What `opsloop load -o json` prints. */
export interface LoadSummary {
  target: string;
  /** How long the run lasted, in seconds (requests in flight at the end included). */
  durationSeconds: number;
  /** Journeys started per second (open model). */
  rate: number | null;
  endpoints: LoadSummaryRow[];
  total: LoadSummaryRow;
}

const ms = (value: number | undefined): number | null =>
  value === undefined ? null : Math.round(value * 1000) / 1000;

/** The summary of a loadgen report: per endpoint and in total. */
export function summarizeLoad(report: LoadReport): LoadSummary {
  return {
    target: report.target,
    durationSeconds: Math.round(report.durationMs) / 1000,
    rate: report.rate,
    endpoints: report.endpoints.map((endpoint) => ({
      endpoint: endpoint.endpoint,
      requests: endpoint.count,
      errors: endpoint.errorCount,
      p50Ms: ms(endpoint.latencyMs?.p50),
      p99Ms: ms(endpoint.latencyMs?.p99),
    })),
    total: {
      endpoint: 'total',
      requests: report.totals.requests,
      errors: report.totals.errors,
      p50Ms: ms(report.totals.latencyMs?.p50),
      p99Ms: ms(report.totals.latencyMs?.p99),
    },
  };
}
