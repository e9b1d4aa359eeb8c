/**
 * What the trace-derived graph says by itself: calls that fail or slow down on one edge. A failing edge to a
 * peer (a database, an external API: a node that sends no spans) is its caller's dependency failure; a
 * failing edge to one of our services that still answers others (few server-side errors) is the caller's
 * link failure; a failing edge to a service that fails by itself says nothing new.
 */
import type { RcaEdge, RcaGraph } from './rca-types.js';

/** One finding on an edge. */
export interface EdgeFinding {
  readonly caller: string;
  readonly callee: string;
  /**
   * `peer`: the callee is not ours (charged to the caller); `link`: the callee is ours and answers
   * others (charged to the caller); `callee`: every caller of one of ours fails on it (charged to the callee).
   */
  readonly where: 'peer' | 'link' | 'callee';
  readonly what: 'errors' | 'latency';
  /** 0..1. */
  readonly strength: number;
  readonly text: string;
}

/** Thresholds of {@link edgeFindings}. */
export interface EdgeFindingOptions {
  readonly edgeErrorRatio: number;
  readonly edgeLatencyFactor: number;
  /** How much longer than usual a slow edge's p99 must also be (a 7 → 15 ms wobble is no fault). */
  readonly edgeLatencyMinMs: number;
}

function key(e: { parent: string; child: string }): string {
  return `${e.parent}\u0000${e.child}`;
}

function ratio(errors: number | null | undefined, calls: number | null | undefined): number | null {
  if (errors === null || errors === undefined || calls === null || calls === undefined || calls <= 0)
    return null;
  return errors / calls;
}

const pct = (r: number) => `${Math.round(r * 1000) / 10} %`;

/**
 * Findings on every edge of `graph`, compared with `baseline` when given; `instrumented(service)` tells
 * our services from peers.
 */
export function edgeFindings(
  graph: RcaGraph,
  baseline: RcaGraph | undefined,
  instrumented: (service: string) => boolean,
  options: EdgeFindingOptions,
  latencyMs: ReadonlyMap<string, number> = new Map(),
): EdgeFinding[] {
  const before = new Map<string, RcaEdge>();
  for (const e of baseline?.edges ?? []) before.set(key(e), e);
  const nodes = new Map((graph.nodes ?? []).map((n) => [n.service, n]));
  const out: EdgeFinding[] = [];
  const failingCallers = new Map<string, Set<string>>();
  const activeCallers = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => m.set(k, (m.get(k) ?? new Set()).add(v));
  for (const edge of graph.edges) {
    if ((edge.calls ?? 0) > 0 && edge.async !== true) add(activeCallers, edge.child, edge.parent);
    const usual = before.get(key(edge));
    const peer = !instrumented(edge.child);
    const r = ratio(edge.errors, edge.calls);
    const usualRatio = ratio(usual?.errors, usual?.calls) ?? 0;
    if (r !== null && r >= options.edgeErrorRatio && r >= 2 * usualRatio + 0.01) {
      const node = nodes.get(edge.child);
      const server = ratio(node?.errors, node?.spans);
      const calleeHealthy = server !== null && server < r / 4;
      if (!peer) add(failingCallers, edge.child, edge.parent);
      if (peer || calleeHealthy) {
        const where = peer ? 'peer' : 'link';
        const tail = peer ? '' : ` while ${edge.child} answers with ${pct(server ?? 0)} errors on its side`;
        out.push({
          caller: edge.parent,
          callee: edge.child,
          where,
          what: 'errors',
          strength: Math.min(1, 0.6 + r),
          text: `calls ${edge.parent} → ${edge.child} fail: ${pct(r)} errors (usually ${pct(usualRatio)})${tail}`,
        });
      }
    }
    const p99 = edge.p99Ms ?? null;
    const usualP99 = usual?.p99Ms ?? null;
    const callerMs = latencyMs.get(edge.parent);
    if (peer && p99 !== null && usualP99 === null && callerMs !== undefined && p99 >= 0.5 * callerMs) {
      // No baseline: a peer taking most of the caller's anomalous latency is where the time goes.
      out.push({
        caller: edge.parent,
        callee: edge.child,
        where: 'peer',
        what: 'latency',
        strength: 0.7,
        text: `calls ${edge.parent} → ${edge.child} take p99 ${Math.round(p99)} ms of ${edge.parent}'s ${Math.round(callerMs)} ms`,
      });
    }
    if (
      peer &&
      p99 !== null &&
      usualP99 !== null &&
      usualP99 > 0 &&
      p99 >= options.edgeLatencyFactor * usualP99 &&
      p99 - usualP99 >= options.edgeLatencyMinMs
    ) {
      out.push({
        caller: edge.parent,
        callee: edge.child,
        where: 'peer',
        what: 'latency',
        strength: Math.min(1, 0.5 + 0.1 * (p99 / usualP99)),
        text: `calls ${edge.parent} → ${edge.child} slow: p99 ${Math.round(p99)} ms (usually ${Math.round(usualP99)} ms)`,
      });
    }
  }
  // Several callers failing on one callee at once is one fault at the callee, not several broken links.
  for (const [callee, callers] of failingCallers) {
    const active = activeCallers.get(callee)?.size ?? 0;
    if (callers.size < 2 || callers.size < active) continue;
    const names = [...callers].sort();
    for (let i = out.length - 1; i >= 0; i--)
      if (out[i]!.where === 'link' && out[i]!.callee === callee) out.splice(i, 1);
    out.push({
      caller: names.join(', '),
      callee,
      where: 'callee',
      what: 'errors',
      strength: 0.8,
      text: `every caller of ${callee} (${names.join(', ')}) fails calling it`,
    });
  }
  return out;
}
