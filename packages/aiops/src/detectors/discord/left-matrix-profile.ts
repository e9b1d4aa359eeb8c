// The newest entry of a streaming left matrix profile (STAMPI, Yeh et al. 2016) over a bounded history: the
// z-normalised Euclidean distance from the subsequence ending at the newest point to its nearest earlier
// non-trivial neighbour. Dot products are rolled forward in O(history) per point; values are stored centred
// on an offset that is renewed, with an exact recomputation, every `history` points so rounding and drift
// cannot accumulate.

export interface LeftMatrixProfileParams {
  /** Subsequence length. */
  readonly length: number;
  /** Earlier subsequences compared with the newest. */
  readonly history: number;
  /** Neighbours starting closer than this to the newest are trivial matches (overlap) and skipped. */
  readonly exclusion: number;
  /**
   * Noise floor, as a fraction of the history's range, added (in quadrature) to every subsequence's standard
   * deviation before z-normalising: without it a nearly flat subsequence's rounding noise is blown up to unit
   * variance and looks like a new shape.
   */
  readonly noiseFloor: number;
}

/** JSON-safe state: centred values, dot products of each history subsequence with the newest one. */
export interface LeftMatrixProfileState {
  offset: number;
  values: number[];
  dots: number[];
  sinceRecentre: number;
}

export function emptyLeftMatrixProfile(): LeftMatrixProfileState {
  return { offset: 0, values: [], dots: [], sinceRecentre: 0 };
}

export class LeftMatrixProfile {
  private readonly means: number[] = [];
  private readonly sds: number[] = [];

  constructor(
    private readonly params: LeftMatrixProfileParams,
    readonly state: LeftMatrixProfileState,
  ) {
    if (state.values.length > 0 && state.dots.length !== Math.max(0, state.values.length - params.length))
      throw new RangeError('left matrix profile: dots and values disagree');
    for (let s = 0; s + params.length <= state.values.length; s++) this.pushMoments(s);
  }

  /**
   * Adds `value` and returns the newest subsequence's nearest-neighbour distance divided by its maximum
   * (2·√length), so in [0, 1]; undefined while the history is too short to say.
   */
  push(value: number): number | undefined {
    const { length: m, history } = this.params;
    const s = this.state;
    if (s.values.length === 0) s.offset = value;
    s.values.push(value - s.offset);
    const n = s.values.length;
    if (n < m) return undefined;
    const q = n - m;
    this.pushMoments(q);
    if (q > 0) this.rollDots(q);
    if (q > history) {
      s.values.shift();
      s.dots.shift();
      this.means.shift();
      this.sds.shift();
    }
    if (++s.sinceRecentre >= history) this.recentre();
    return this.nearest();
  }

  /** Rolls dot(x[q-1..], x[j..]) into dot(x[q..], x[j+1..]) for every history subsequence. */
  private rollDots(q: number): void {
    const m = this.params.length;
    const { values: x, dots } = this.state;
    const leaving = x[q - 1]!;
    const entering = x[q + m - 1]!;
    dots.push(0);
    for (let j = q - 1; j >= 1; j--) dots[j] = dots[j - 1]! - leaving * x[j - 1]! + entering * x[j + m - 1]!;
    dots[0] = dot(x, 0, q, m);
  }

  private nearest(): number | undefined {
    const { length: m, exclusion } = this.params;
    const x = this.state.values;
    const q = x.length - m;
    const last = q - exclusion;
    if (last < 0) return undefined;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const floor2 = ((hi - lo) * this.params.noiseFloor) ** 2;
    const muQ = this.means[q]!;
    const varQ = this.sds[q]! ** 2;
    const scaleQ = varQ + floor2;
    if (scaleQ === 0) return 0; // the whole history is one constant: nothing is new
    const dots = this.state.dots;
    const selfQ = varQ / scaleQ;
    let best = Infinity;
    for (let j = 0; j <= last; j++) {
      const varJ = this.sds[j]! ** 2;
      const scaleJ = varJ + floor2;
      // |a|² + |b|² − 2a·b of the two subsequences centred and divided by their floored deviations, over m.
      const cross = scaleJ === 0 ? 0 : (dots[j]! / m - muQ * this.means[j]!) / Math.sqrt(scaleQ * scaleJ);
      const d2 = selfQ + (scaleJ === 0 ? 0 : varJ / scaleJ) - 2 * cross;
      if (d2 < best) best = d2;
    }
    return Math.sqrt(Math.max(0, best) / 4);
  }

  private pushMoments(start: number): void {
    const m = this.params.length;
    const x = this.state.values;
    let sum = 0;
    for (let i = start; i < start + m; i++) sum += x[i]!;
    const mean = sum / m;
    let ss = 0;
    for (let i = start; i < start + m; i++) ss += (x[i]! - mean) * (x[i]! - mean);
    const sd = Math.sqrt(ss / m);
    this.means[start] = mean;
    this.sds[start] = sd;
  }

  /** Re-centres the values on their mean and recomputes every dot product and moment exactly. */
  private recentre(): void {
    const m = this.params.length;
    const s = this.state;
    s.sinceRecentre = 0;
    const shift = s.values.reduce((a, b) => a + b, 0) / s.values.length;
    s.offset += shift;
    s.values = s.values.map((v) => v - shift);
    const q = s.values.length - m;
    s.dots = [];
    for (let j = 0; j < q; j++) s.dots.push(dot(s.values, j, q, m));
    for (let j = 0; j <= q; j++) this.pushMoments(j);
  }
}

function dot(x: readonly number[], a: number, b: number, m: number): number {
  let sum = 0;
  for (let i = 0; i < m; i++) sum += x[a + i]! * x[b + i]!;
  return sum;
}
