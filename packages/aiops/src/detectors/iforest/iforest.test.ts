import { describe, expect, it } from 'vitest';
import { detectorProperties } from './testing/properties.js';
import { syntheticSeries, type AnomalyKind } from './testing/synthetic.js';
import { iforestDetector } from './index.js';
import { averagePathLength, buildTree, pathLength } from './isolation-tree.js';
import { prng } from './prng.js';
import { SlidingForest, emptySlidingForest } from './sliding-forest.js';

describe('prng', () => {
  it('continues identically from its saved state', () => {
    const a = prng(42);
    a.next();
    const b = prng(a.state());
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });
});

describe('isolation tree', () => {
  it('c(n) is the iForest normaliser', () => {
    expect([0, 1, 2].map(averagePathLength)).toEqual([0, 0, 1]);
    expect(averagePathLength(256)).toBeCloseTo(10.244770920116851, 9);
  });
  it('isolates an outlier in fewer steps than an inlier', () => {
    const rng = prng(1);
    const points = new Float64Array(Array.from({ length: 128 }, () => rng.next()));
    const indices = Array.from({ length: 128 }, (_, i) => i);
    let outlier = 0;
    let inlier = 0;
    for (let t = 0; t < 50; t++) {
      const tree = buildTree(points, 1, indices, 7, rng);
      outlier += pathLength(tree, [10], 0);
      inlier += pathLength(tree, [0.5], 0);
    }
    expect(outlier).toBeLessThan(inlier);
  });
  it('makes a leaf of equal points', () => {
    const tree = buildTree(new Float64Array(16).fill(3), 2, [0, 1, 2, 3, 4, 5, 6, 7], 3, prng(1));
    expect(tree.dim).toEqual([-1]);
    expect(pathLength(tree, [3, 3], 0)).toBeCloseTo(averagePathLength(8), 12);
  });
});

describe('sliding forest', () => {
  it('rebuilds the same trees from a snapshot', () => {
    const params = {
      shingle: 4,
      window: 64,
      trees: 10,
      sampleSize: 32,
      rebuildEvery: 16,
      minShingles: 16,
      seed: 9,
    };
    const a = new SlidingForest(params, emptySlidingForest(9));
    for (let i = 0; i < 150; i++) a.push(Math.sin(i / 3));
    const b = new SlidingForest(params, JSON.parse(JSON.stringify(a.state)));
    for (let i = 150; i < 300; i++) expect(b.push(Math.cos(i))).toBe(a.push(Math.cos(i)));
  });
});

describe('iforest detector', () => {
  // Values outside everything in the window isolate at once. A single spike outscores everything before it
  // but not some points after it (the spike's shingles enter the next forest), a flat line sits inside the
  // normal range and a lost season is a sequence of normal values: known gaps (see the report).
  const found: AnomalyKind[] = ['level-shift', 'trend-change', 'variance-change'];
  for (const kind of found) {
    it(`scores a ${kind} above every other point after the warm-up`, () => {
      const s = syntheticSeries(kind);
      const d = iforestDetector.create();
      const scores = s.values.map((v, i) => d.update(s.timestamps[i]!, v));
      const inside = Math.max(...scores.slice(s.anomalyStart, s.anomalyStart + 60));
      const outside = Math.max(...scores.slice(600, s.anomalyStart), ...scores.slice(s.anomalyStart + 60));
      expect(inside).toBeGreaterThan(outside);
    });
  }

  it('scores a constant series 0 throughout', () => {
    const d = iforestDetector.create();
    expect(Array.from({ length: 1500 }, (_, i) => d.update(i, 42)).every((s) => s === 0)).toBe(true);
  });

  detectorProperties(iforestDetector, 400, 25);
});
