/**
 * The contract every {@link TraceSource} honours, as one vitest suite: `traceSourceContract(name, factory)`
 * seeds a source with {@link contractSpans} (through the factory: the store appends them, an adapter's
 * stand-in server answers from them) and checks services, operations, traces, every search filter
 * (against a brute-force oracle) and the dependency graph.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyGraph } from './dependency-graph.js';
import { serviceOf, type TraceSpan } from './span.js';
import { spanFacts, summarizeTrace } from './span-facts.js';
import { bruteForceSearch } from './testing/brute-force-search.js';
import { groupTraces } from './testing/fixture-server.js';
import { makeSpan, shopTrace, testId } from './testing/span-builder.js';
import type { TraceQuery, TraceSource } from './trace-source.js';

/** A seeded source and how to dispose of it. */
export interface ContractFixture {
  readonly source: TraceSource;
  close(): Promise<void>;
}

/** What a backend can report (the rest of the contract is the same for all). */
export interface TraceSourceContractOptions {
  /** Dependency edges carry errors and latencies, nodes their span counts (false: Jaeger). */
  readonly dependencyDetails: boolean;
}

/** Start of the seeded data. */
export const CONTRACT_T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

/** The seeded data: 10 shop checkouts (2 failing), 3 catalog browses and one old trace. */
export function contractSpans(): TraceSpan[] {
  const spans: TraceSpan[] = [];
  for (let n = 1; n <= 10; n++) {
    spans.push(
      ...shopTrace({
        n,
        startMs: CONTRACT_T0 + n * 10_000,
        paymentsMs: n * 7,
        paymentsFails: n === 4 || n === 9,
        paymentsAttributes: { 'payment.method': n % 2 === 1 ? 'card' : 'paypal', 'payment.amount': n * 100 },
      }),
    );
  }
  for (let n = 11; n <= 14; n++) {
    const traceId = testId(n, 32);
    const startMs = n === 14 ? CONTRACT_T0 - 7_200_000 : CONTRACT_T0 + n * 10_000 + 5_000;
    const root = testId(n * 100 + 1, 16);
    spans.push(
      makeSpan({
        traceId,
        spanId: root,
        service: 'gateway',
        name: 'GET /api/products',
        kind: 'server',
        startMs,
        durationMs: 15 + n,
        attributes: { 'http.route': '/api/products', 'http.response.status_code': 200 },
      }),
      makeSpan({
        traceId,
        spanId: testId(n * 100 + 2, 16),
        parentSpanId: root,
        service: 'catalog',
        name: 'GET /products',
        kind: 'server',
        startMs: startMs + 2,
        durationMs: 10 + n,
        attributes: { 'http.route': '/products' },
        resource: { 'service.version': '2.0.1' },
      }),
    );
  }
  return spans;
}

const WINDOW = { start: CONTRACT_T0, end: CONTRACT_T0 + 200_000 };

/** The searches the contract runs (expected answers come from the brute-force oracle). */
export const CONTRACT_QUERIES: readonly TraceQuery[] = [
  { ...WINDOW, limit: 50 },
  { ...WINDOW, limit: 3 },
  { ...WINDOW, limit: 50, service: 'payments' },
  { ...WINDOW, limit: 50, service: 'catalog' },
  { ...WINDOW, limit: 50, operation: 'payments.Charge' },
  { ...WINDOW, limit: 50, service: 'checkout', operation: 'POST' },
  { ...WINDOW, limit: 50, minDurationMs: 100 },
  { ...WINDOW, limit: 50, maxDurationMs: 80 },
  { ...WINDOW, limit: 50, minDurationMs: 74, maxDurationMs: 102 },
  { ...WINDOW, limit: 50, status: 'error' },
  { ...WINDOW, limit: 50, status: 'ok', service: 'checkout' },
  { ...WINDOW, limit: 50, status: 'error', service: 'payments' },
  { ...WINDOW, limit: 50, status: 'error', service: 'inventory' },
  { ...WINDOW, limit: 50, attributes: { 'payment.method': 'paypal' } },
  { ...WINDOW, limit: 50, attributes: { 'payment.amount': '300' } },
  { ...WINDOW, limit: 50, attributes: { 'http.response.status_code': '502' } },
  {
    ...WINDOW,
    limit: 50,
    service: 'payments',
    attributes: { 'rpc.service': 'payments', 'payment.method': 'card' },
  },
  { ...WINDOW, limit: 50, service: 'checkout', attributes: { 'payment.method': 'card' } },
  { ...WINDOW, limit: 50, attributes: { 'service.version': '2.0.1' } },
  { start: CONTRACT_T0 + 25_000, end: CONTRACT_T0 + 55_000, limit: 50 },
  { start: CONTRACT_T0 - 10_800_000, end: CONTRACT_T0 - 3_600_000, limit: 50 },
];

const project = (s: TraceSpan) => ({
  spanId: s.spanId,
  parentSpanId: s.parentSpanId,
  name: s.name,
  kind: s.kind,
  service: serviceOf(s),
  start: s.startTimeUnixNano,
  end: s.endTimeUnixNano,
  status: s.status,
  attributes: { ...s.attributes },
});

/** Runs the contract suite against the sources `factory` makes from the seeded spans. */
export function traceSourceContract(
  name: string,
  factory: (spans: readonly TraceSpan[]) => Promise<ContractFixture>,
  options: TraceSourceContractOptions,
): void {
  describe(`TraceSource contract: ${name}`, () => {
    const spans = contractSpans();
    const traces = groupTraces(spans);
    let fixture: ContractFixture;
    beforeAll(async () => {
      fixture = await factory(spans);
    });
    afterAll(() => fixture?.close());

    it('lists services and their operations, sorted', async () => {
      expect(await fixture.source.services()).toEqual([...new Set(spans.map(serviceOf))].sort());
      expect(await fixture.source.operations('checkout')).toEqual([
        'POST',
        'POST /checkout',
        'inventory.Reserve',
        'payments.Charge',
      ]);
      expect(await fixture.source.operations('no-such-service')).toEqual([]);
    });

    it('returns every span of a trace, ordered by start, and null for an unknown trace', async () => {
      for (const id of [testId(3, 32), testId(4, 32), testId(12, 32)]) {
        const expected = [...traces.get(id)!].sort((a, b) =>
          Number(a.startTimeUnixNano - b.startTimeUnixNano),
        );
        const actual = await fixture.source.getTrace(id);
        expect(actual?.map(project), id).toEqual(expected.map(project));
      }
      expect(await fixture.source.getTrace(testId(999, 32))).toBeNull();
    });

    it('answers every search like the brute-force oracle, with exact summaries', async () => {
      for (const query of CONTRACT_QUERIES) {
        const found = await fixture.source.findTraces(query);
        expect(
          found.map((s) => s.traceId),
          JSON.stringify(query),
        ).toEqual(bruteForceSearch(spans, query));
        for (const summary of found) {
          expect(summary).toEqual(
            summarizeTrace(summary.traceId, traces.get(summary.traceId)!.map(spanFacts)),
          );
        }
      }
    });

    it('draws the dependency graph of the range', async () => {
      const expected = dependencyGraph(
        [...traces.values()].map((t) => t.map(spanFacts)),
        WINDOW,
      );
      const actual = await fixture.source.dependencies(WINDOW);
      const instrumented = new Set(spans.map(serviceOf));
      const between = (edges: typeof actual.edges) => edges.filter((e) => instrumented.has(e.child));
      expect(between(actual.edges).map((e) => [e.parent, e.child, e.calls])).toEqual(
        between(expected.edges).map((e) => [e.parent, e.child, e.calls]),
      );
      for (const edge of between(actual.edges)) {
        const want = expected.edges.find((e) => e.parent === edge.parent && e.child === edge.child)!;
        expect(edge.ratePerSecond).toBeCloseTo(want.ratePerSecond, 9);
        if (options.dependencyDetails) expect(edge).toEqual(want);
        else expect([edge.errors, edge.p50Ms, edge.p99Ms]).toEqual([null, null, null]);
      }
      for (const service of instrumented) {
        const node = actual.nodes.find((n) => n.service === service);
        if (!between(expected.edges).some((e) => e.parent === service || e.child === service)) continue;
        expect(node, service).toBeDefined();
        if (options.dependencyDetails)
          expect(node).toEqual(expected.nodes.find((n) => n.service === service));
      }
    });
  });
}
