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
