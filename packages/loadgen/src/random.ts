/** A seeded pseudo-random source (mulberry32): the same seed gives the same sequence on every machine. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** One of `items`, each with the probability of its weight (weights ≥ 0, at least one > 0). */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** An exponentially distributed float with the given mean (Poisson arrival gaps). */
  exponential(mean: number): number;
}

/** Mixes a seed and a stream number into an independent 32-bit seed (a murmur3-style finaliser). */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Creates a {@link Random} from a 32-bit seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    weighted(items) {
      const total = items.reduce((sum, [, weight]) => sum + Math.max(0, weight), 0);
      if (!(total > 0)) throw new RangeError('at least one weight must be positive');
      let point = next() * total;
      for (const [item, weight] of items) {
        if (weight <= 0) continue;
        point -= weight;
        if (point < 0) return item;
      }
      // Float rounding can leave a sliver at the end: it belongs to the last positive weight.
      return [...items].reverse().find(([, weight]) => weight > 0)![0];
    },
    exponential(mean) {
      return -Math.log(1 - next()) * mean;
    },
  };
}
