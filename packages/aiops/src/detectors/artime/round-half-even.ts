/** Rounds to the nearest integer, ties to even: Julia's `round(Int, x)`, which ARTime's discretiser uses. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
