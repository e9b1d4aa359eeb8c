import type { AnalysisSpec } from '../spec/strategy-schema.js';
import type { Judgement, Verdict } from './judge-canary.js';
import type { DetectorJudgement } from './judge-detectors.js';

/** How an analysis is judged: the statistical tests, the production detectors, or both. */
export type AnalysisMethod = AnalysisSpec['method'];

/**
 * One judgement from the statistical tests' and the detectors' (absent: not run, as with `statistical`).
 * `both`: either failing fails it (the checks of both say why); it passes when the tests pass and the
 * detectors do not fail: a detector that cannot decide (still learning, too few points) must not hold a
 * promotion forever, so the tests rule then. A detector that fails decides alone, even when the tests have
 * too few requests yet: an anomaly clear to production's detector is reason enough to stop a canary.
 */
export function combineJudgements(
  method: AnalysisMethod,
  statistical: Judgement,
  detectors: DetectorJudgement | undefined,
): Judgement {
  const counts = {
    baselineRequests: statistical.baselineRequests,
    canaryRequests: statistical.canaryRequests,
  };
  if (method === 'statistical' || detectors === undefined) return statistical;
  if (method === 'detectors') return { verdict: detectors.verdict, checks: detectors.checks, ...counts };
  const verdict: Verdict =
    statistical.verdict === 'fail' || detectors.verdict === 'fail'
      ? 'fail'
      : statistical.verdict === 'pass'
        ? 'pass'
        : 'inconclusive';
  return { verdict, checks: [...statistical.checks, ...detectors.checks], ...counts };
}
