/** One cumulative histogram bucket: observations ≤ `le`. */
export interface CumulativeBucket {
  /** Upper bound (`le` label); the last bucket of a complete histogram is `+Inf`. */
  le: number;
  /** Cumulative count (or its increase over a window). */
  count: number;
}

/**
 * PromQL's `histogram_quantile(q, …)` over classic buckets, with the same edge cases as Prometheus'
 * `bucketQuantile` (promql/quantile.go): NaN without a `+Inf` bucket or without observations, linear
 * interpolation inside the bucket that holds the rank (the first bucket starts at 0), the upper bound of the
 * highest finite bucket when the rank falls in `+Inf`, and counts forced monotonic (they can dip when buckets
 * are summed across series scraped at slightly different moments).
 */
export function histogramQuantile(q: number, buckets: readonly CumulativeBucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = coalesce([...buckets].sort((a, b) => a.le - b.le));
  const last = sorted[sorted.length - 1];
  if (last === undefined || last.le !== Infinity || sorted.length < 2) return NaN;
  let max = -Infinity;
  for (const bucket of sorted) {
    max = Math.max(max, bucket.count);
    bucket.count = max;
  }
  const observations = last.count;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
  let b = sorted.findIndex((bucket, i) => i < sorted.length - 1 && bucket.count >= rank);
  if (b === -1) b = sorted.length - 1;
  if (b === sorted.length - 1) return sorted[sorted.length - 2]!.le;
  const bucket = sorted[b]!;
  if (b === 0 && bucket.le <= 0) return bucket.le;
  let start = 0;
  let count = bucket.count;
  if (b > 0) {
    const previous = sorted[b - 1]!;
    start = previous.le;
    count -= previous.count;
    rank -= previous.count;
  }
  // q = 0 lands in a leading empty bucket (rank 0 of 0): its lower edge, where Go's 0/0 would give NaN.
  if (count === 0) return start;
  return start + (bucket.le - start) * (rank / count);
}

/** Buckets with the same bound (e.g. `1` and `1.0` from different series) add up, as in Prometheus. */
function coalesce(sorted: CumulativeBucket[]): CumulativeBucket[] {
  const out: CumulativeBucket[] = [];
  for (const bucket of sorted) {
    const previous = out[out.length - 1];
    if (previous !== undefined && previous.le === bucket.le) previous.count += bucket.count;
    else out.push({ le: bucket.le, count: bucket.count });
  }
  return out;
}
