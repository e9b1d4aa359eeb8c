import { describe, expect, it } from 'vitest';
import { seededRandom } from '../detectors/testing/seeded-random.js';
import { windowedGaussianDetector } from '../detectors/baseline/index.js';
import type { LiveSignal } from '../live/anomaly-event.js';
import { LiveSeries } from '../live/live-series.js';
import { goldenLiveSignals } from '../live/live-signals.js';
import { CanaryInputError, analyzeCanary, type CanaryPoint } from './canary-analysis.js';

const STEP = 15_000;
const START = Date.UTC(2026, 11, 7, 0, 0, 0);
const HISTORY = 300;
const LATENCY: LiveSignal = goldenLiveSignals(['latency_p95'])[0]!;
const ERRORS: LiveSignal = goldenLiveSignals(['errors'])[0]!;

/** `n` points from `from` on, around `level` with 5 % noise (seeded). */
function series(from: number, n: number, level: number, seed: number): CanaryPoint[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({
    t: from + i * STEP,
    v: Math.max(0, level * (1 + 0.05 * rnd.gaussian())),
  }));
}

const canaryStart = START + HISTORY * STEP;
/** The baseline's history and its points over the canary's 20-point interval. */
const baseline = [...series(START, HISTORY, 0.05, 1), ...series(canaryStart, 20, 0.05, 2)];

describe('analyzeCanary', () => {
  it('fails a canary ten times slower than the baseline', () => {
    const result = analyzeCanary([{ signal: LATENCY, baseline, canary: series(canaryStart, 20, 0.5, 3) }]);
    expect(result.verdict).toBe('fail');
    const [check] = result.checks;
    expect(check).toMatchObject({
      signal: 'latency_p95',
      verdict: 'fail',
      canaryPoints: 20,
      outOfBand: 20,
      episode: true,
    });
    expect(check!.peakScore).toBeGreaterThanOrEqual(0.84);
    expect(check!.control).toMatchObject({ points: 20, episode: false });
    expect(check!.detail).toMatch(
      /^latency_p95: anomalous and out of the baseline band: canary median 50\d ms/,
    );
  });

  it('passes a canary that behaves like the baseline', () => {
    const result = analyzeCanary([{ signal: LATENCY, baseline, canary: series(canaryStart, 20, 0.05, 4) }]);
    expect(result.verdict).toBe('pass');
    expect(result.checks[0]).toMatchObject({ verdict: 'pass', episode: false, anomalous: 0 });
  });

  it('passes a faster canary when only slower is worse', () => {
    // 500 ms → 100 ms: far beyond the band's 50 ms floor for latencies.
    const slow = [...series(START, HISTORY, 0.5, 1), ...series(canaryStart, 20, 0.5, 2)];
    const result = analyzeCanary([
      { signal: LATENCY, baseline: slow, canary: series(canaryStart, 20, 0.1, 5) },
    ]);
    expect(result.verdict).toBe('pass');
    const either = analyzeCanary([
      { signal: LATENCY, baseline: slow, canary: series(canaryStart, 20, 0.1, 5), worse: 'either' },
    ]);
    expect(either.verdict).toBe('fail');
  });

  it('is inconclusive with too few canary points', () => {
    const result = analyzeCanary([{ signal: LATENCY, baseline, canary: series(canaryStart, 3, 0.5, 6) }]);
    expect(result.verdict).toBe('inconclusive');
    expect(result.checks[0]!.detail).toBe('latency_p95: 3 canary points of the 5 a verdict needs');
  });

  it("is inconclusive while the baseline's detector is still learning", () => {
    const short = series(START, 100, 0.05, 1);
    const result = analyzeCanary([
      { signal: LATENCY, baseline: short, canary: series(canaryStart, 20, 0.5, 3) },
    ]);
    expect(result.verdict).toBe('inconclusive');
    expect(result.checks[0]!.detail).toContain('has learnt 100 points of the 240');
  });

  it('is inconclusive when the baseline is just as anomalous over the same interval (a shared cause)', () => {
    const degraded = [...series(START, HISTORY, 0.05, 1), ...series(canaryStart, 20, 0.5, 7)];
    const result = analyzeCanary([
      { signal: LATENCY, baseline: degraded, canary: series(canaryStart, 20, 0.5, 3) },
    ]);
    expect(result.verdict).toBe('inconclusive');
    expect(result.checks[0]!.detail).toContain('so is the baseline');
  });

  it("continues from live detection's saved state of the baseline series", () => {
    const live = new LiveSeries(LATENCY, 'orders', {}, windowedGaussianDetector, {
      threshold: 0.84,
      warmupPoints: 240,
      clearAfter: 4,
      quietAfter: 20,
    });
    for (const p of series(START, HISTORY, 0.05, 1)) live.learn(p.t, p.v);
    const state = live.snapshot();
    // The canary's points overlap the state's time (they are moved after it); no history is given.
    const canary = series(START + 100 * STEP, 20, 0.5, 3);
    const failed = analyzeCanary([{ signal: LATENCY, baseline: [], baselineState: state, canary }], {
      detector: windowedGaussianDetector,
    });
    expect(failed.verdict).toBe('fail');
    const passed = analyzeCanary(
      [
        {
          signal: LATENCY,
          baseline: [],
          baselineState: state,
          canary: series(START + 100 * STEP, 20, 0.05, 8),
        },
      ],
      { detector: windowedGaussianDetector },
    );
    expect(passed.verdict).toBe('pass');
  });

  it('relearns from history when the saved state is of another detector', () => {
    const live = new LiveSeries(LATENCY, 'orders', {}, windowedGaussianDetector, {
      threshold: 0.84,
      warmupPoints: 10,
      clearAfter: 4,
      quietAfter: 20,
    });
    live.learn(START, 0.05);
    const result = analyzeCanary([
      { signal: LATENCY, baseline, baselineState: live.snapshot(), canary: series(canaryStart, 20, 0.5, 3) },
    ]);
    expect(result.verdict).toBe('fail');
    expect(result.checks[0]!.detail).toContain('relearnt from history');
  });

  it('fails overall when one signal fails and another passes', () => {
    const errorsBaseline = series(START, HISTORY + 20, 0.001, 9);
    const result = analyzeCanary([
      { signal: ERRORS, baseline: errorsBaseline, canary: series(canaryStart, 20, 0.001, 10) },
      { signal: LATENCY, baseline, canary: series(canaryStart, 20, 0.5, 3) },
    ]);
    expect(result.checks.map((c) => c.verdict)).toEqual(['pass', 'fail']);
    expect(result.verdict).toBe('fail');
    expect(analyzeCanary([]).verdict).toBe('inconclusive');
  });

  it('refuses points without a finite time', () => {
    expect(() => analyzeCanary([{ signal: LATENCY, baseline, canary: [{ t: NaN, v: 1 }] }])).toThrow(
      CanaryInputError,
    );
  });
});
