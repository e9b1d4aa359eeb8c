// Online anomaly detection with relative entropy and multiple hypotheses (Wang et al. 2011, Figure 1), as NAB's
// reference detector runs it, plus two things it lacks: a bound on the hypotheses kept and a live mode that
// learns its quantisation range.
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorContext,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { chiSquareInverseSurvivalEvenDf } from './chi-square.js';
import { frequencies, relativeEntropy } from './histogram.js';

export interface RelativeEntropyParams {
  /** Quantisation bins (odd, so the chi-square test has even degrees of freedom). */
  readonly bins: number;
  /** Window of points histogrammed at every step. */
  readonly window: number;
  /** Probability of wrongly rejecting a true hypothesis (the chi-square tail). */
  readonly falseRejection: number;
  /** A hypothesis accepted this many times or fewer still counts as anomalous. */
  readonly rareCount: number;
  /** Hypotheses kept; the least used is dropped to make room. */
  readonly maxHypotheses: number;
  /** Live mode: how much wider than the observed range the quantisation range is made on growth. */
  readonly growthMargin: number;
}

interface Hypothesis {
  p: number[];
  count: number;
}

interface State {
  /** Quantisation range; null until known (live mode before the first full window). */
  min: number | null;
  max: number | null;
  /** Whether the range is learnt (live) rather than given. */
  learnt: boolean;
  window: number[];
  hypotheses: Hypothesis[];
  points: number;
  skipped: number;
}

export const RELATIVE_ENTROPY_VERSION = 1;

export class RelativeEntropyDetector implements Detector {
  private readonly threshold: number;

  constructor(
    private readonly name: string,
    private readonly params: RelativeEntropyParams,
    private readonly state: State,
  ) {
    this.threshold = chiSquareInverseSurvivalEvenDf(params.falseRejection, params.bins - 1);
  }

  static create(
    name: string,
    params: RelativeEntropyParams,
    context: DetectorContext = {},
  ): RelativeEntropyDetector {
    const given =
      context.inputMin !== undefined &&
      context.inputMax !== undefined &&
      isScorable(context.inputMin) &&
      isScorable(context.inputMax) &&
      context.inputMax >= context.inputMin;
    return new RelativeEntropyDetector(name, params, {
      min: given ? context.inputMin : null,
      max: given ? context.inputMax : null,
      learnt: !given,
      window: [],
      hypotheses: [],
      points: 0,
      skipped: 0,
    });
  }

  static restore(
    name: string,
    params: RelativeEntropyParams,
    snapshot: DetectorSnapshot,
  ): RelativeEntropyDetector {
    if (snapshot.detector !== name)
      throw new DetectorSnapshotError(`snapshot of ${snapshot.detector}, not ${name}`);
    if (snapshot.version !== RELATIVE_ENTROPY_VERSION)
      throw new DetectorSnapshotError(`${name}: unsupported snapshot version ${snapshot.version}`);
    return new RelativeEntropyDetector(name, params, parseState(snapshot.state, params));
  }

  update(_timestampMs: number, input: number): number {
    // −0 would come back from JSON as 0: fold it now so a restored state equals the original.
    const value = input === 0 ? 0 : input;
    const s = this.state;
    if (!isScorable(value)) {
      s.skipped++;
      return 0;
    }
    s.points++;
    s.window.push(value);
    if (s.window.length > this.params.window) s.window.shift();
    const grew = s.learnt && this.learnRange(value);
    if (s.window.length < this.params.window || s.min === null || s.max === null) return 0;
    // A constant range carries no information (the reference scores such series 0 throughout).
    if (s.max === s.min) return 0;
    if (grew) {
      // Histograms over the old range are not comparable with new ones: start over, and a value beyond
      // everything seen is itself the anomaly.
      s.hypotheses = [];
      this.test();
      return 1;
    }
    return clampScore(this.test());
  }

  snapshot(): DetectorSnapshot {
    return { detector: this.name, version: RELATIVE_ENTROPY_VERSION, state: structuredClone(this.state) };
  }

  stats(): DetectorStats {
    return { points: this.state.points, skipped: this.state.skipped };
  }

  /** Tests the current window against the hypotheses; returns 1 (anomalous) or 0. */
  private test(): number {
    const { bins, rareCount, maxHypotheses } = this.params;
    const s = this.state;
    const step = (s.max! - s.min!) / bins;
    const p = frequencies(s.window, s.min!, step, bins);
    if (s.hypotheses.length === 0) {
      s.hypotheses.push({ p, count: 1 });
      return 0;
    }
    let best = -1;
    let bestStatistic = Infinity;
    for (let i = 0; i < s.hypotheses.length; i++) {
      // 2·W·D(p̂‖P) is asymptotically chi-square with bins − 1 degrees of freedom under the hypothesis.
      const statistic = 2 * s.window.length * relativeEntropy(p, s.hypotheses[i]!.p);
      if (statistic < this.threshold && statistic < bestStatistic) {
        bestStatistic = statistic;
        best = i;
      }
    }
    if (best >= 0) {
      const h = s.hypotheses[best]!;
      h.count++;
      return h.count <= rareCount ? 1 : 0;
    }
    if (s.hypotheses.length >= maxHypotheses) s.hypotheses.splice(leastUsed(s.hypotheses), 1);
    s.hypotheses.push({ p, count: 1 });
    return 1;
  }

  /** Live mode: sets the range from the first window, widens it past new extremes; true when it widened. */
  private learnRange(value: number): boolean {
    const s = this.state;
    if (s.min === null || s.max === null) {
      if (s.window.length < this.params.window) return false;
      s.min = Math.min(...s.window);
      s.max = Math.max(...s.window);
      return false;
    }
    if (value >= s.min && value <= s.max) return false;
    const lo = Math.min(s.min, value);
    const hi = Math.max(s.max, value);
    // A margin keeps a slow trend from widening (and alarming) at every point.
    const margin = (hi - lo) * this.params.growthMargin;
    if (value < s.min) s.min = lo - margin;
    else s.max = hi + margin;
    return true;
  }
}

function leastUsed(hypotheses: readonly Hypothesis[]): number {
  let index = 0;
  for (let i = 1; i < hypotheses.length; i++) if (hypotheses[i]!.count < hypotheses[index]!.count) index = i;
  return index;
}

function parseState(raw: unknown, params: RelativeEntropyParams): State {
  const bad = (why: string): never => {
    throw new DetectorSnapshotError(`relative entropy snapshot: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('state is not an object');
  const o = raw as Record<string, unknown>;
  const finiteOrNull = (v: unknown, key: string): number | null =>
    v === null
      ? null
      : typeof v === 'number' && Number.isFinite(v)
        ? v
        : bad(`${key} is not a number or null`);
  const count = (v: unknown, key: string): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : bad(`${key} is not a count`);
  const numbers = (v: unknown, key: string): number[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? [...(v as number[])]
      : bad(`${key} is not an array of numbers`);
  if (typeof o.learnt !== 'boolean') return bad('learnt is not a boolean');
  const window = numbers(o.window, 'window');
  if (window.length > params.window) bad('window is too long');
  if (!Array.isArray(o.hypotheses) || o.hypotheses.length > params.maxHypotheses)
    return bad('bad hypotheses');
  const hypotheses = o.hypotheses.map((h: unknown, i) => {
    if (typeof h !== 'object' || h === null) return bad(`hypothesis ${i} is not an object`);
    const hh = h as Record<string, unknown>;
    const p = numbers(hh.p, `hypothesis ${i}`);
    if (p.length !== params.bins) bad(`hypothesis ${i} has ${p.length} bins`);
    return { p, count: count(hh.count, `hypothesis ${i} count`) };
  });
  return {
    min: finiteOrNull(o.min, 'min'),
    max: finiteOrNull(o.max, 'max'),
    learnt: o.learnt,
    window,
    hypotheses,
    points: count(o.points, 'points'),
    skipped: count(o.skipped, 'skipped'),
  };
}
