// Quantisation and the relative-entropy statistic of Wang et al. (2011).

/**
 * Bin of `value` in `bins` equal steps over [min, min + bins * step]. The reference detector quantises with
 * ceil((v - min) / step) and histograms the results over [0, bins], so the exact minimum lands in the first
 * bin together with (min, min + step] and the top two quantisation levels share the last bin; kept as is.
 * Values outside the range are clamped into the edge bins (the reference would drop them).
 */
export function binOf(value: number, min: number, step: number, bins: number): number {
  const level = Math.ceil((value - min) / step);
  if (!(level > 0)) return 0;
  return level >= bins ? bins - 1 : level;
}

/** Empirical frequencies of `values` over `bins` bins (sums to 1). */
export function frequencies(values: readonly number[], min: number, step: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[binOf(v, min, step, bins)]! += 1;
  return counts.map((c) => c / values.length);
}

/** Kullback-Leibler divergence D(p || q) in nats; infinite when p has mass where q has none. */
export function relativeEntropy(p: readonly number[], q: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (pi <= 0) continue;
    const qi = q[i]!;
    if (qi <= 0) return Infinity;
    sum += pi * Math.log(pi / qi);
  }
  return sum;
}
