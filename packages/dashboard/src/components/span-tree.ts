// Turns the flat spans of a trace into waterfall rows: parents before children, with depth and offsets.

/** What the tree needs of a span. */
export interface TreeSpan {
  spanId: string;
  parentSpanId?: string;
  startMs: number;
  durationMs: number;
}

export interface SpanRow<S extends TreeSpan> {
  span: S;
  depth: number;
  /** Start, ms after the trace's earliest span. */
  offsetMs: number;
  durationMs: number;
  /** Its parent is named but not in the trace (not received, or sampled out). */
  orphan: boolean;
  /** Starts before its parent or ends after it: the two hosts' clocks disagree. */
  skewed: boolean;
}

export interface SpanTree<S extends TreeSpan> {
  rows: SpanRow<S>[];
  startMs: number;
  /** From the earliest start to the latest end, ms. */
  durationMs: number;
}

const byStart = <S extends TreeSpan>(a: S, b: S) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId);

/**
 * Depth-first rows of `spans`: roots (no parent, or a parent not in the trace) in start order, each followed
 * by its children in start order. A duplicate span id keeps its first span; a parent cycle cannot loop.
 */
export function buildSpanTree<S extends TreeSpan>(spans: readonly S[]): SpanTree<S> {
  const byId = new Map<string, S>();
  for (const span of spans) if (!byId.has(span.spanId)) byId.set(span.spanId, span);
  const unique = [...byId.values()];
  const usable = (n: number) => (Number.isFinite(n) ? n : 0);
  const startMs = unique.length === 0 ? 0 : Math.min(...unique.map((s) => usable(s.startMs)));
  const endMs =
    unique.length === 0
      ? 0
      : Math.max(...unique.map((s) => usable(s.startMs) + Math.max(0, usable(s.durationMs))));

  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const span of unique) {
    const parent = span.parentSpanId;
    if (parent === undefined || parent === '' || parent === span.spanId || !byId.has(parent))
      roots.push(span);
    else children.set(parent, [...(children.get(parent) ?? []), span]);
  }

  const rows: SpanRow<S>[] = [];
  const placed = new Set<string>();
  const visit = (span: S, depth: number, parent: S | undefined) => {
    if (placed.has(span.spanId)) return;
    placed.add(span.spanId);
    const duration = Math.max(0, usable(span.durationMs));
    const start = usable(span.startMs);
    rows.push({
      span,
      depth,
      offsetMs: start - startMs,
      durationMs: duration,
      orphan:
        parent === undefined &&
        span.parentSpanId !== undefined &&
        span.parentSpanId !== '' &&
        !byId.has(span.parentSpanId),
      skewed:
        parent !== undefined &&
        (start < usable(parent.startMs) ||
          start + duration > usable(parent.startMs) + Math.max(0, usable(parent.durationMs))),
    });
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) visit(child, depth + 1, span);
  };
  for (const root of roots.sort(byStart)) visit(root, 0, undefined);
  // Spans only reachable through a cycle of parents: shown as roots rather than lost.
  for (const span of unique.sort(byStart)) if (!placed.has(span.spanId)) visit(span, 0, undefined);
  return { rows, startMs, durationMs: endMs - startMs };
}
