import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceDependencyCall } from './dependency-call.js';
import { createTestTracing, type TestTracing } from './test-tracing.js';

let tracing: TestTracing;
beforeAll(() => {
  tracing = createTestTracing('payments');
});
afterAll(() => tracing.shutdown());

const inTrace = <T>(fn: () => Promise<T>) =>
  trace.getTracer('test').startActiveSpan('request', async (root) => {
    try {
      return await fn();
    } finally {
      root.end();
    }
  });

describe('traceDependencyCall', () => {
  it('wraps a call to an untraced dependency in a CLIENT span naming it, failed when the call throws', async () => {
    tracing.reset();
    expect(
      await inTrace(() => traceDependencyCall('card-provider', 'authorize', () => Promise.resolve(7))),
    ).toBe(7);
    await expect(
      inTrace(() => traceDependencyCall('card-provider', 'capture', () => Promise.reject(new Error('down')))),
    ).rejects.toThrow('down');
    const [ok] = tracing.spansNamed('authorize');
    const [failed] = tracing.spansNamed('capture');
    expect(ok?.kind).toBe(SpanKind.CLIENT);
    expect(ok?.attributes['peer.service']).toBe('card-provider');
    expect(ok?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'down' });
    const root = tracing.spansNamed('request')[0]!;
    expect(ok?.parentSpanContext?.spanId ?? (ok as unknown as { parentSpanId?: string }).parentSpanId).toBe(
      root.spanContext().spanId,
    );
  });

  it('makes no span outside a trace', async () => {
    tracing.reset();
    expect(await traceDependencyCall('card-provider', 'void', () => Promise.resolve('done'))).toBe('done');
    expect(tracing.spans()).toEqual([]);
  });
});
