import {
  analyzeCanary,
  goldenLiveSignals,
  type CanaryAnalysisOptions,
  type CanarySignalCheck,
  type LiveSeriesSnapshot,
} from '@opsloop/aiops';
import type { Check, Verdict } from './judge-canary.js';
import type { SeriesPoint } from './revision-series.js';

/** The signals the detectors judge, by live detection's names. */
export type DetectorSignal = 'errors' | 'latency_p95';

/** The detectors' series of both revisions (see {@link RevisionSeries}). */
export interface DetectorInput {
  /** The stable revision's points: those before the canary's first point are the detector's history. */
  baseline: Record<DetectorSignal, readonly SeriesPoint[]>;
  canary: Record<DetectorSignal, readonly SeriesPoint[]>;
  /** Live detection's learnt state of the service's series, when the runtime has one. */
  baselineState?: Partial<Record<DetectorSignal, LiveSeriesSnapshot | undefined>>;
}

/** The detectors' verdict, as checks of the runtime's judgement. */
export interface DetectorJudgement {
  verdict: Verdict;
  checks: Check[];
}

const CHECK_NAMES: Record<DetectorSignal, Check['name']> = {
  errors: 'detector-errors',
  latency_p95: 'detector-latency',
};

/** Errors first, as the tests' checks (success rate, then latency). */
const SIGNALS = (['errors', 'latency_p95'] as const).map((name) => goldenLiveSignals([name])[0]!);

/**
 * Judges the canary with the production anomaly detectors (`analyzeCanary`: live detection's detector,
 * expected band, threshold and episode rules) on its error ratio and p95 latency series, against the stable
 * revision's: from live detection's state of the service when given, else learnt from the baseline points
 * before the canary's (too few → inconclusive). Bad input never throws: it makes the checks inconclusive.
 */
export function judgeWithDetectors(
  input: DetectorInput,
  options: CanaryAnalysisOptions = {},
): DetectorJudgement {
  const signals = SIGNALS.map((signal) => {
    const name = signal.name as DetectorSignal;
    const state = input.baselineState?.[name];
    return {
      signal,
      baseline: input.baseline[name],
      canary: input.canary[name],
      ...(state === undefined ? {} : { baselineState: state }),
    };
  });
  try {
    const analysis = analyzeCanary(signals, options);
    return {
      verdict: analysis.verdict,
      checks: analysis.checks.map((c) =>
        toCheck(c, input.baselineState?.[c.signal as DetectorSignal] !== undefined),
      ),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      verdict: 'inconclusive',
      checks: SIGNALS.map((s) => ({
        name: CHECK_NAMES[s.name as DetectorSignal],
        verdict: 'inconclusive',
        baseline: null,
        canary: null,
        detail: `the detectors could not judge: ${message}`,
      })),
    };
  }
}

/** Latency in ms as the p99 check shows it; the error ratio as is. */
function toCheck(c: CanarySignalCheck, fromState: boolean): Check {
  const latency = c.signal === 'latency_p95';
  const scale = (v: number | null) =>
    v === null || !Number.isFinite(v) ? null : latency ? Math.round(v * 10_000) / 10 : v;
  return {
    name: CHECK_NAMES[c.signal as DetectorSignal],
    verdict: c.verdict,
    baseline: scale(c.expected),
    canary: scale(c.canaryMedian),
    detail: `${c.detail} [baseline: ${fromState ? "live detection's state" : "the stable revision's series"}]`,
  };
}
