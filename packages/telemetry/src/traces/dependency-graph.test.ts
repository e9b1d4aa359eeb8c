import { describe, expect, it } from 'vitest';
import { dependencyGraph, nearestRank } from './dependency-graph.js';
import { spanFacts } from './span-facts.js';
import type { TraceSpan } from './span.js';
import { makeSpan, shopTrace, testId } from './testing/span-builder.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const facts = (spans: TraceSpan[]) => spans.map(spanFacts);

describe('dependencyGraph', () => {
  it('derives the shop graph from one hand-built trace', () => {
    const graph = dependencyGraph([facts(shopTrace({ n: 1, startMs: T0, paymentsMs: 20 }))], {
      start: T0 - 1000,
      end: T0 + 9000,
    });
    const edges = graph.edges.map((e) => [e.parent, e.child, e.calls, e.errors, e.p50Ms]);
    expect(edges).toEqual([
      ['checkout', 'inventory', 1, 0, 10], // CLIENT span duration (the call as checkout saw it)
      ['checkout', 'orders', 1, 0, 30],
      ['checkout', 'payments', 1, 0, 24],
      ['gateway', 'checkout', 1, 0, 78],
      ['orders', 'notifications', 1, 0, 12], // PRODUCER → CONSUMER: the consumer's span
      ['orders', 'postgresql', 1, 0, 5], // an uninstrumented database, named by db.system
    ]);
    expect(graph.edges.every((e) => e.ratePerSecond === 1 / 10)).toBe(true);
    expect(graph.nodes).toEqual([
      { service: 'checkout', spans: 4, errors: 0 },
      { service: 'gateway', spans: 2, errors: 0 },
      { service: 'inventory', spans: 1, errors: 0 },
      { service: 'notifications', spans: 1, errors: 0 },
      { service: 'orders', spans: 3, errors: 0 },
      { service: 'payments', spans: 1, errors: 0 },
      { service: 'postgresql', spans: 0, errors: 0 },
    ]);
  });

  it('counts errors and latency percentiles over many calls', () => {
    const traces = [];
    for (let i = 1; i <= 100; i++) {
      traces.push(
        facts(shopTrace({ n: i, startMs: T0 + i * 100, paymentsMs: i, paymentsFails: i % 10 === 0 })),
      );
    }
    const graph = dependencyGraph(traces, { start: T0, end: T0 + 20_000 });
    const payments = graph.edges.find((e) => e.child === 'payments')!;
    expect(payments.calls).toBe(100);
    expect(payments.errors).toBe(10);
    expect(payments.p50Ms).toBe(54); // client span = paymentsMs + 4; 50th of 5..104
    expect(payments.p99Ms).toBe(103);
    const gateway = graph.edges.find((e) => e.parent === 'gateway')!;
    expect(gateway.errors).toBe(10);
    expect(graph.edges.find((e) => e.child === 'orders')!.calls).toBe(90);
    expect(graph.nodes.find((n) => n.service === 'payments')).toEqual({
      service: 'payments',
      spans: 100,
      errors: 10,
    });
  });

  it('only counts calls that started in the range', () => {
    const traces = [
      facts(shopTrace({ n: 1, startMs: T0 })),
      facts(shopTrace({ n: 2, startMs: T0 + 60_000 })),
    ];
    const graph = dependencyGraph(traces, { start: T0 + 30_000, end: T0 + 90_000 });
    expect(graph.edges.find((e) => e.parent === 'gateway')!.calls).toBe(1);
  });

  it('uses peer.service for a CLIENT span nobody answered, and ignores same-service parentage', () => {
    const traceId = testId(7, 32);
    const spans = [
      makeSpan({
        traceId,
        spanId: testId(1, 16),
        service: 'payments',
        name: 'charge',
        kind: 'server',
        startMs: T0,
        durationMs: 50,
      }),
      makeSpan({
        traceId,
        spanId: testId(2, 16),
        parentSpanId: testId(1, 16),
        service: 'payments',
        name: 'work',
        startMs: T0 + 1,
        durationMs: 40,
      }),
      makeSpan({
        traceId,
        spanId: testId(3, 16),
        parentSpanId: testId(2, 16),
        service: 'payments',
        name: 'POST',
        kind: 'client',
        startMs: T0 + 2,
        durationMs: 30,
        error: true,
        attributes: { 'peer.service': 'stripe', 'server.address': 'api.stripe.com' },
      }),
    ];
    const graph = dependencyGraph([facts(spans)], { start: T0, end: T0 + 1000 });
    expect(graph.edges).toEqual([
      { parent: 'payments', child: 'stripe', calls: 1, errors: 1, p50Ms: 30, p99Ms: 30, ratePerSecond: 1 },
    ]);
  });

  it('nearestRank picks the ceil(q·n)-th smallest value', () => {
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0.99)).toBe(4);
    expect(nearestRank([7], 0.01)).toBe(7);
  });
});
