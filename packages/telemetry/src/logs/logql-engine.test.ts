// Evaluator cases computed by hand, over an in-memory scanner (no disk).
import { describe, expect, it } from 'vitest';
import { labelsKey, type Labels } from '../model/labels.js';
import { evaluateLogQuery, evaluateMetricQuery, stepTimes, type EntryScanner } from './logql-engine.js';
import type { StepMatrix } from './logql-metric.js';
import { parseLogql } from './logql-parser.js';
import { compileSelector } from './logql-regex.js';
import type { ScannedEntry } from './log-scan.js';

const S = 1000; // ms
const A: Labels = { app: 'api', instance: '1' };
const B: Labels = { app: 'api', instance: '2' };
const C: Labels = { app: 'web' };

function entry(labels: Labels, seconds: number, line: string): ScannedEntry {
  return {
    stream: { id: 0, labels, key: labelsKey(labels) },
    timestampNs: BigInt(seconds * S) * 1_000_000n,
    line,
  };
}

const ENTRIES: ScannedEntry[] = [
  entry(A, 1, '{"latency_ms":10,"took":"100ms"}'),
  entry(A, 2, '{"latency_ms":20,"took":"200ms"}'),
  entry(B, 2, '{"latency_ms":5,"took":"1s"}'),
  entry(A, 3, '{"latency_ms":30,"took":"300ms"}'),
  entry(C, 4, 'plain text'),
  entry(B, 5, '{"latency_ms":15,"took":"oops"}'),
  entry(A, 10, '{"latency_ms":40,"took":"400ms"}'),
  entry(A, 11, '{"latency_ms":50,"took":"500ms"}'),
];

const scan: EntryScanner = (matchers, fromNs, toNs, direction) => {
  const selects = compileSelector(matchers);
  const hits = ENTRIES.filter(
    (e) => selects(e.stream.labels) && e.timestampNs >= fromNs && e.timestampNs < toNs,
  );
  if (direction === 'backward') hits.reverse();
  return (async function* () {
    yield await Promise.resolve(hits);
  })();
};

async function metric(query: string, steps: number[]): Promise<Record<string, (number | null)[]>> {
  const expr = parseLogql(query);
  if (expr.kind === 'log') throw new Error('not a metric query');
  const matrix: StepMatrix = await evaluateMetricQuery(scan, expr, steps);
  const out: Record<string, (number | null)[]> = {};
  for (const s of matrix.series) {
    out[labelsKey(s.labels)] = [...s.values].map((v, i) =>
      s.present[i] === 1 ? Math.round(v * 1e6) / 1e6 : null,
    );
  }
  return out;
}

describe('range aggregations', () => {
  it('count_over_time and rate use left-open windows (t - range, t]', async () => {
    expect(await metric('count_over_time({app="api"}[5s])', [5 * S])).toEqual({
      '{app="api",instance="1"}': [3],
      '{app="api",instance="2"}': [2],
    });
    expect(await metric('rate({app="api"}[5s])', [5 * S])).toEqual({
      '{app="api",instance="1"}': [0.6],
      '{app="api",instance="2"}': [0.4],
    });
    // The entries at exactly 2 s are outside (2 s, 3 s].
    expect(await metric('count_over_time({app="api"}[1s])', [3 * S])).toEqual({
      '{app="api",instance="1"}': [1],
    });
  });

  it('evaluates every step of a range, with gaps where a window is empty', async () => {
    expect(await metric('count_over_time({app="api"}[5s])', stepTimes(0, 12 * S, 4 * S))).toEqual({
      '{app="api",instance="1"}': [null, 3, null, 2],
      '{app="api",instance="2"}': [null, 1, 1, null],
    });
  });

  it('offset shifts the window back', async () => {
    expect(await metric('count_over_time({app="api"}[5s] offset 5s)', [10 * S])).toEqual({
      '{app="api",instance="1"}': [3],
      '{app="api",instance="2"}': [2],
    });
  });

  it('bytes_over_time and bytes_rate count line bytes', async () => {
    expect(await metric('bytes_over_time({app="web"}[10s])', [10 * S])).toEqual({ '{app="web"}': [10] });
    expect(await metric('bytes_rate({app="web"}[10s])', [10 * S])).toEqual({ '{app="web"}': [1] });
  });

  it('unwrap aggregations over a JSON field, grouped, with the unwrapped label removed', async () => {
    const q = (op: string) => `${op}({app="api"} | json | unwrap latency_ms [5s]) by (app)`;
    expect(await metric(q('sum_over_time'), [5 * S])).toEqual({ '{app="api"}': [80] }); // 10+20+5+30+15
    expect(await metric(q('avg_over_time'), [5 * S])).toEqual({ '{app="api"}': [16] });
    expect(await metric(q('min_over_time'), [5 * S])).toEqual({ '{app="api"}': [5] });
    expect(await metric(q('max_over_time'), [5 * S])).toEqual({ '{app="api"}': [30] });
    expect(await metric(q('first_over_time'), [5 * S])).toEqual({ '{app="api"}': [10] });
    expect(await metric(q('last_over_time'), [5 * S])).toEqual({ '{app="api"}': [15] });
    expect(await metric(q('stdvar_over_time'), [5 * S])).toEqual({ '{app="api"}': [74] }); // mean 16
    // Sorted 5 10 15 20 30; rank 0.5 * 4 = 2 → 15; rank 0.9 * 4 = 3.6 → 20 + 0.6 * 10 = 26.
    expect(
      await metric('quantile_over_time(0.5, {app="api"} | json | unwrap latency_ms [5s]) by (app)', [5 * S]),
    ).toEqual({
      '{app="api"}': [15],
    });
    expect(
      await metric('quantile_over_time(0.9, {app="api"} | json | unwrap latency_ms [5s]) by (app)', [5 * S]),
    ).toEqual({
      '{app="api"}': [26],
    });
    expect(await metric('rate({app="api"} | json | unwrap latency_ms [5s]) by (app)', [5 * S])).toEqual({
      '{app="api"}': [16],
    });
  });

  it('unwrap duration() converts to seconds and skips unreadable values', async () => {
    expect(
      await metric('sum_over_time({app="api"} | json | unwrap duration(took) [5s]) by (instance)', [5 * S]),
    ).toEqual({
      '{instance="1"}': [0.6],
      '{instance="2"}': [1], // "oops" gives no sample
    });
  });

  it('without grouping, unwrap series keep the other labels (here minus a dropped one)', async () => {
    expect(
      await metric('max_over_time({app="api"} | json | drop took | unwrap latency_ms [5s])', [5 * S]),
    ).toEqual({
      '{app="api",instance="1"}': [30],
      '{app="api",instance="2"}': [15],
    });
  });
});

describe('vector aggregations', () => {
  it('sum, avg, min, max, count, stddev by and without', async () => {
    const inner = 'count_over_time({app=~".+"}[5s])';
    expect(await metric(`sum by (app) (${inner})`, [5 * S])).toEqual({
      '{app="api"}': [5],
      '{app="web"}': [1],
    });
    expect(await metric(`sum without (instance) (${inner})`, [5 * S])).toEqual({
      '{app="api"}': [5],
      '{app="web"}': [1],
    });
    expect(await metric(`sum(${inner})`, [5 * S])).toEqual({ '{}': [6] });
    expect(await metric(`avg(${inner})`, [5 * S])).toEqual({ '{}': [2] });
    expect(await metric(`min(${inner})`, [5 * S])).toEqual({ '{}': [1] });
    expect(await metric(`max(${inner})`, [5 * S])).toEqual({ '{}': [3] });
    expect(await metric(`count(${inner})`, [5 * S])).toEqual({ '{}': [3] });
    expect(await metric(`stddev(${inner})`, [5 * S])).toEqual({ '{}': [0.816497] });
  });

  it('topk and bottomk keep the original series, per step', async () => {
    const inner = 'count_over_time({app=~".+"}[5s])';
    expect(await metric(`topk(1, ${inner})`, [5 * S])).toEqual({ '{app="api",instance="1"}': [3] });
    expect(await metric(`bottomk(1, ${inner})`, [5 * S])).toEqual({ '{app="web"}': [1] });
    expect(await metric(`topk(1, ${inner}) by (app)`, [5 * S])).toEqual({
      '{app="api",instance="1"}': [3],
      '{app="web"}': [1],
    });
    expect(await metric(`topk(1, ${inner})`, [5 * S, 12 * S])).toEqual({
      '{app="api",instance="1"}': [3, 2],
    });
  });
});

describe('log queries', () => {
  it('stops at the limit in the chosen direction and groups by final labels', async () => {
    const expr = parseLogql('{app="api"} | json | latency_ms > 12');
    if (expr.kind !== 'log') throw new Error('not a log query');
    const streams = await evaluateLogQuery(scan, expr, 0n, 100n * 1_000_000_000n, 2, 'backward');
    // The newest two matching entries, in streams sorted by label set.
    expect(streams.map((s) => s.labels['latency_ms'])).toEqual(['40', '50']);
    expect(streams.flatMap((s) => s.entries.map((e) => e.timestampNs / 1_000_000_000n))).toEqual([10n, 11n]);
  });

  it('refuses more steps than Loki allows', () => {
    expect(() => stepTimes(0, 20_000 * S, S)).toThrow(/maximum resolution of 11000 points/);
  });
});
