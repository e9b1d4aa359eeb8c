/**
 * Sum of the `k` smallest of `values` (all of them if fewer), by keeping a sorted array of the best `k`:
 * k is small (tens) next to the number of values (hundreds), so most values are rejected by one comparison.
 */
export function sumOfSmallest(values: Float64Array, count: number, k: number, scratch: Float64Array): number {
  let size = 0;
  for (let n = 0; n < count; n++) {
    const v = values[n]!;
    if (size === k) {
      if (v >= scratch[k - 1]!) continue;
      size -= 1;
    }
    let at = size;
    while (at > 0 && scratch[at - 1]! > v) {
      scratch[at] = scratch[at - 1]!;
      at -= 1;
    }
    scratch[at] = v;
    size += 1;
  }
  let sum = 0;
  for (let i = 0; i < size; i++) sum += scratch[i]!;
  return sum;
}
