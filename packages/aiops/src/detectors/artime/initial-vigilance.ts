import { emptyDvfa, trainDvfa } from './dvfa.js';

/**
 * ARTime's starting vigilance, learned from the probation batch: the windows are ordered from least to most
 * typical (by summed cosine-like similarity to all others), a scratch network with vigilance `startRho`
 * learns them in that order, and the mean best match over the later half (from `fromIndex`) becomes the
 * vigilance: the level of resonance this series' normal windows actually reach.
 */
export function initialVigilance(
  windows: readonly (readonly number[])[],
  startRho: number,
  fromIndex: number,
  maxCategories: number,
): number {
  const n = windows.length;
  const norms = windows.map((w) => Math.sqrt(w.reduce((s, v) => s + v * v, 0)));
  const sums = new Array<number>(n).fill(1); // self-similarity counts as 1, as in the original
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = similarity(windows[i]!, norms[i]!, windows[j]!, norms[j]!);
      sums[i]! += s;
      sums[j]! += s;
    }
  }
  const order = sums.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s || a.i - b.i);
  const art = emptyDvfa(startRho);
  const matches: number[] = [];
  for (const { i } of order) {
    trainDvfa(art, windows[i]!, true, maxCategories);
    matches.push(art.lastMatch);
  }
  const tail = matches.slice(Math.max(0, fromIndex - 1));
  return tail.length > 0 ? tail.reduce((a, b) => a + b, 0) / tail.length : startRho;
}

/** Cosine similarity, with the original's convention for all-zero vectors. */
function similarity(a: readonly number[], na: number, b: readonly number[], nb: number): number {
  if (na === 0) return 1 - nb;
  if (nb === 0) return 1 - na;
  let dot = 0;
  for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
  return dot / (na * nb);
}
