import type { DetectorFactory } from '../detectors/detector.js';
import { defaultDetector } from '../detectors/registry.js';
import type { LiveSignal } from '../live/anomaly-event.js';
import { LIVE_THRESHOLD } from '../live/live-detection.js';
import { LiveSeries, type EpisodeRules, type LiveSeriesSnapshot } from '../live/live-series.js';
import { formatSignalValue } from '../live/signal-value.js';

/** One point of a series: time (ms) and value. */
export interface CanaryPoint {
  readonly t: number;
  readonly v: number;
}

/** Which side of the baseline is bad for a signal (latency, errors, CPU: above). */
export type WorseSide = 'above' | 'below' | 'either';

/** One signal to compare: the stable revision's series and the canary's, in the same unit. */
export interface CanarySignalInput {
  /** As live detection watches it (its `minDeviation` and `lowerBound` shape the band). */
  readonly signal: LiveSignal;
  /**
   * The baseline's points: its history before the canary started (the detector learns it) and, when there
   * are some, its points over the canary's interval (scored the same way, as a control).
   */
  readonly baseline: readonly CanaryPoint[];
  readonly canary: readonly CanaryPoint[];
  /**
   * The production series' saved state (live detection's snapshot of the baseline series): the detector
   * continues from it instead of learning `baseline`'s history from scratch.
   */
  readonly baselineState?: LiveSeriesSnapshot;
  /** `above` by default, `either` for traffic signals. */
  readonly worse?: WorseSide;
}

/** How the canary is scored. Defaults are live detection's. */
export interface CanaryAnalysisOptions {
  /** The detector live detection runs (the `opsloop` ensemble by default). */
  readonly detector?: DetectorFactory;
  /** Score at or above which a point is anomalous ({@link LIVE_THRESHOLD}). */
  readonly threshold?: number;
  /** Points the baseline's detector must have learnt for a verdict (240, as live detection). */
  readonly warmupPoints?: number;
  /** Canary points needed for a verdict (5 by default). */
  readonly minPoints?: number;
  /** Share of canary points out of the baseline's band (on the worse side) that fails it, with the detector agreeing (0.5). */
  readonly failFraction?: number;
  /** Below this share of points out of band the signal passes (0.2). */
  readonly passFraction?: number;
}

/** Verdict of a canary analysis (the same words as the runtime's judge). */
export type CanaryVerdict = 'pass' | 'fail' | 'inconclusive';

/** The verdict on one signal, with its numbers. */
export interface CanarySignalCheck {
  readonly signal: string;
  readonly verdict: CanaryVerdict;
  readonly canaryPoints: number;
  /** Canary points out of the baseline's band on the worse side. */
  readonly outOfBand: number;
  /** Of those, points the detector scored at or above the threshold. */
  readonly anomalous: number;
  /** Whether live detection would have opened an episode on the canary's series (worse side). */
  readonly episode: boolean;
  readonly peakScore: number;
  /** The baseline's band before the canary: median ± robust deviations. */
  readonly expected: number | null;
  readonly expectedLow: number | null;
  readonly expectedHigh: number | null;
  readonly canaryMedian: number | null;
  /** The same counts for the baseline over the canary's interval, when it had points there. */
  readonly control?: { readonly points: number; readonly outOfBand: number; readonly episode: boolean };
  readonly detail: string;
}

/** The outcome: fail if any signal fails, else inconclusive if any is, else pass. */
export interface CanaryAnalysis {
  readonly verdict: CanaryVerdict;
  readonly checks: readonly CanarySignalCheck[];
}

/** Input that cannot be analysed (not merely too little of it, which is inconclusive). */
export class CanaryInputError extends Error {
  override readonly name = 'CanaryInputError';
}

interface Scored {
  points: number;
  outOfBand: number;
  anomalous: number;
  episode: boolean;
  peak: number;
}

/**
 * Canary analysis with the production detectors: the baseline's series trains (or restores) the very
 * detector and expected band live detection runs, then the canary's points are scored by a copy of it, as if
 * they were the next points of production. The canary fails a signal when live detection would have raised
 * an anomaly on it and it stays out of the baseline's band for most points, while the baseline over the same
 * interval does not (a shared cause, such as a load change, makes it inconclusive instead). Fixed thresholds
 * (the runtime's judge) catch what is plainly bad; this catches what is unusual for this service.
 */
export function analyzeCanary(
  signals: readonly CanarySignalInput[],
  options: CanaryAnalysisOptions = {},
): CanaryAnalysis {
  const factory = options.detector ?? defaultDetector();
  const rules: EpisodeRules = {
    threshold: options.threshold ?? LIVE_THRESHOLD,
    warmupPoints: options.warmupPoints ?? 240,
    clearAfter: 4,
    quietAfter: 20,
  };
  const minPoints = options.minPoints ?? 5;
  const failFraction = options.failFraction ?? 0.5;
  const passFraction = options.passFraction ?? 0.2;
  if (!(passFraction <= failFraction) || failFraction <= 0 || failFraction > 1) {
    throw new CanaryInputError('canary analysis needs 0 < passFraction ≤ failFraction ≤ 1');
  }
  const checks = signals.map((input) =>
    checkSignal(input, factory, rules, { minPoints, failFraction, passFraction }),
  );
  const verdict: CanaryVerdict =
    checks.length === 0
      ? 'inconclusive'
      : checks.some((c) => c.verdict === 'fail')
        ? 'fail'
        : checks.some((c) => c.verdict === 'inconclusive')
          ? 'inconclusive'
          : 'pass';
  return { verdict, checks };
}

function checkSignal(
  input: CanarySignalInput,
  factory: DetectorFactory,
  rules: EpisodeRules,
  limits: { minPoints: number; failFraction: number; passFraction: number },
): CanarySignalCheck {
  const name = input.signal.name;
  const unit = input.signal.unit;
  const worse = input.worse ?? 'above';
  const canary = sortedFinite(input.canary, name, 'canary');
  const baseline = sortedFinite(input.baseline, name, 'baseline');
  const start = canary[0]?.t ?? Infinity;
  const history = baseline.filter((p) => p.t < start);
  const concurrent = baseline.filter((p) => p.t >= start);

  let note = '';
  let trained: LiveSeries;
  try {
    trained = new LiveSeries(
      input.signal,
      input.baselineState?.service ?? 'baseline',
      {},
      factory,
      rules,
      input.baselineState,
    );
  } catch {
    // A state of another detector or version: learn from the history instead, as live detection does.
    note = ' (the baseline state was of another detector: relearnt from history)';
    trained = new LiveSeries(input.signal, 'baseline', {}, factory, rules);
  }
  for (const p of history) trained.learn(p.t, p.v);
  const learnt = trained.status();
  const base = {
    signal: name,
    canaryPoints: canary.length,
    expected: learnt.expected,
    expectedLow: learnt.expectedLow,
    expectedHigh: learnt.expectedHigh,
    canaryMedian: canary.length > 0 ? median(canary.map((p) => p.v)) : null,
  };
  const empty = { outOfBand: 0, anomalous: 0, episode: false, peakScore: 0 };
  if (canary.length < limits.minPoints) {
    return {
      ...base,
      ...empty,
      verdict: 'inconclusive',
      detail: `${name}: ${canary.length} canary points of the ${limits.minPoints} a verdict needs${note}`,
    };
  }
  if (learnt.points <= rules.warmupPoints || learnt.expectedLow === null || learnt.expectedHigh === null) {
    return {
      ...base,
      ...empty,
      verdict: 'inconclusive',
      detail: `${name}: the baseline's detector has learnt ${learnt.points} points of the ${rules.warmupPoints} it needs${note}`,
    };
  }
  const band = { low: learnt.expectedLow, high: learnt.expectedHigh };
  const snapshot: LiveSeriesSnapshot = { ...trained.snapshot(), episode: null, inBand: 0, quiet: 0 };
  const score = (points: readonly CanaryPoint[]): Scored => {
    // A copy per series, so the canary's points never teach the baseline's detector (nor the control's).
    const copy = new LiveSeries(input.signal, snapshot.service, {}, factory, rules, snapshot);
    const offset = timeOffset(points, snapshot.lastAtMs);
    const out: Scored = { points: points.length, outOfBand: 0, anomalous: 0, episode: false, peak: 0 };
    for (const p of points) {
      const change = copy.observe(p.t + offset, p.v);
      const s = copy.status().lastScore ?? 0;
      out.peak = Math.max(out.peak, s);
      const bad = isWorse(p.v, band, worse);
      if (bad) out.outOfBand++;
      if (bad && s >= rules.threshold) out.anomalous++;
      if (change.kind === 'opened' && (worse === 'either' || change.event.direction === worse))
        out.episode = true;
    }
    return out;
  };
  const c = score(canary);
  const control = concurrent.length >= limits.minPoints ? score(concurrent) : undefined;
  const fraction = c.outOfBand / c.points;
  const controlFraction = control ? control.outOfBand / control.points : 0;
  const f = (v: number) => formatSignalValue(v, unit);
  const numbers =
    `canary median ${f(base.canaryMedian!)}, baseline ${f(learnt.expected!)} (${f(band.low)} to ${f(band.high)}); ` +
    `${c.outOfBand}/${c.points} points out of band ${worse === 'either' ? '' : `(${worse}) `}, ` +
    `${c.anomalous} anomalous, peak score ${c.peak.toFixed(3)}`;
  const fired = c.episode || c.anomalous > 0;
  let verdict: CanaryVerdict;
  let why: string;
  if (fraction >= limits.failFraction && fired) {
    const shared =
      control !== undefined && (control.episode || control.anomalous > 0) && controlFraction >= fraction / 2;
    verdict = shared ? 'inconclusive' : 'fail';
    why = shared
      ? 'anomalous, but so is the baseline over the same interval'
      : 'anomalous and out of the baseline band';
  } else if (fraction >= limits.failFraction) {
    verdict = 'inconclusive';
    why = 'out of the baseline band, but the detector does not call it unusual';
  } else if (fraction < limits.passFraction) {
    verdict = 'pass';
    why = 'within the baseline band';
  } else {
    verdict = 'inconclusive';
    why = 'partly out of the baseline band';
  }
  return {
    ...base,
    verdict,
    outOfBand: c.outOfBand,
    anomalous: c.anomalous,
    episode: c.episode,
    peakScore: c.peak,
    ...(control
      ? { control: { points: control.points, outOfBand: control.outOfBand, episode: control.episode } }
      : {}),
    detail: `${name}: ${why}: ${numbers}${note}`,
  };
}

/** Detectors need increasing time: points at or before the state's last point are moved just after it. */
function timeOffset(points: readonly CanaryPoint[], lastAtMs: number | null): number {
  const first = points[0];
  if (!first || lastAtMs === null || first.t > lastAtMs) return 0;
  const steps = points
    .slice(1)
    .map((p, i) => p.t - points[i]!.t)
    .filter((d) => d > 0);
  const step = steps.length > 0 ? median(steps) : 1;
  return lastAtMs + step - first.t;
}

function isWorse(v: number, band: { low: number; high: number }, worse: WorseSide): boolean {
  const above = v > band.high;
  const below = v < band.low;
  return worse === 'above' ? above : worse === 'below' ? below : above || below;
}

function sortedFinite(points: readonly CanaryPoint[], signal: string, which: string): CanaryPoint[] {
  for (const p of points) {
    if (!Number.isFinite(p.t))
      throw new CanaryInputError(`${signal}: a ${which} point has a non-finite time`);
  }
  // NaN values are gaps, as in live detection: skipped.
  return points.filter((p) => Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
