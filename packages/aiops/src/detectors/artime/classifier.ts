import { confidence } from './confidence.js';
import { NEW_CLUSTER, trainDvfa, type DvfaState } from './dvfa.js';

/**
 * ARTime's decision layer over the DVFA network (`detect!` in ARTime.jl): a window that founds a new cluster
 * is an anomaly unless a recent detection or new cluster masks it (then only a clearly worse match counts),
 * and the two vigilances drift every half trend window (and just after a detection's mask) towards the
 * similarities the series currently reaches, so a new normal stops being reported.
 */
export interface ClassifierState {
  lastAnomalyStep: number;
  lastAnomalyMatch: number;
  lastRhoUpdateStep: number;
  maskAfterCategory: boolean;
  stepsWithoutNewCluster: number;
  /** Equal-weight running mean of the best match: the upper vigilance's target. */
  matchMeanCount: number;
  matchMean: number;
  /** Best matches over the last half trend window (+1). */
  recentMatches: number[];
  /** rhoUb − best match over the last trend window (+1). */
  recentShortfalls: number[];
  /** Running mean of each detection's lowest match during its mask (the original keeps the whole list). */
  anomalyMatchSum: number;
  anomalyMatchCount: number;
  anomalyMatchLast: number;
}

export interface ClassifierParams {
  readonly window: number;
  readonly trendWindow: number;
  readonly maskSteps: number;
  readonly maxCategories: number;
}

export function emptyClassifier(trendWindow: number): ClassifierState {
  return {
    lastAnomalyStep: 0,
    lastAnomalyMatch: 0,
    lastRhoUpdateStep: 0,
    maskAfterCategory: false,
    stepsWithoutNewCluster: 0,
    matchMeanCount: 0,
    matchMean: 0,
    recentMatches: new Array<number>(Math.floor(trendWindow / 2) + 1).fill(1),
    recentShortfalls: new Array<number>(trendWindow + 1).fill(0),
    anomalyMatchSum: 0,
    anomalyMatchCount: 0,
    anomalyMatchLast: 0,
  };
}

/** Presents the features of downsampled step `step` (1-based); returns the anomaly score in [0,1]. */
export function classify(
  cs: ClassifierState,
  art: DvfaState,
  features: readonly number[],
  step: number,
  p: ClassifierParams,
): number {
  const sinceAnomaly = step - cs.lastAnomalyStep;
  const rhoAfterAnomaly = sinceAnomaly === p.maskSteps;
  const rhoForTrend = step - cs.lastRhoUpdateStep >= Math.floor(p.trendWindow / 2);
  const maskAfterAnomaly = sinceAnomaly <= p.maskSteps;
  if (
    step > p.trendWindow + p.maskSteps &&
    cs.maskAfterCategory &&
    cs.stepsWithoutNewCluster >= p.maskSteps
  ) {
    cs.maskAfterCategory = false;
  }
  let cat: number;
  if (step < p.window) {
    trainDvfa(art, features, false, p.maxCategories);
    cat = NEW_CLUSTER;
  } else {
    cat = trainDvfa(art, features, true, p.maxCategories);
  }
  cs.stepsWithoutNewCluster = cat === NEW_CLUSTER ? 0 : cs.stepsWithoutNewCluster + 1;
  const match = art.lastMatch;
  cs.matchMeanCount += 1;
  cs.matchMean += (match - cs.matchMean) / cs.matchMeanCount;
  cs.recentMatches.shift();
  cs.recentMatches.push(match);
  cs.recentShortfalls.shift();
  cs.recentShortfalls.push(art.rhoUb - match);
  if (sinceAnomaly < p.maskSteps && cs.anomalyMatchCount > 0 && match < cs.anomalyMatchLast) {
    cs.anomalyMatchSum += match - cs.anomalyMatchLast;
    cs.anomalyMatchLast = match;
  }
  const masking = cs.maskAfterCategory || maskAfterAnomaly;
  const belowLast = match < cs.lastAnomalyMatch * (maskAfterAnomaly ? 0.9 : 0.7);
  let score = 0;
  if (step > p.trendWindow && cat === NEW_CLUSTER && (!masking || belowLast)) {
    score = confidence(match, art.lastEnergy, art.rhoLb, art.rhoUb);
    cs.anomalyMatchSum += match;
    cs.anomalyMatchCount += 1;
    cs.anomalyMatchLast = match;
    cs.lastAnomalyMatch = match;
    cs.lastAnomalyStep = step;
  }
  cs.maskAfterCategory = cat === NEW_CLUSTER || cs.maskAfterCategory;
  if (step > p.trendWindow && (rhoAfterAnomaly || rhoForTrend)) {
    adaptVigilance(cs, art, step, p.trendWindow);
  }
  return score;
}

function adaptVigilance(cs: ClassifierState, art: DvfaState, step: number, trendWindow: number): void {
  const minRecent = Math.min(...cs.recentMatches);
  const newUb = Math.min(0.97, cs.matchMean);
  const prevLb = art.rhoLb;
  let newLb: number;
  if (prevLb <= minRecent) {
    newLb = prevLb + (minRecent - prevLb) * 0.19;
  } else {
    let decrease = 0;
    if (step > trendWindow * 2) {
      const shortfalls = cs.recentShortfalls.filter((x) => x > 0.05).map((x) => Math.min(0.37, x));
      if (shortfalls.length > 0) decrease = shortfalls.reduce((a, b) => a + b, 0) / shortfalls.length;
    }
    newLb = prevLb - Math.max(0.01, decrease) / 2;
    if (cs.anomalyMatchCount > 0) newLb = Math.max(cs.anomalyMatchSum / cs.anomalyMatchCount, newLb);
  }
  art.rhoLb = Math.min(newUb, newLb);
  art.rhoUb = newUb;
  cs.lastRhoUpdateStep = step;
  cs.maskAfterCategory = true;
}
