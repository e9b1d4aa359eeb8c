import type { Labels } from '../model/labels.js';

/** An endpoint serving Prometheus text exposition, and the labels its series get. */
export interface ScrapeTarget {
  /** The full URL, e.g. `http://127.0.0.1:41234/metrics`. */
  readonly url: string;
  /** Target labels (`job`, `instance`, ...); labels the target exposes itself win over them (honor_labels). */
  readonly labels: Labels;
}

/** How a target's last scrape went, as Prometheus's `/api/v1/targets` reports it. */
export interface TargetHealth {
  readonly url: string;
  readonly labels: Labels;
  readonly health: 'up' | 'down' | 'unknown';
  /** ms since the epoch of the last scrape's start, null before the first. */
  readonly lastScrape: number | null;
  readonly lastScrapeDurationMs: number | null;
  readonly lastError: string | null;
  /** Samples the last successful scrape appended. */
  readonly samples: number;
}

/** A scraped page and the `Content-Type` it came with (which picks the parser). */
export interface ScrapeBody {
  readonly text: string;
  /** OpenMetrics when it is `application/openmetrics-text…`; the 0.0.4 text otherwise or when absent. */
  readonly contentType?: string | undefined;
}

/**
 * Fetches a target's exposition within `timeoutMs`; rejects on any failure or non-200 status. A plain
 * string is read as the 0.0.4 text.
 */
export type ScrapeFetch = (url: string, timeoutMs: number) => Promise<string | ScrapeBody>;
