/**
 * Full-depth orthonormal Haar wavelet transform of a power-of-two window, laid out as Wavelets.jl's
 * `dwt(x, wavelet(WT.haar))` does (coarsest scaling coefficient first, then details from coarse to fine)
 * with its sign convention (its forward detail filter is mirror(h) = [1, −1]/√2, giving (x₂ − x₁)/√2).
 * ARTime min-max normalises the coefficients afterwards, so the sign convention matters, the order does not.
 */
export function haarTransform(input: readonly number[]): number[] {
  const n = input.length;
  const out = new Array<number>(n).fill(0);
  let approx = input.slice();
  let length = n;
  while (length > 1) {
    const half = length >> 1;
    const next = new Array<number>(half);
    for (let k = 0; k < half; k++) {
      const a = approx[2 * k]!;
      const b = approx[2 * k + 1]!;
      next[k] = (a + b) * Math.SQRT1_2;
      out[half + k] = (b - a) * Math.SQRT1_2;
    }
    approx = next;
    length = half;
  }
  out[0] = approx[0] ?? 0;
  return out;
}
