/**
 * ARTime's anomaly score for a window that founded a new cluster: how far its best match fell below the two
 * vigilances (relative to its own distance from a perfect match), plus a strong term for a newest value
 * unlike the winner's ("energy").
 */
export function confidence(match: number, energy: number, rhoLb: number, rhoUb: number): number {
  const m = Math.min(0.999, match);
  const gap = 1 - m;
  const ub = (gap - (1 - rhoUb)) / gap;
  const lb = (gap - (1 - rhoLb)) / gap;
  const s = Math.min(1, ub * 0.35 + lb * 0.65 + (1 - energy) * 1.5);
  return Math.round(s * 1e6) / 1e6;
}
