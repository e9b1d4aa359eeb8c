import { createSeededRandom } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { judgeWithDetectors } from './judge-detectors.js';
import type { SeriesPoint } from './revision-series.js';

const STEP = 5_000;
const START = Date.parse('2030-01-01T00:00:00Z');
const HISTORY = 300;
const canaryStart = START + HISTORY * STEP;

/** `n` points every 5 s from `from`, around `level` with ±5 % seeded noise. */
function series(from: number, n: number, level: number, seed: number): SeriesPoint[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({
    t: from + i * STEP,
    v: level * (1 + (random() + random() + random() - 1.5) * 0.1),
  }));
}

/** The stable revision's history (the detectors learn it) and its points over the canary's interval. */
const baseline = (level: number, seed: number) => [
  ...series(START, HISTORY, level, seed),
  ...series(canaryStart, 6, level, seed + 1),
];

describe('judgeWithDetectors', () => {
  it('fails a canary ten times slower, in ms like the p99 check, naming where the baseline came from', () => {
    const j = judgeWithDetectors({
      baseline: { errors: baseline(0.01, 1), latency_p95: baseline(0.05, 3) },
      canary: { errors: series(canaryStart, 6, 0.01, 5), latency_p95: series(canaryStart, 6, 0.5, 6) },
    });
    expect(j.verdict).toBe('fail');
    expect(j.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['detector-errors', 'pass'],
      ['detector-latency', 'fail'],
    ]);
    const latency = j.checks[1]!;
    expect(latency.baseline).toBeGreaterThan(45);
    expect(latency.baseline).toBeLessThan(55);
    expect(latency.canary).toBeGreaterThan(450);
    expect(latency.detail).toMatch(/^latency_p95: anomalous .*\[baseline: the stable revision's series\]$/);
  });

  it('is inconclusive while the stable revision has too little history', () => {
    const j = judgeWithDetectors({
      baseline: { errors: series(canaryStart, 6, 0.01, 1), latency_p95: series(canaryStart, 6, 0.05, 2) },
      canary: { errors: series(canaryStart, 6, 0.5, 3), latency_p95: series(canaryStart, 6, 0.5, 4) },
    });
    expect(j.verdict).toBe('inconclusive');
    expect(j.checks[0]!.detail).toContain('has learnt 0 points of the 240 it needs');
  });

  it('turns input it cannot judge into inconclusive checks, never an exception', () => {
    const j = judgeWithDetectors({
      baseline: { errors: [{ t: NaN, v: 1 }], latency_p95: [] },
      canary: { errors: [], latency_p95: [] },
    });
    expect(j).toEqual({
      verdict: 'inconclusive',
      checks: [
        expect.objectContaining({ name: 'detector-errors', verdict: 'inconclusive' }),
        expect.objectContaining({ name: 'detector-latency', verdict: 'inconclusive' }),
      ],
    });
    expect(j.checks[0]!.detail).toMatch(
      /^the detectors could not judge: errors: a baseline point has a non-finite time$/,
    );
  });
});
