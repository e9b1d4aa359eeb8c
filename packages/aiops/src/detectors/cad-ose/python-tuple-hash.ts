/**
 * CPython 2.7's hash of a tuple of small non-negative ints (64-bit build). The original CAD OSE breaks ties
 * between equally active contexts by the hashes of their fact tuples; using the same hash keeps the choice of
 * "active neurons" close to the original's instead of depending on an arbitrary order.
 */
export function pythonTupleHash(items: readonly number[]): bigint {
  let x = 0x345678n;
  let mult = 1000003n;
  let len = items.length;
  for (const item of items) {
    len -= 1;
    // hash(int) is the int itself (and -1 maps to -2, which never occurs for facts, all >= 0).
    x = BigInt.asIntN(64, (x ^ BigInt(item)) * mult);
    mult = BigInt.asIntN(64, mult + 82520n + BigInt(len + len));
  }
  x = BigInt.asIntN(64, x + 97531n);
  return x === -1n ? -2n : x;
}
