// NAB charges every flagged point outside a labelled window, and one odd stretch of a series keeps every
// window-based feature that overlaps it odd for as long: report a score only when it is a new high among the
// last `span` scores, not its echo.

/** `raw` if it beats every score in `recent` (which it then joins, keeping `span` of them), else 0. */
export function suppressEcho(recent: number[], raw: number, span: number): number {
  const echo = recent.some((s) => s >= raw);
  recent.push(raw);
  if (recent.length > span) recent.shift();
  return echo ? 0 : raw;
}
