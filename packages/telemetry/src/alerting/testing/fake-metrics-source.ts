import { labelsKey, type Labels } from '../../model/labels.js';
import type { MetricsSource, QueryResult } from '../../metrics/metrics-source.js';
import { OutOfOrderSampleError, type SampleAppender } from '../../model/series-store.js';

/**
 * A MetricsSource for rule tests: instant queries are answered by `answer(query, timeMs)` (a result, or a
 * thrown error); the other methods reject, since the rule evaluator never calls them.
 */
export function fakeMetricsSource(
  answer: (query: string, timeMs: number) => QueryResult | Promise<QueryResult>,
): MetricsSource {
  const unused = () => Promise.reject(new Error('not used by the rule evaluator'));
  return {
    instantQuery: (query, timeMs) => {
      try {
        return Promise.resolve(answer(query, timeMs));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    rangeQuery: unused,
    series: unused,
    labelNames: unused,
    labelValues: unused,
    queryExemplars: unused,
  };
}

/** An instant-vector result of `[labels, value]` pairs. */
export function vectorResult(...samples: (readonly [Labels, number])[]): QueryResult {
  return { type: 'vector', samples: samples.map(([labels, value]) => ({ labels, value, timestampMs: 0 })) };
}

/** A SampleAppender keeping appends in memory; refuses a sample not newer than its series' last, as the TSDB. */
export interface MemoryAppender extends SampleAppender {
  readonly samples: { labels: Labels; t: number; v: number }[];
  readonly commits: number;
}

/** Creates an empty {@link MemoryAppender}. */
export function createMemoryAppender(): MemoryAppender {
  const samples: { labels: Labels; t: number; v: number }[] = [];
  const last = new Map<string, number>();
  let commits = 0;
  return {
    samples,
    get commits() {
      return commits;
    },
    append(labels, t, v) {
      const key = labelsKey(labels);
      if ((last.get(key) ?? -Infinity) >= t) throw new OutOfOrderSampleError(`out of order: ${key}`);
      last.set(key, t);
      samples.push({ labels, t, v });
    },
    commit() {
      commits++;
      return Promise.resolve();
    },
  };
}
