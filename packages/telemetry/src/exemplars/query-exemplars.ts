import { parsePromql } from '../promql/parse.js';
import type { ExemplarSeries } from './exemplar.js';
import type { ExemplarQuerier } from './exemplar-store.js';
import { extractSelectors } from './extract-selectors.js';

/**
 * Prometheus's exemplar query: the exemplars in [startMs, endMs] of the series that `query`'s selectors
 * match. Null when the query has no selector (Prometheus answers `"data": null` then). Throws the parser's
 * `PromqlParseError` for bad PromQL.
 */
export function queryExemplars(
  querier: ExemplarQuerier,
  query: string,
  startMs: number,
  endMs: number,
): ExemplarSeries[] | null {
  const selectors = extractSelectors(parsePromql(query));
  if (selectors.length === 0) return null;
  return querier.select(startMs, endMs, selectors);
}
