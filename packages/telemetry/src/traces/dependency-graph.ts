/**
 * The service dependency graph, derived from span parentage as Jaeger and Tempo's service graphs do: a
 * span whose parent span belongs to another service is one call parent service → child service (CLIENT →
 * SERVER for requests, PRODUCER → CONSUMER for messages, or any kinds when only one side is
 * instrumented). A CLIENT span that no instrumented span answered still counts as a call to its peer
 * (`peer.service`, `db.system` or `server.address`), so databases and external APIs appear as nodes.
 */
import type { SpanFacts } from './span-facts.js';
import type { DependencyEdge, DependencyGraph, DependencyNode, DependencyQuery } from './trace-source.js';

interface EdgeStats {
  calls: number;
  errors: number;
  latenciesMs: number[];
}

interface NodeStats {
  spans: number;
  errors: number;
}

/**
 * The graph of the calls that started in [query.start, query.end] (ms), from the spans of each trace.
 * Percentiles are nearest-rank over every call's latency; the rate is calls over the range's length.
 */
export function dependencyGraph(
  traces: Iterable<readonly SpanFacts[]>,
  query: DependencyQuery,
): DependencyGraph {
  const startUs = query.start * 1000;
  const endUs = query.end * 1000;
  const edges = new Map<string, EdgeStats>();
  const nodes = new Map<string, NodeStats>();
  const inRange = (span: SpanFacts) => span.startUs >= startUs && span.startUs <= endUs;

  for (const spans of traces) {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const hasChild = new Set<string>();
    for (const span of spans) if (span.parentSpanId !== undefined) hasChild.add(span.parentSpanId);
    for (const span of spans) {
      if (!inRange(span)) continue;
      const node = nodeOf(nodes, span.service);
      node.spans++;
      if (span.error) node.errors++;
      const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
      if (parent !== undefined && parent.service !== span.service) {
        // The caller's CLIENT span measured the call end to end; otherwise the callee's span is all we have.
        const timed = parent.kind === 'client' ? parent : span;
        const failed = span.error || (parent.kind === 'client' && parent.error);
        addCall(edges, parent.service, span.service, (timed.endUs - timed.startUs) / 1000, failed);
      }
      if (span.peer !== undefined && !hasChild.has(span.spanId) && span.peer !== span.service) {
        addCall(edges, span.service, span.peer, (span.endUs - span.startUs) / 1000, span.error);
        nodeOf(nodes, span.peer);
      }
    }
  }

  const seconds = Math.max(query.end - query.start, 1) / 1000;
  const edgeList: DependencyEdge[] = [...edges].map(([key, stats]) => {
    const [parent, child] = JSON.parse(key) as [string, string];
    const sorted = stats.latenciesMs.sort((a, b) => a - b);
    return {
      parent,
      child,
      calls: stats.calls,
      errors: stats.errors,
      p50Ms: nearestRank(sorted, 0.5),
      p99Ms: nearestRank(sorted, 0.99),
      ratePerSecond: stats.calls / seconds,
    };
  });
  for (const edge of edgeList) {
    nodeOf(nodes, edge.parent);
    nodeOf(nodes, edge.child);
  }
  const nodeList: DependencyNode[] = [...nodes].map(([service, stats]) => ({ service, ...stats }));
  return {
    nodes: nodeList.sort((a, b) => compare(a.service, b.service)),
    edges: edgeList.sort((a, b) => compare(a.parent, b.parent) || compare(a.child, b.child)),
  };
}

function nodeOf(nodes: Map<string, NodeStats>, service: string): NodeStats {
  let node = nodes.get(service);
  if (node === undefined) {
    node = { spans: 0, errors: 0 };
    nodes.set(service, node);
  }
  return node;
}

function addCall(edges: Map<string, EdgeStats>, parent: string, child: string, ms: number, failed: boolean) {
  const key = JSON.stringify([parent, child]);
  let edge = edges.get(key);
  if (edge === undefined) {
    edge = { calls: 0, errors: 0, latenciesMs: [] };
    edges.set(key, edge);
  }
  edge.calls++;
  if (failed) edge.errors++;
  edge.latenciesMs.push(ms);
}

/** The nearest-rank percentile of ascending `sorted` (at least one value). */
export function nearestRank(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
