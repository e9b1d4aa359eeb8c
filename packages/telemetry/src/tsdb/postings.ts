/**
 * The inverted index of a set of series (the head's, or one block's): label name → value → sorted series
 * ids, and the matcher-to-postings logic of Prometheus's `PostingsForMatchers`.
 */
import type { LabelMatcher, Labels } from '../model/labels.js';
import { matchesValue } from '../model/labels.js';
import { insertSorted, intersectSorted, subtractSorted, unionSorted } from './sorted-ids.js';

/** A selection whose every matcher matches the empty string: it would select every series. */
export class EmptySelectorError extends Error {
  override readonly name = 'EmptySelectorError';
}

/** Postings as stored in a block index: name → value → sorted ids. */
export type PostingsData = Record<string, Record<string, number[]>>;

/** Name → value → sorted series ids, plus the list of every id. */
export class PostingsIndex {
  readonly #byName = new Map<string, Map<string, number[]>>();
  #all: number[] = [];

  /** Rebuilds an index from stored postings and the list of every id. */
  static fromData(data: PostingsData, allIds: number[]): PostingsIndex {
    const index = new PostingsIndex();
    for (const [name, values] of Object.entries(data)) {
      index.#byName.set(name, new Map(Object.entries(values)));
    }
    index.#all = allIds;
    return index;
  }

  /** Number of ids indexed. */
  get size(): number {
    return this.#all.length;
  }

  /** Indexes a series. */
  add(id: number, labels: Labels): void {
    insertSorted(this.#all, id);
    for (const name of Object.keys(labels)) {
      let values = this.#byName.get(name);
      if (values === undefined) {
        values = new Map();
        this.#byName.set(name, values);
      }
      const value = labels[name]!;
      let list = values.get(value);
      if (list === undefined) {
        list = [];
        values.set(value, list);
      }
      insertSorted(list, id);
    }
  }

  /** Removes series (a batch: each list touched is filtered once). */
  remove(entries: ReadonlyArray<{ id: number; labels: Labels }>): void {
    if (entries.length === 0) return;
    const gone = new Set(entries.map((e) => e.id));
    this.#all = this.#all.filter((id) => !gone.has(id));
    const touched = new Map<string, Set<string>>();
    for (const { labels } of entries) {
      for (const name of Object.keys(labels)) {
        let set = touched.get(name);
        if (set === undefined) touched.set(name, (set = new Set()));
        set.add(labels[name]!);
      }
    }
    for (const [name, valuesTouched] of touched) {
      const values = this.#byName.get(name);
      if (values === undefined) continue;
      for (const value of valuesTouched) {
        const kept = (values.get(value) ?? []).filter((id) => !gone.has(id));
        if (kept.length === 0) values.delete(value);
        else values.set(value, kept);
      }
      if (values.size === 0) this.#byName.delete(name);
    }
  }

  /** Every indexed id, sorted. */
  all(): readonly number[] {
    return this.#all;
  }

  /** Every label name present, sorted. */
  labelNames(): string[] {
    return [...this.#byName.keys()].sort();
  }

  /** Every value of a label, sorted. */
  labelValues(name: string): string[] {
    return [...(this.#byName.get(name)?.keys() ?? [])].sort();
  }

  /** The stored form (for a block index). */
  toData(): PostingsData {
    const data: PostingsData = {};
    for (const name of this.labelNames()) {
      const values: Record<string, number[]> = {};
      const byValue = this.#byName.get(name)!;
      for (const value of [...byValue.keys()].sort()) values[value] = byValue.get(value)!;
      data[name] = values;
    }
    return data;
  }

  /**
   * Ids of the series matching every matcher (absent labels match as `''`). Matchers that cannot match `''`
   * select postings (an equality is one lookup; others test the values of that label only), which are
   * intersected; matchers that match `''` subtract the postings of the values they reject. When every
   * matcher matches `''`, the selection starts from all series if `allowEmpty`, else it is refused with an
   * {@link EmptySelectorError}. An invalid regular expression throws a SyntaxError.
   */
  select(matchers: readonly LabelMatcher[], allowEmpty: boolean): number[] {
    const positive: (readonly number[])[] = [];
    const negative: (readonly number[])[] = [];
    for (const matcher of matchers) {
      const values = this.#byName.get(matcher.name);
      if (!matchesValue(matcher, '')) {
        if (matcher.type === '=') positive.push(values?.get(matcher.value) ?? []);
        else positive.push(this.#unionWhere(values, matcher, true));
      } else if (matcher.type === '!=') {
        negative.push(values?.get(matcher.value) ?? []);
      } else {
        // Includes `name=""`: every value of the label is rejected, leaving the series without it.
        negative.push(this.#unionWhere(values, matcher, false));
      }
    }
    let ids: readonly number[];
    if (positive.length === 0) {
      if (!allowEmpty) {
        throw new EmptySelectorError(
          'vector selector must contain at least one non-empty matcher (every matcher matches the empty string)',
        );
      }
      ids = this.#all;
    } else {
      positive.sort((a, b) => a.length - b.length);
      ids = positive[0]!;
      for (let i = 1; i < positive.length && ids.length > 0; i++) ids = intersectSorted(ids, positive[i]!);
    }
    for (const list of negative) {
      if (ids.length === 0) break;
      ids = subtractSorted(ids, list);
    }
    // A copy: `ids` may still be one of the index's own lists.
    return ids.slice();
  }

  #unionWhere(values: Map<string, number[]> | undefined, matcher: LabelMatcher, wanted: boolean): number[] {
    if (values === undefined) return [];
    const lists: number[][] = [];
    for (const [value, ids] of values) {
      if (matchesValue(matcher, value) === wanted) lists.push(ids);
    }
    return unionSorted(lists);
  }
}
