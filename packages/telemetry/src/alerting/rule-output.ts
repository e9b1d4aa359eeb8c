import { METRIC_NAME_LABEL, labelsKey, normalizeLabels, type Labels } from '../model/labels.js';
import { MetricsQueryError, type QueryResult } from '../metrics/metrics-source.js';
import type { RuleSample } from './alerting-rule-state.js';

/** FNV-1a of a group name: spreads groups' evaluation offsets within their interval, stable across restarts. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A rule expression's result as samples: an instant vector, or a scalar as one label-less sample. */
export function samplesOf(result: QueryResult): RuleSample[] {
  if (result.type === 'vector') return result.samples.map((s) => ({ labels: s.labels, value: s.value }));
  if (result.type === 'scalar') return [{ labels: {}, value: result.value }];
  throw new MetricsQueryError('bad_data', `rule result is a ${result.type}, not an instant vector or scalar`);
}

/** A recording rule's output series: named `record`, with the rule's labels; refuses duplicate outputs. */
export function recorded(
  record: string,
  extra: Labels | undefined,
  samples: readonly RuleSample[],
): RuleSample[] {
  const seen = new Set<string>();
  return samples.map((s) => {
    const labels: Record<string, string> = { ...s.labels, ...extra, [METRIC_NAME_LABEL]: record };
    const normalized = normalizeLabels(labels); // an empty rule label value removes the label
    const key = labelsKey(normalized);
    if (seen.has(key))
      throw new Error('vector contains metrics with the same labelset after applying rule labels');
    seen.add(key);
    return { labels: normalized, value: s.value };
  });
}
