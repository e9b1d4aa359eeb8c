/**
 * The wait before retry number `attempt` (1-based): exponential from `baseMs`, capped at `maxMs`, with "equal
 * jitter" (a random point in the upper half) so that many replicas losing the runtime together do not
 * come back in lock-step. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (jitter * ceiling) / 2);
}
