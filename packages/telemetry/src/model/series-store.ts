import type { LabelMatcher, Labels } from './labels.js';

/** The samples of one series inside a time range, oldest first. */
export interface SeriesSamples {
  readonly labels: Labels;
  /** Milliseconds since the epoch, strictly increasing. */
  readonly timestamps: ArrayLike<number>;
  /** Same length as `timestamps`; may hold NaN and the staleness marker ({@link isStaleNaN}). */
  readonly values: ArrayLike<number>;
}

/** Reads series: what the PromQL engine queries (the embedded TSDB and test doubles implement it). */
export interface SeriesQuerier {
  /**
   * Every series matching all `matchers` (at least one matcher must not match the empty string), with its
   * samples in [minT, maxT] (inclusive, ms); series with no sample in the range are left out.
   */
  select(matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<SeriesSamples[]>;
  /** Label names of the series matching `matchers` (all series when empty) with samples in the range, sorted. */
  labelNames(matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<string[]>;
  /** Values of label `name` over the series matching `matchers` with samples in the range, sorted. */
  labelValues(name: string, matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<string[]>;
}

/** Writes samples: what the scraper and remote-write/OTLP receivers feed. */
export interface SampleAppender {
  /**
   * Adds one sample. Labels must include `__name__`; a timestamp not after the series' last one is refused
   * with an {@link OutOfOrderSampleError} (same timestamp and value: silently ignored, as Prometheus does).
   */
  append(labels: Labels, timestampMs: number, value: number): void;
  /** Makes every sample appended so far durable (WAL flushed). */
  commit(): Promise<void>;
}

/** A sample older than (or equal to, with another value) the newest sample of its series. */
export class OutOfOrderSampleError extends Error {
  override readonly name = 'OutOfOrderSampleError';
}
