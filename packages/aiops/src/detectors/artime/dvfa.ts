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
  /**
   * Every weight is in [0,1] (always, unless a sample held NaN or out-of-range features): then no category
   * can match above its energy similarity squared, which lets training skip most hopeless categories
   * exactly. Follows from the weights, so snapshots do not carry it.
   */
  unitWeights: boolean;
  /** Last step's winning category, or −1: tried first next step (a speed hint, not in snapshots). */
  hint: number;
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
    unitWeights: true,
    hint: -1,
  };
}

/** Whether the first `length` weights all lie in [0,1] (see `DvfaState.unitWeights`). */
export function inUnitRange(weights: Float32Array, length: number): boolean {
  for (let i = 0; i < length; i++) {
    const w = weights[i]!;
    if (!(w >= 0 && w <= 1)) return false;
  }
  return true;
}

/**
 * Outcome of one training step. The original returns cluster labels, but ARTime only asks whether the
 * sample founded a new cluster, so labels are not kept.
 */
export const NEW_CLUSTER = -1;
export const RESONATED = 1;

// Per-call scratch, reused: the sample and its complement as doubles (computed once, not once per category),
// and each category's match. Typed arrays keep the hot loop on unboxed doubles.
let scratchMatch = new Float64Array(256);
let scratchX = new Float64Array(16);
let scratchXc = new Float64Array(16);

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
  if (scratchX.length < dim) {
    scratchX = new Float64Array(dim);
    scratchXc = new Float64Array(dim);
  }
  if (scratchMatch.length < count) scratchMatch = new Float64Array(2 * count);
  const xs = scratchX;
  const xcs = scratchXc;
  for (let k = 0; k < dim; k++) {
    const x = features[k]!;
    xs[k] = x;
    xcs[k] = 1 - x;
    // Such a sample may put a weight outside [0,1] (as a new category or when learned).
    if (!(x >= 0 && x <= 1)) art.unitWeights = false;
  }
  const canSkip = art.unitWeights;
  // The winner is found as the original finds it: the highest match above 0, ties to the oldest category.
  // When categories may be skipped, last step's winner is tried first: it usually wins again, and a high
  // best match early lets most other categories go (a hint only, so it is not part of the state).
  const hint = canSkip && art.hint < count ? art.hint : -1;
  let best = -1;
  let bestMatch = 0;
  let bestEnergy = 0;
  if (hint >= 0) {
    const energy = energySimilarity(weights, hint * dimComp, dim, newest);
    const match = categoryMatch(weights, hint * dimComp, dim, xs, xcs, energy);
    scratchMatch[hint] = match;
    if (match > 0) {
      best = hint;
      bestMatch = match;
      bestEnergy = energy;
    }
  }
  for (let j = 0; j < count; j++) {
    if (j === hint) continue;
    const base = j * dimComp;
    const energy = energySimilarity(weights, base, dim, newest);
    if (canSkip) {
      // With weights in [0,1] the feature similarity is at most 1 (up to ~1e-14 of rounding), so the match
      // is at most this bound. A category whose bound can neither beat the best so far (nor tie it from
      // an older place) nor reach rhoUb can neither win nor learn: its match is not needed, and the bound
      // stands in for it (below rhoUb, as the match is). A bound of 0 is never skipped, so a category
      // that stands in never becomes `top` below.
      const bound = energy * energy * (1 + 1e-12);
      if (bound > 0 && (bound < bestMatch || (bound === bestMatch && j > best)) && bound < art.rhoUb) {
        scratchMatch[j] = bound;
        continue;
      }
    }
    const match = categoryMatch(weights, base, dim, xs, xcs, energy);
    scratchMatch[j] = match;
    if (match > bestMatch || (match === bestMatch && match > 0 && j < best)) {
      best = j;
      bestMatch = match;
      bestEnergy = energy;
    }
  }
  art.hint = best;
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

/** Similarity of the newest value's pair (ARTime's "energy"). */
function energySimilarity(weights: Float32Array, base: number, dim: number, newest: number): number {
  const wNew = weights[base + dim - 1]!;
  const wNewC = weights[base + 2 * dim - 1]!;
  const energyNum = (newest < wNew ? newest : wNew) + (1 - newest < wNewC ? 1 - newest : wNewC);
  const energyDen = wNew + wNewC;
  return energyDen > 0 ? energyNum / energyDen : 0;
}

/** The match: feature similarity |x ∧ w|₁ / |w|₁ cubed, times the energy similarity squared. */
function categoryMatch(
  weights: Float32Array,
  base: number,
  dim: number,
  xs: Float64Array,
  xcs: Float64Array,
  energy: number,
): number {
  let overlap = 0;
  let size = 0;
  for (let k = 0; k < dim; k++) {
    const x = xs[k]!;
    const wk = weights[base + k]!;
    overlap += x < wk ? x : wk;
    const xc = xcs[k]!;
    const wc = weights[base + dim + k]!;
    overlap += xc < wc ? xc : wc;
    size += wk + wc;
  }
  if (size === 0) size = 0.001;
  const featureSim = overlap / size;
  return featureSim * featureSim * featureSim * energy * energy;
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
