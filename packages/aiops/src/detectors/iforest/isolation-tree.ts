// One isolation tree (Liu, Ting & Zhou 2008) over fixed-dimension points, stored in flat arrays: building
// and scoring allocate nothing per node object and a tree is cheap to throw away at the next rebuild.
import type { Prng } from './prng.js';

export interface IsolationTree {
  /** Split dimension per node, or -1 for a leaf. */
  readonly dim: number[];
  /** Split value per node (left when below), or the leaf's size. */
  readonly value: number[];
  /** Right child per node (the left child is the next node). */
  readonly right: number[];
}

/** Average path length of an unsuccessful search in a binary search tree of n points (the iForest c(n)). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** Builds a tree over `points` (rows of `dims` numbers, flattened) at the given indices. */
export function buildTree(
  points: Float64Array,
  dims: number,
  indices: number[],
  maxDepth: number,
  rng: Prng,
): IsolationTree {
  const tree: IsolationTree = { dim: [], value: [], right: [] };
  grow(tree, points, dims, indices, 0, maxDepth, rng);
  return tree;
}

function grow(
  tree: IsolationTree,
  points: Float64Array,
  dims: number,
  indices: number[],
  depth: number,
  maxDepth: number,
  rng: Prng,
): void {
  const node = tree.dim.length;
  tree.dim.push(-1);
  tree.value.push(indices.length);
  tree.right.push(-1);
  if (indices.length <= 1 || depth >= maxDepth) return;
  // Pick a dimension that still has spread; a node whose points are all equal is a leaf.
  const start = Math.floor(rng.next() * dims);
  for (let k = 0; k < dims; k++) {
    const d = (start + k) % dims;
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of indices) {
      const v = points[i * dims + d]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) continue;
    const split = lo + rng.next() * (hi - lo);
    const left: number[] = [];
    const right: number[] = [];
    for (const i of indices) (points[i * dims + d]! < split ? left : right).push(i);
    if (left.length === 0) continue; // split landed on lo exactly: try another dimension
    tree.dim[node] = d;
    tree.value[node] = split;
    grow(tree, points, dims, left, depth + 1, maxDepth, rng);
    tree.right[node] = tree.dim.length;
    grow(tree, points, dims, right, depth + 1, maxDepth, rng);
    return;
  }
}

/** Path length of `point` (a row at `offset` of `dims` numbers), with c(size) added at the leaf. */
export function pathLength(tree: IsolationTree, point: ArrayLike<number>, offset: number): number {
  let node = 0;
  let depth = 0;
  for (;;) {
    const d = tree.dim[node]!;
    if (d < 0) return depth + averagePathLength(tree.value[node]!);
    node = point[offset + d]! < tree.value[node]! ? node + 1 : tree.right[node]!;
    depth++;
  }
}
