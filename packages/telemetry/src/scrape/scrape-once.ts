import { METRIC_NAME_LABEL, labelsKey, type Labels } from '../model/labels.js';
import { OutOfOrderSampleError, type SampleAppender } from '../model/series-store.js';
import { STALE_NAN } from '../model/stale-nan.js';
import type { ExemplarAppender } from '../exemplars/exemplar-store.js';
import { parseExposition } from '../exposition/parse-exposition.js';
import type { MetricFamily } from '../exposition/prometheus-text.js';
import type { ScrapeBody, ScrapeTarget } from './scrape-target.js';

/** What one scrape appended, and the series it saw (for staleness next time). */
export interface ScrapeOutcome {
  readonly ok: boolean;
  readonly error: string | null;
  readonly samples: number;
  /** Samples refused as out of order or duplicated with another value. */
  readonly rejected: number;
  readonly seen: Map<string, Labels>;
}

/**
 * Appends one scrape's samples the way Prometheus does: the target's labels under the exposed ones
 * (honor_labels), the scrape's start time unless a sample carries its own, a staleness marker for every
 * series the previous scrape had and this one lacks (all of them when the scrape failed), then the
 * synthetic `up`, `scrape_duration_seconds`, `scrape_samples_scraped` and `scrape_series_added` series.
 * The page is parsed by its content type (OpenMetrics or the 0.0.4 text); exemplars go to `exemplars`
 * under their series' labels, stamped with the sample's time when they carry none.
 */
export function appendScrape(
  appender: SampleAppender,
  target: ScrapeTarget,
  startMs: number,
  durationMs: number,
  result: ScrapeBody | { error: string },
  previous: ReadonlyMap<string, Labels>,
  exemplars?: ExemplarAppender,
): ScrapeOutcome {
  const seen = new Map<string, Labels>();
  let samples = 0;
  let rejected = 0;
  let error: string | null = null;
  const add = (labels: Labels, ts: number, value: number): boolean => {
    try {
      appender.append(labels, ts, value);
      return true;
    } catch (cause) {
      if (cause instanceof OutOfOrderSampleError) {
        rejected += 1;
        return false;
      }
      throw cause;
    }
  };

  let families: MetricFamily[] = [];
  if ('text' in result) {
    // Parsed whole before anything is appended: a malformed page adds nothing (Prometheus's scrape is one
    // transaction).
    try {
      families = parseExposition(result.text, result.contentType);
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
  } else {
    error = result.error;
  }
  for (const family of families) {
    for (const sample of family.samples) {
      const labels: Record<string, string> = { ...target.labels, ...sample.labels };
      labels[METRIC_NAME_LABEL] = sample.name;
      const key = labelsKey(labels);
      if (seen.has(key)) continue; // a duplicate line: Prometheus keeps the first
      seen.set(key, labels);
      const ts = sample.timestampMs ?? startMs;
      if (add(labels, ts, sample.value)) samples += 1;
      const exemplar = sample.exemplar;
      if (exemplar !== undefined && exemplars !== undefined) {
        // Repeated and out-of-order exemplars are dropped by the store, as Prometheus drops them silently.
        exemplars.append(labels, {
          labels: exemplar.labels,
          value: exemplar.value,
          timestampMs: exemplar.timestampMs ?? ts,
        });
      }
    }
  }

  for (const [key, labels] of previous) if (!seen.has(key)) add(labels, startMs, STALE_NAN);
  const ok = error === null;
  const added = [...seen.keys()].filter((key) => !previous.has(key)).length;
  const synthetic = (name: string, value: number) =>
    add({ ...target.labels, [METRIC_NAME_LABEL]: name }, startMs, value);
  synthetic('up', ok ? 1 : 0);
  synthetic('scrape_duration_seconds', durationMs / 1000);
  synthetic('scrape_samples_scraped', ok ? samples : 0);
  synthetic('scrape_series_added', ok ? added : 0);
  return { ok, error, samples, rejected, seen };
}

/** The synthetic series' names, so a removed target's can be marked stale too. */
export const SYNTHETIC_SERIES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_series_added',
] as const;
