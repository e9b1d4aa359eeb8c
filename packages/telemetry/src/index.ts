// The telemetry package: shared data model, exposition formats, stores, query engines and adapters.
export {
  METRIC_NAME_LABEL,
  anchoredRegex,
  labelsKey,
  matchesAll,
  matchesValue,
  normalizeLabels,
  type LabelMatcher,
  type Labels,
  type MatchType,
} from './model/labels.js';
export { STALE_NAN, isStaleNaN } from './model/stale-nan.js';
export {
  OutOfOrderSampleError,
  type SampleAppender,
  type SeriesQuerier,
  type SeriesSamples,
} from './model/series-store.js';
export { histogramQuantile, type CumulativeBucket } from './model/histogram-quantile.js';
export {
  PrometheusTextError,
  formatPrometheusFloat,
  parsePrometheusFloat,
  parsePrometheusText,
  renderPrometheusText,
  type MetricFamily,
  type MetricType,
  type Sample,
} from './exposition/prometheus-text.js';
export {
  MetricsQueryError,
  type InstantSample,
  type MetricsErrorKind,
  type MetricsSource,
  type QueryResult,
  type RangeSeries,
} from './metrics/metrics-source.js';
export {
  createPrometheusMetricsSource,
  type PrometheusMetricsSourceOptions,
} from './metrics/adapters/prometheus-metrics-source.js';
export {
  createRemoteWriteClient,
  encodeRemoteWrite,
  type RemoteWriteClient,
  type RemoteWriteClientOptions,
} from './metrics/remote-write.js';
export { createScrapeManager, type ScrapeManager, type ScrapeManagerOptions } from './scrape/scrape-manager.js';
export { createHttpScrapeFetch, type HttpScrapeFetchOptions } from './scrape/http-scrape-fetch.js';
export type { ScrapeFetch, ScrapeTarget, TargetHealth } from './scrape/scrape-target.js';
export { createTsdb } from './tsdb/tsdb.js';
export {
  TsdbClosedError,
  TsdbLockedError,
  type SeriesRef,
  type Tsdb,
  type TsdbOptions,
  type TsdbStats,
} from './tsdb/tsdb-options.js';
export { OutOfBoundsSampleError, UnknownSeriesRefError } from './tsdb/head.js';
export { EmptySelectorError } from './tsdb/postings.js';
export { CorruptBlockError } from './tsdb/block-reader.js';
export { benchIngest, type BenchIngestOptions, type BenchIngestResult } from './tsdb/bench-ingest.js';
