/** Set operations on sorted arrays of unique series ids (postings lists). */

/** Ids in both lists. */
export function intersectSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      i++;
    } else {
      j++;
    }
  }
  return out;
}

/** Ids of `a` not in `b`. */
export function subtractSorted(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return a.slice();
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}

/** Ids in any of the lists, sorted and unique. */
export function unionSorted(lists: readonly (readonly number[])[]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0]!.slice();
  const all: number[] = [];
  for (const list of lists) for (const id of list) all.push(id);
  all.sort((x, y) => x - y);
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  }
  all.length = n;
  return all;
}

/** Inserts `id` into a sorted list (a no-op when present); appending the largest id is O(1). */
export function insertSorted(list: number[], id: number): void {
  const last = list[list.length - 1];
  if (last === undefined || last < id) {
    list.push(id);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== id) list.splice(lo, 0, id);
}
