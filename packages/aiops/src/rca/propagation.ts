/** Personalised PageRank by power iteration over a small weighted directed graph. */

/** A weighted move of the random walk. */
export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

/**
 * The stationary distribution of a walk that follows `transitions` (rows normalised, self-loops included)
 * and restarts with probability `restart` at a node drawn from `personalisation`. A node without moves
 * stays put (dangling mass is kept where it is: the walk ends where nothing explains a node further).
 */
export function personalisedPageRank(
  nodes: readonly string[],
  transitions: readonly Transition[],
  personalisation: ReadonlyMap<string, number>,
  restart: number,
  iterations = 100,
): Map<string, number> {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const n = nodes.length;
  const rows: { to: number; p: number }[][] = nodes.map(() => []);
  const totals = new Array<number>(n).fill(0);
  for (const t of transitions) {
    const i = index.get(t.from);
    const j = index.get(t.to);
    if (i === undefined || j === undefined || !(t.weight > 0)) continue;
    rows[i]!.push({ to: j, p: t.weight });
    totals[i]! += t.weight;
  }
  for (let i = 0; i < n; i++) {
    if (totals[i] === 0) rows[i]!.push({ to: i, p: 1 });
    else for (const m of rows[i]!) m.p /= totals[i]!;
  }
  const personal = nodes.map((node) => Math.max(0, personalisation.get(node) ?? 0));
  const sum = personal.reduce((a, b) => a + b, 0);
  const v = personal.map((p) => (sum > 0 ? p / sum : 1 / n));
  let x = [...v];
  for (let k = 0; k < iterations; k++) {
    const next = v.map((p) => restart * p);
    for (let i = 0; i < n; i++) for (const m of rows[i]!) next[m.to]! += (1 - restart) * x[i]! * m.p;
    const delta = next.reduce((acc, val, i) => acc + Math.abs(val - x[i]!), 0);
    x = next;
    if (delta < 1e-10) break;
  }
  return new Map(nodes.map((node, i) => [node, x[i]!]));
}
