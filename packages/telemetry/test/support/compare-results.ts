import { labelsKey } from '../../src/model/labels.js';
import type { QueryResult } from '../../src/metrics/metrics-source.js';

/** Whether two sample values agree within `tolerance` (relative), NaN equal to NaN, infinities exactly. */
export function sameValue(a: number, b: number, tolerance: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The differences between two query results (empty when they agree): result type, the set of series (order
 * ignored: only `sort`/`topk` order it and Prometheus does not promise an order for ties), timestamps, and
 * values within a relative tolerance.
 */
export function resultDifferences(ours: QueryResult, theirs: QueryResult, tolerance: number): string[] {
  if (ours.type !== theirs.type) return [`result type ${ours.type} vs ${theirs.type}`];
  const out: string[] = [];
  const point = (t: number, a: number, b: number, key: string) => {
    if (!sameValue(a, b, tolerance)) out.push(`${key} @${t}: ${a} vs ${b}`);
  };
  switch (ours.type) {
    case 'scalar':
    case 'string':
      if (theirs.type !== ours.type) break;
      if (ours.timestampMs !== theirs.timestampMs)
        out.push(`time ${ours.timestampMs} vs ${theirs.timestampMs}`);
      if (ours.type === 'scalar' && theirs.type === 'scalar')
        point(ours.timestampMs, ours.value, theirs.value, '');
      else if (ours.value !== theirs.value) out.push(`"${String(ours.value)}" vs "${String(theirs.value)}"`);
      break;
    case 'vector': {
      if (theirs.type !== 'vector') break;
      const mine = new Map(ours.samples.map((s) => [labelsKey(s.labels), s]));
      const other = new Map(theirs.samples.map((s) => [labelsKey(s.labels), s]));
      for (const [key, s] of mine) {
        const o = other.get(key);
        if (o === undefined) out.push(`only ours: ${key}`);
        else {
          if (s.timestampMs !== o.timestampMs) out.push(`${key} time ${s.timestampMs} vs ${o.timestampMs}`);
          point(s.timestampMs, s.value, o.value, key);
        }
      }
      for (const key of other.keys()) if (!mine.has(key)) out.push(`only Prometheus: ${key}`);
      break;
    }
    case 'matrix': {
      if (theirs.type !== 'matrix') break;
      const mine = new Map(ours.series.map((s) => [labelsKey(s.labels), s]));
      const other = new Map(theirs.series.map((s) => [labelsKey(s.labels), s]));
      for (const [key, s] of mine) {
        const o = other.get(key);
        if (o === undefined) {
          out.push(`only ours: ${key}`);
          continue;
        }
        if (s.timestampsMs.join() !== o.timestampsMs.join()) {
          out.push(`${key} timestamps ${s.timestampsMs.length} vs ${o.timestampsMs.length} points`);
          continue;
        }
        s.values.forEach((v, i) => point(s.timestampsMs[i]!, v, o.values[i]!, key));
      }
      for (const key of other.keys()) if (!mine.has(key)) out.push(`only Prometheus: ${key}`);
      break;
    }
  }
  return out.slice(0, 10);
}
