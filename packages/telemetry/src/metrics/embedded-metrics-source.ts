import type { ExemplarQuerier } from '../exemplars/exemplar-store.js';
import { NO_EXEMPLARS } from '../exemplars/exemplars-api.js';
import { queryExemplars } from '../exemplars/query-exemplars.js';
import { labelsKey, type Labels } from '../model/labels.js';
import type { SeriesQuerier } from '../model/series-store.js';
import type { PromqlEngine } from '../promql/engine.js';
import { PromqlError } from '../promql/errors.js';
import { parseSeriesSelector } from '../promql/parse.js';
import type { QueryResult as EngineResult } from '../promql/result.js';
import { MetricsQueryError, type MetricsSource, type QueryResult } from './metrics-source.js';

/** Options of {@link createEmbeddedMetricsSource}. */
export interface EmbeddedMetricsSourceOptions {
  engine: PromqlEngine;
  querier: SeriesQuerier;
  /** The scraped exemplars; none when absent. */
  exemplars?: ExemplarQuerier;
}

/** The embedded TSDB and PromQL engine behind the {@link MetricsSource} port. */
export function createEmbeddedMetricsSource(options: EmbeddedMetricsSourceOptions): MetricsSource {
  const { engine, querier } = options;
  const exemplars = options.exemplars ?? NO_EXEMPLARS;
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PromqlError) throw new MetricsQueryError(error.errorType, error.message);
      if (error instanceof MetricsQueryError) throw error;
      throw new MetricsQueryError('internal', error instanceof Error ? error.message : String(error));
    }
  };
  return {
    instantQuery: (query, timeMs) => guard(async () => fromEngine(await engine.instantQuery(query, timeMs))),
    rangeQuery: (query, startMs, endMs, stepMs) =>
      guard(async () => fromEngine(await engine.rangeQuery(query, startMs, endMs, stepMs))),
    series: (selectors, startMs, endMs) =>
      guard(async () => {
        const found = new Map<string, Labels>();
        for (const selector of selectors) {
          for (const s of await querier.select(parseSeriesSelector(selector), startMs, endMs))
            found.set(labelsKey(s.labels), s.labels);
        }
        return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
      }),
    labelNames: (startMs, endMs) => guard(() => querier.labelNames([], startMs, endMs)),
    labelValues: (name, startMs, endMs) => guard(() => querier.labelValues(name, [], startMs, endMs)),
    queryExemplars: (query, startMs, endMs) =>
      guard(() => {
        if (endMs < startMs)
          throw new MetricsQueryError('bad_data', 'end timestamp must not be before start timestamp');
        return Promise.resolve(queryExemplars(exemplars, query, startMs, endMs) ?? []);
      }),
  };
}

function fromEngine(result: EngineResult): QueryResult {
  switch (result.resultType) {
    case 'vector':
      return {
        type: 'vector',
        samples: result.result.map((s) => ({ labels: s.metric, timestampMs: s.timestampMs, value: s.value })),
      };
    case 'matrix':
      return {
        type: 'matrix',
        series: result.result.map((s) => ({
          labels: s.metric,
          timestampsMs: s.timestampsMs,
          values: s.values,
        })),
      };
    case 'scalar':
      return { type: 'scalar', ...result.result };
    case 'string':
      return { type: 'string', ...result.result };
  }
}
