/**
 * Distributed dual-vigilance fuzzy ART (DVFA), as compacted in ARTimeNAB.jl's AdaptiveResonanceCompact.jl.
 * Categories are complement-coded fuzzy boxes. The match of a sample with a category multiplies a
 * feature similarity (|x ∧ w|₁ / |w|₁, cubed) by an "energy" similarity on the newest value's pair (squared).
 * Two vigilances: at or above `rhoUb` every such category learns (fast commit w ← x ∧ w); between `rhoLb`
 * and `rhoUb` the sample becomes a new category of the winner's cluster; below `rhoLb` it founds a new
 * cluster, which ARTime treats as a possible anomaly.
 *
 * The original keeps every category forever; here the count is capped and the least recently winning
 * category is forgotten, which bounds memory and time per point. Weights are kept in single precision (half
 * the memory; they are minima of features in [0,1], so 7 digits are plenty) in one flat array.
 */
export interface DvfaState {
  rhoLb: number;
  rhoUb: number;
  /** Complement-coded weights, 2·dim per category, categories back to back (capacity grows by doubling). */
  weights: Float32Array;
  /** Categories in use. */
  count: number;
  /** 2·dim, fixed by the first sample (0 before). */
  width: number;
  /** The downsampled step at which each category last won or learned (for eviction). */
  lastUsed: number[];
  clusters: number;
  /** Match and energy similarity of the best category for the last sample (ARTime's A[i], Ae[i]). */
  lastMatch: number;
  lastEnergy: number;
  /** Steps trained (the clock for `lastUsed`). */
  clock: number;
}

export function emptyDvfa(rho: number): DvfaState {
  return {
    rhoLb: rho,
    rhoUb: rho,
    weights: new Float32Array(0),
    count: 0,
    width: 0,
    lastUsed: [],
    clusters: 0,
    lastMatch: 0,
    lastEnergy: 0,
    clock: 0,
  };
}

/**
 * Outcome of one training step. The original returns cluster labels, but ARTime only asks whether the
 * sample founded a new cluster, so labels are not kept.
 */
export const NEW_CLUSTER = -1;
export const RESONATED = 1;

const scratchMatch: number[] = [];

/**
 * Presents one feature vector (values in [0,1]) to the network; returns NEW_CLUSTER or RESONATED and
 * leaves the winner's similarities in `lastMatch` / `lastEnergy`. With `learning` false nothing is learned
 * (ARTime feeds incomplete warm-up windows this way to keep its indexes aligned).
 */
export function trainDvfa(
  art: DvfaState,
  features: readonly number[],
  learning: boolean,
  maxCategories: number,
): number {
  const dim = features.length;
  const dimComp = 2 * dim;
  art.clock += 1;
  if (art.count === 0) {
    // The original seeds the network with an all-ones category and does not learn the first sample.
    art.width = dimComp;
    art.weights = new Float32Array(dimComp * 8).fill(1);
    art.count = 1;
    art.lastUsed.push(art.clock);
    art.clusters = 1;
    art.lastMatch = 0;
    art.lastEnergy = 0;
    return RESONATED;
  }
  const count = art.count;
  const weights = art.weights;
  const newest = features[dim - 1]!;
  let best = -1;
  let bestMatch = 0;
  let bestEnergy = 0;
  for (let j = 0; j < count; j++) {
    const base = j * dimComp;
    let overlap = 0;
    let size = 0;
    for (let k = 0; k < dim; k++) {
      const x = features[k]!;
      const wk = weights[base + k]!;
      overlap += x < wk ? x : wk;
      const xc = 1 - x;
      const wc = weights[base + dim + k]!;
      overlap += xc < wc ? xc : wc;
      size += wk + wc;
    }
    if (size === 0) size = 0.001;
    const featureSim = overlap / size;
    const wNew = weights[base + dim - 1]!;
    const wNewC = weights[base + dimComp - 1]!;
    const energyNum = (newest < wNew ? newest : wNew) + (1 - newest < wNewC ? 1 - newest : wNewC);
    const energyDen = wNew + wNewC;
    const energySim = energyDen > 0 ? energyNum / energyDen : 0;
    const match = featureSim * featureSim * featureSim * energySim * energySim;
    scratchMatch[j] = match;
    // Strictly greater: ties go to the oldest category, as the original's stable descending sort does.
    if (match > bestMatch) {
      best = j;
      bestMatch = match;
      bestEnergy = energySim;
    }
  }
  art.lastMatch = bestMatch;
  art.lastEnergy = bestEnergy;
  if (!learning) return NEW_CLUSTER;
  const top = best >= 0 ? best : 0;
  const topMatch = scratchMatch[top]!;
  if (topMatch >= art.rhoUb) {
    for (let j = 0; j < count; j++) {
      if (scratchMatch[j]! < art.rhoUb) continue;
      const base = j * dimComp;
      for (let k = 0; k < dim; k++) {
        const x = features[k]!;
        if (x < weights[base + k]!) weights[base + k] = x;
        if (1 - x < weights[base + dim + k]!) weights[base + dim + k] = 1 - x;
      }
      art.lastUsed[j] = art.clock;
    }
    return RESONATED;
  }
  if (topMatch >= art.rhoLb) {
    art.lastUsed[top] = art.clock;
    addCategory(art, features, maxCategories);
    return RESONATED;
  }
  art.clusters += 1;
  addCategory(art, features, maxCategories);
  return NEW_CLUSTER;
}

function addCategory(art: DvfaState, features: readonly number[], maxCategories: number): void {
  if (art.count >= maxCategories) evictLeastRecent(art);
  const dim = features.length;
  const width = art.width;
  if ((art.count + 1) * width > art.weights.length) {
    const grown = new Float32Array(Math.min(maxCategories, Math.max(1, art.count) * 2) * width);
    grown.set(art.weights.subarray(0, art.count * width));
    art.weights = grown;
  }
  const base = art.count * width;
  for (let k = 0; k < dim; k++) {
    art.weights[base + k] = features[k]!;
    art.weights[base + dim + k] = 1 - features[k]!;
  }
  art.count += 1;
  art.lastUsed.push(art.clock);
}

function evictLeastRecent(art: DvfaState): void {
  let victim = 0;
  for (let j = 1; j < art.lastUsed.length; j++) {
    if (art.lastUsed[j]! < art.lastUsed[victim]!) victim = j;
  }
  const width = art.width;
  art.weights.copyWithin(victim * width, (victim + 1) * width, art.count * width);
  art.count -= 1;
  art.lastUsed.splice(victim, 1);
}
