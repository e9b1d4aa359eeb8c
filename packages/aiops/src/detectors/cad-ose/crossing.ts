/**
 * The left semi-contexts in creation order and their latest crossing with a fact set, kept up to date
 * incrementally. The neurons of consecutive crossings differ by a couple of ids, so only the left sides
 * holding those ids update their count of missing neurons; the fully matched ones are then the complete ones
 * (no neuron missing) whose sensor facts are all in the mask. The complete ones are a bit set over the
 * creation order, so the fully matched ones come out in the order the original walks them, without a scan
 * of every left side and without keeping a sorted list.
 */
import { popcount, type FactSet, type LeftSemi } from './semi-contexts.js';

export class Crossing {
  /** Live left sides in creation order; each one's `index` is its place here. */
  readonly lefts: LeftSemi[] = [];
  /** The crossed fact set. */
  mask = 0;
  ids: readonly number[] = [];
  /** Counts crossings (see LeftSemi.fullAt). */
  count = 0;
  /**
   * The fully matched left sides, in creation order: the first `fullCount` entries (the buffer is reused,
   * stale entries past the count).
   */
  readonly full: LeftSemi[] = [];
  fullCount = 0;
  /** The fully matched left side equal to the crossed facts, if there is one. */
  equal: LeftSemi | null = null;
  /** Neuron id → the left sides holding it. */
  private readonly byNeuron = new Map<number, LeftSemi[]>();
  /** Bit i set: lefts[i] is complete (none of its neurons is missing from the crossing). */
  private complete = new Int32Array(8);
  /** Whether a left side was dropped since the latest compaction. */
  private dropped = false;

  /** Registers a new left side (the newest: it goes last in creation order). */
  add(left: LeftSemi): void {
    left.index = this.lefts.length;
    this.lefts.push(left);
    if (this.complete.length * 32 < this.lefts.length) this.complete = grown(this.complete);
    for (const id of left.ids) {
      const list = this.byNeuron.get(id);
      if (list) list.push(left);
      else this.byNeuron.set(id, [left]);
    }
    left.missing = left.ids.length - countCommon(left.ids, this.ids);
    if (left.missing === 0) this.setComplete(left);
  }

  /** Forgets a left side (compact() then drops it from the list). */
  drop(left: LeftSemi): void {
    left.alive = false;
    this.dropped = true;
    if (left.missing === 0) this.clearComplete(left);
    for (const id of left.ids) {
      const list = this.byNeuron.get(id);
      if (!list) continue;
      list.splice(list.indexOf(left), 1);
      if (list.length === 0) this.byNeuron.delete(id);
    }
  }

  /** Removes dropped left sides from the list and the fully matched ones (after evictions). */
  compact(): void {
    if (!this.dropped) return;
    this.dropped = false;
    const lefts = this.lefts;
    let n = 0;
    this.complete.fill(0);
    for (const left of lefts) {
      if (!left.alive) continue;
      left.index = n;
      lefts[n++] = left;
      if (left.missing === 0) this.setComplete(left);
    }
    lefts.length = n;
    n = 0;
    for (let i = 0; i < this.fullCount; i++) {
      const left = this.full[i]!;
      if (left.alive) this.full[n++] = left;
    }
    this.fullCount = n;
  }

  cross(facts: FactSet): void {
    const before = this.ids;
    const after = facts.ids;
    for (let i = 0, j = 0; i < before.length || j < after.length;) {
      const gone = j === after.length || (i < before.length && before[i]! < after[j]!);
      const come = !gone && (i === before.length || after[j]! < before[i]!);
      if (gone) this.neuronLeaves(before[i++]!);
      else if (come) this.neuronComes(after[j++]!);
      else {
        i += 1;
        j += 1;
      }
    }
    this.mask = facts.mask;
    this.ids = after;
    const size = popcount(facts.mask) + after.length;
    const outside = ~facts.mask;
    const crossing = ++this.count;
    const full = this.full;
    const lefts = this.lefts;
    const complete = this.complete;
    const words = (lefts.length + 31) >>> 5;
    let count = 0;
    this.equal = null;
    for (let w = 0; w < words; w++) {
      for (let word = complete[w]!; word !== 0;) {
        const low = word & -word;
        word ^= low;
        const left = lefts[(w << 5) + 31 - Math.clz32(low)]!;
        if ((left.mask & outside) !== 0) continue;
        left.fullAt = crossing;
        full[count++] = left;
        if (left.size === size) this.equal = left;
      }
    }
    this.fullCount = count;
  }

  /** The number of the left side's facts in the crossing. */
  matched(left: LeftSemi): number {
    return popcount(left.mask & this.mask) + left.ids.length - left.missing;
  }

  /** The left side's facts in the crossing, in the input's (ascending) order. */
  matchedFacts(left: LeftSemi): FactSet {
    // Its neurons all in the crossing: only the sensor facts differ.
    if (left.missing === 0) return { mask: left.mask & this.mask, ids: left.ids };
    const ids: number[] = [];
    const crossed = this.ids;
    for (let i = 0, j = 0; i < left.ids.length && j < crossed.length;) {
      const x = left.ids[i]!;
      const y = crossed[j]!;
      if (x === y) ids.push(x);
      if (x <= y) i += 1;
      if (y <= x) j += 1;
    }
    return { mask: left.mask & this.mask, ids };
  }

  private neuronLeaves(id: number): void {
    const lefts = this.byNeuron.get(id);
    if (lefts) for (const left of lefts) if (left.missing++ === 0) this.clearComplete(left);
  }

  private neuronComes(id: number): void {
    const lefts = this.byNeuron.get(id);
    if (lefts) for (const left of lefts) if (--left.missing === 0) this.setComplete(left);
  }

  private setComplete(left: LeftSemi): void {
    const w = left.index >>> 5;
    this.complete[w] = this.complete[w]! | (1 << (left.index & 31));
  }

  private clearComplete(left: LeftSemi): void {
    const w = left.index >>> 5;
    this.complete[w] = this.complete[w]! & ~(1 << (left.index & 31));
  }
}

/** A copy twice as long. */
function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(array.length * 2);
  copy.set(array);
  return copy;
}

/** How many of the ascending `a` are in the ascending `b`. */
function countCommon(a: readonly number[], b: readonly number[]): number {
  let common = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      common += 1;
      i += 1;
      j += 1;
    } else if (x < y) i += 1;
    else j += 1;
  }
  return common;
}
