// A sliding-window isolation forest over shingles (the last `shingle` values as one point): the trees are
// rebuilt from the newest `window` shingles every `rebuildEvery` points, and every new shingle is scored
// against trees built from the past only. The trees are not part of the state: they are rebuilt on restore
// from the generator's state at the last build and the values that build saw, which the value buffer keeps.
import { averagePathLength, buildTree, pathLength, type IsolationTree } from './isolation-tree.js';
import { prng } from './prng.js';

export interface SlidingForestParams {
  readonly shingle: number;
  /** Shingles the trees are built from. */
  readonly window: number;
  readonly trees: number;
  /** Shingles sampled per tree. */
  readonly sampleSize: number;
  readonly rebuildEvery: number;
  /** Shingles needed before the first build (nothing is scored before it). */
  readonly minShingles: number;
  readonly seed: number;
}

export interface SlidingForestState {
  /** The newest values: enough for the last build's shingles and every point since. */
  values: number[];
  /** Values pushed so far. */
  pushed: number;
  /** `pushed` at the last build, or -1 before the first. */
  builtAt: number;
  /** Generator state before the last build (rebuilds the same trees on restore) and after it. */
  rngBefore: number;
  rngAfter: number;
}

export function emptySlidingForest(seed: number): SlidingForestState {
  return { values: [], pushed: 0, builtAt: -1, rngBefore: seed >>> 0, rngAfter: seed >>> 0 };
}

export class SlidingForest {
  private trees: IsolationTree[] = [];
  private sampled = 0;
  private readonly point: Float64Array;

  constructor(
    private readonly params: SlidingForestParams,
    readonly state: SlidingForestState,
  ) {
    this.point = new Float64Array(params.shingle);
    if (state.builtAt >= 0) {
      const after = this.build(state.builtAt, state.rngBefore);
      if (after !== state.rngAfter)
        throw new RangeError('sliding forest: the trees do not rebuild identically');
    }
  }

  /** Adds `value`; returns the isolation score of the newest shingle in (0, 1], or undefined before the first build. */
  push(value: number): number | undefined {
    const { shingle, window, rebuildEvery, minShingles } = this.params;
    const s = this.state;
    s.values.push(value);
    s.pushed++;
    if (s.values.length > window + shingle - 1 + rebuildEvery) s.values.shift();
    let score: number | undefined;
    if (s.builtAt >= 0 && s.pushed >= shingle) score = this.score();
    const shingles = s.pushed - shingle + 1;
    if (shingles >= minShingles && (s.builtAt < 0 || s.pushed - s.builtAt >= rebuildEvery)) {
      s.rngBefore = s.rngAfter;
      s.rngAfter = this.build(s.pushed, s.rngBefore);
      s.builtAt = s.pushed;
    }
    return score;
  }

  private score(): number {
    const { shingle } = this.params;
    const x = this.state.values;
    for (let d = 0; d < shingle; d++) this.point[d] = x[x.length - shingle + d]!;
    let total = 0;
    for (const tree of this.trees) total += pathLength(tree, this.point, 0);
    return Math.pow(2, -total / this.trees.length / averagePathLength(this.sampled));
  }

  /** Builds the trees from the shingles ending at the first `pushed` values; returns the generator's state. */
  private build(pushed: number, rngState: number): number {
    const { shingle, window, trees, sampleSize } = this.params;
    const s = this.state;
    const first = s.pushed - s.values.length; // absolute index of values[0]
    const end = pushed - first; // values[..end) were there at build time
    const count = Math.min(window, end - shingle + 1);
    const points = new Float64Array(count * shingle);
    for (let k = 0; k < count; k++)
      for (let d = 0; d < shingle; d++)
        points[k * shingle + d] = s.values[end - count - shingle + 1 + k + d]!;
    const rng = prng(rngState);
    const size = Math.min(sampleSize, count);
    const maxDepth = Math.ceil(Math.log2(Math.max(2, size)));
    const all = Array.from({ length: count }, (_, i) => i);
    this.trees = [];
    for (let t = 0; t < trees; t++) {
      // Partial Fisher-Yates: the first `size` entries become a sample without replacement.
      for (let i = 0; i < size; i++) {
        const j = i + Math.floor(rng.next() * (count - i));
        const tmp = all[i]!;
        all[i] = all[j]!;
        all[j] = tmp;
      }
      this.trees.push(buildTree(points, shingle, all.slice(0, size), maxDepth, rng));
    }
    this.sampled = size;
    return rng.state();
  }
}
