// mulberry32: a 32-bit state that fits in JSON, so a snapshot can carry the generator exactly.

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** The current state (restore with `prng(state)`). */
  state(): number;
}

export function prng(seed: number): Prng {
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => s,
  };
}
