/**
 * The small linear algebra KNN-CAD needs. Its metric is the Mahalanobis-like form dᵀ(XᵀX)⁻¹d; with
 * XᵀX = L·Lᵀ that is |L⁻¹d|², so vectors are mapped once through L⁻¹ and compared with plain squared
 * distances instead of a matrix product per pair.
 */

/** XᵀX of `rows` vectors of length `dim` (row-major `dim × dim`). */
export function gram(rows: readonly Float64Array[], dim: number): Float64Array {
  const g = new Float64Array(dim * dim);
  for (const row of rows) {
    for (let i = 0; i < dim; i++) {
      const ri = row[i]!;
      for (let j = 0; j <= i; j++) g[i * dim + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) g[j * dim + i] = g[i * dim + j]!;
  return g;
}

/**
 * The lower Cholesky factor of a symmetric matrix, or null when it is not numerically positive definite
 * (where the original's matrix inversion fails, it keeps its previous metric; so does the caller).
 */
export function choleskyLower(a: Float64Array, dim: number): Float64Array | null {
  const l = new Float64Array(dim * dim);
  let scale = 0;
  for (let i = 0; i < dim; i++) scale = Math.max(scale, Math.abs(a[i * dim + i]!));
  const tiny = scale * 1e-12;
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * dim + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * dim + k]! * l[j * dim + k]!;
      if (i === j) {
        if (!(sum > tiny)) return null;
        l[i * dim + i] = Math.sqrt(sum);
      } else {
        l[i * dim + j] = sum / l[j * dim + j]!;
      }
    }
  }
  return l;
}

/** Solves L·y = x (L lower triangular) into `out`; a null L is the identity. */
export function forwardSolve(
  l: Float64Array | null,
  x: ArrayLike<number>,
  dim: number,
  out: Float64Array,
): void {
  for (let i = 0; i < dim; i++) {
    let sum = x[i]!;
    if (l) {
      for (let k = 0; k < i; k++) sum -= l[i * dim + k]! * out[k]!;
      sum /= l[i * dim + i]!;
    }
    out[i] = sum;
  }
}
