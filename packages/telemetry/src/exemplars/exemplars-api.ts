/**
 * The body of Prometheus's `GET|POST /api/v1/query_exemplars?query=&start=&end=`
 * (https://prometheus.io/docs/prometheus/latest/querying/api/#querying-exemplars), for the Prometheus API
 * plugin: `[{seriesLabels, exemplars: [{labels, value: "…", timestamp: seconds}]}]`, or null when the query
 * has no selector.
 */
import { PromqlExecutionError } from '../promql/errors.js';
import { formatApiValue } from '../promql/go-compat.js';
import { MAX_TIME_MS, MIN_TIME_MS, first, parseTimeParam, type ApiParams } from '../promql/http-params.js';
import type { ExemplarSeries } from './exemplar.js';
import type { ExemplarQuerier } from './exemplar-store.js';
import { queryExemplars } from './query-exemplars.js';

/** A querier without exemplars: a backend that stores none answers `[]`, as Prometheus without the feature. */
export const NO_EXEMPLARS: ExemplarQuerier = { select: () => [] };

/** Prometheus's JSON form of exemplar series: values as strings, timestamps in seconds. */
export function formatExemplarSeries(series: readonly ExemplarSeries[]): unknown[] {
  return series.map((s) => ({
    seriesLabels: s.seriesLabels,
    exemplars: s.exemplars.map((e) => ({
      labels: e.labels,
      value: formatApiValue(e.value),
      timestamp: e.timestampMs / 1000,
    })),
  }));
}

/**
 * Answers one `query_exemplars` request. Bad times and an end before the start are `bad_data`; so is bad
 * PromQL (the parser's error, as Prometheus reports it, unprefixed).
 */
export function exemplarsApiData(params: ApiParams, querier: ExemplarQuerier): unknown[] | null {
  const start = parseTimeParam(params, 'start', MIN_TIME_MS);
  const end = parseTimeParam(params, 'end', MAX_TIME_MS);
  if (end < start)
    throw new PromqlExecutionError('end timestamp must not be before start timestamp', 'bad_data');
  const found = queryExemplars(querier, first(params, 'query') ?? '', start, end);
  return found === null ? null : formatExemplarSeries(found);
}
