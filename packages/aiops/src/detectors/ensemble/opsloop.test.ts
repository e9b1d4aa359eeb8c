import { describe, expect, it } from 'vitest';
import { artimeDetector } from '../artime/index.js';
import { cadOseDetector } from '../cad-ose/index.js';
import { relativeEntropyDetector } from '../relative-entropy/index.js';
import { detectorPropertySuite } from '../testing/detector-properties.js';
import {
  ANOMALY_KINDS,
  anomalyMargin,
  scoreSeries,
  syntheticSeries,
  type AnomalyKind,
} from '../testing/synthetic-series.js';
import { OPSLOOP_PARAMS, opsloopDetector } from './index.js';

const LENGTH = 2400;
const ANOMALY_AT = 2000;
const WARM_UP = 600;
// Level shifts and trends persist: everything from the anomaly on is anomalous, so the series ends with it.

function rangeOf(values: readonly number[]): { inputMin: number; inputMax: number } {
  return { inputMin: Math.min(...values), inputMax: Math.max(...values) };
}

function scoresFor(kind: AnomalyKind, live: boolean): number[] {
  const series = syntheticSeries({ kind, seed: 11, length: LENGTH, anomalyIndex: ANOMALY_AT });
  const detector = opsloopDetector.create(live ? {} : rangeOf(series.values));
  return scoreSeries(series, (t, v) => detector.update(t, v));
}

// CAD OSE scores plain Gaussian noise up to ~0.9 now and then, and a seasonal break or a flat line at an
// ordinary level only moderately (the sparse members see the flat line, not strongly enough to win): known
// limitation, held to a weaker bar (the anomaly ranks among the top 2% of scores after warm-up).
const WEAKER: readonly AnomalyKind[] = ['seasonal-break', 'flat-line'];

describe('opsloop ensemble on synthetic anomalies', { timeout: 60_000 }, () => {
  for (const live of [false, true]) {
    const mode = live ? 'live' : 'known range';
    for (const kind of ANOMALY_KINDS.filter((k) => !WEAKER.includes(k))) {
      it(`scores a ${kind} above the rest of its series after warm-up (${mode})`, () => {
        const scores = scoresFor(kind, live);
        const { inside, outside } = anomalyMargin(scores, ANOMALY_AT, {
          warmUp: WARM_UP,
          window: LENGTH - ANOMALY_AT,
        });
        expect(inside).toBeGreaterThan(outside);
      });
    }
    for (const kind of WEAKER) {
      it(`ranks a ${kind} in the top 2% of its series after warm-up (${mode}, known limitation)`, () => {
        const scores = scoresFor(kind, live);
        const { inside } = anomalyMargin(scores, ANOMALY_AT, {
          warmUp: WARM_UP,
          window: LENGTH - ANOMALY_AT,
        });
        const higher = scores.slice(WARM_UP).filter((s) => s > inside).length;
        expect(higher).toBeLessThan(0.02 * (LENGTH - WARM_UP));
      });
    }
  }
});

describe('opsloop ensemble combination', { timeout: 60_000 }, () => {
  it('is at least its best member, and at most that raised by the gain unless a sparse member fires', () => {
    const series = syntheticSeries({
      kind: 'level-shift',
      seed: 5,
      length: LENGTH,
      anomalyIndex: ANOMALY_AT,
    });
    const context = rangeOf(series.values);
    const ensemble = opsloopDetector.create(context);
    const cad = cadOseDetector.create(context);
    const artime = artimeDetector.create(context);
    const entropy = relativeEntropyDetector.create(context);
    let raised = 0;
    series.values.forEach((v, i) => {
      const t = series.timestamps[i]!;
      const a = artime.update(t, v) ** OPSLOOP_PARAMS.artimePower;
      const best = Math.max(cad.update(t, v), a);
      const e = entropy.update(t, v);
      const sparseFires = a > 0 || e > 0;
      const score = ensemble.update(t, v);
      expect(score).toBeGreaterThanOrEqual(best);
      if (!sparseFires) {
        expect(score).toBeLessThanOrEqual(Math.min(1, best * (1 + OPSLOOP_PARAMS.supportGain)) + 1e-12);
      }
      if (score > best) raised += 1;
    });
    // The anomaly makes the sparse members fire, so some scores must have been raised.
    expect(raised).toBeGreaterThan(0);
  });
});

describe('opsloop ensemble without a known range', { timeout: 60_000 }, () => {
  it("lets Relative Entropy's detections compete (weighted) only in live mode", () => {
    const series = syntheticSeries({
      kind: 'level-shift',
      seed: 5,
      length: LENGTH,
      anomalyIndex: ANOMALY_AT,
    });
    for (const context of [{}, rangeOf(series.values)]) {
      const live = !('inputMin' in context);
      const ensemble = opsloopDetector.create(context);
      const entropy = relativeEntropyDetector.create(context);
      let fired = 0;
      let carried = 0;
      series.values.forEach((v, i) => {
        const t = series.timestamps[i]!;
        const e = entropy.update(t, v);
        const score = ensemble.update(t, v);
        if (e > 0) fired += 1;
        if (e > 0 && score >= OPSLOOP_PARAMS.liveRelativeEntropyWeight * e) carried += 1;
      });
      expect(fired).toBeGreaterThan(0);
      if (live) expect(carried).toBe(fired);
    }
  });
});

describe('opsloop ensemble properties', { timeout: 120_000 }, () => {
  detectorPropertySuite(opsloopDetector, { numRuns: 15, maxLength: 300 });
});
