/**
 * The step's active neurons: ids of the most often active contexts (ascending), ties broken by the hashes of
 * their two sides like the original (the last `max` of the active contexts stably sorted by times active,
 * left hash, right hash), without sorting them all: the counts above the cut (the `max`-th largest count)
 * are in for sure, and only the contexts tied at the cut may need their hashes.
 */
import { compareHashKeys, type Context } from './semi-contexts.js';

const SCRATCH = new Float64Array(64);

const byHashes = (a: Context, b: Context): number =>
  compareHashKeys(a.left.hash, b.left.hash) || compareHashKeys(a.right.hash, b.right.hash);

export class ActiveNeurons {
  /**
   * The previous step's cut. The most active contexts are active nearly every step, so the cut usually
   * grows by one per step: one pass checks that guess, and only a wrong guess pays for the top-k search.
   */
  private lastCut = -1;
  /**
   * Scratch reused from step to step (written by index, with counts: no per-step arrays): indices (into the
   * active contexts) of those above the cut, and the contexts at the cut.
   */
  private readonly above: number[] = [];
  private aboveCount = 0;
  private readonly tied: Context[] = [];
  private tiedCount = 0;

  constructor(private readonly max: number) {}

  /** Ids of the most often active of the first `count` contexts, ascending. */
  pick(all: readonly Context[], count: number): number[] {
    const max = this.max;
    const ids: number[] = [];
    if (count <= max) {
      for (let i = 0; i < count; i++) insertSorted(ids, all[i]!.id);
      return ids;
    }
    if (max <= 0) return ids;
    let cut = this.lastCut + 1;
    if (!this.guess(all, count, cut)) {
      cut = largest(all, count, max);
      this.split(all, count, cut);
    }
    this.lastCut = cut;
    // The `max`-th largest count is `cut`: every context above it is in, and the last of the tied ones by
    // (left hash, right hash), stably (the original's sort) fill the room left.
    const { above, aboveCount, tied, tiedCount } = this;
    for (let i = 0; i < aboveCount; i++) insertSorted(ids, all[above[i]!]!.id);
    const room = max - aboveCount;
    let from = 0;
    if (tiedCount > room) {
      sortByHashes(tied, tiedCount);
      from = Math.trunc(tiedCount - room);
    }
    for (let i = from; i < tiedCount; i++) insertSorted(ids, tied[i]!.id);
    return ids;
  }

  /**
   * Whether `cut` is the `max`-th largest count (fewer than `max` above it, at least `max` at or above it),
   * collecting the contexts above it and at it on the way.
   */
  private guess(all: readonly Context[], count: number, cut: number): boolean {
    const { above, tied, max } = this;
    let aboveCount = 0;
    let tiedCount = 0;
    for (let i = 0; i < count; i++) {
      const a = all[i]!;
      if (a.active > cut) {
        // Too many above: the cut is higher.
        if (aboveCount + 1 >= max) return false;
        above[aboveCount++] = i;
      } else if (a.active === cut) tied[tiedCount++] = a;
    }
    this.aboveCount = aboveCount;
    this.tiedCount = tiedCount;
    return aboveCount + tiedCount >= max;
  }

  /** Collects the contexts above `cut` and at it. */
  private split(all: readonly Context[], count: number, cut: number): void {
    const { above, tied } = this;
    let aboveCount = 0;
    let tiedCount = 0;
    for (let i = 0; i < count; i++) {
      const a = all[i]!;
      if (a.active > cut) above[aboveCount++] = i;
      else if (a.active === cut) tied[tiedCount++] = a;
    }
    this.aboveCount = aboveCount;
    this.tiedCount = tiedCount;
  }
}

/** Stable insertion sort of the first `count` by hashes (ties are few: no sort allocations). */
function sortByHashes(tied: Context[], count: number): void {
  for (let i = 1; i < count; i++) {
    const a = tied[i]!;
    let j = i;
    for (; j > 0 && byHashes(tied[j - 1]!, a) > 0; j--) tied[j] = tied[j - 1]!;
    tied[j] = a;
  }
}

/** Inserts into an ascending list (short lists: at most maxActiveNeurons ids, often nearly sorted). */
function insertSorted(ids: number[], id: number): void {
  let i = ids.length;
  ids.push(id);
  for (; i > 0 && ids[i - 1]! > id; i--) ids[i] = ids[i - 1]!;
  ids[i] = id;
}

/** The `k`-th largest times-active count of the first `count` (1 <= k < count): a sorted top-k list. */
function largest(all: readonly Context[], count: number, k: number): number {
  const top = k <= SCRATCH.length ? SCRATCH : new Float64Array(k);
  let filled = 0;
  for (let j = 0; j < count; j++) {
    const v = all[j]!.active;
    if (filled < k) {
      let i = filled++;
      for (; i > 0 && top[i - 1]! > v; i--) top[i] = top[i - 1]!;
      top[i] = v;
    } else if (v > top[0]!) {
      let i = 0;
      for (; i + 1 < k && top[i + 1]! < v; i++) top[i] = top[i + 1]!;
      top[i] = v;
    }
  }
  return top[0]!;
}
