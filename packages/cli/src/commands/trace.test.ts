import { describe, expect, it } from 'vitest';
import { renderWaterfall, type WaterfallSpan } from './trace.js';

const span = (
  id: string,
  parent: string | undefined,
  service: string,
  start: number,
  ms: number,
  error = false,
) =>
  ({
    spanId: id,
    ...(parent === undefined ? {} : { parentSpanId: parent }),
    name: `op-${id}`,
    kind: 'server',
    service,
    startMs: start,
    durationMs: ms,
    status: { code: error ? 'error' : 'unset' },
  }) satisfies WaterfallSpan;

describe('opsloop trace waterfall', () => {
  it('indents children under parents in start order, places bars on the time line and marks errors', () => {
    const text = renderWaterfall(
      [
        span('c', 'a', 'payments', 50, 50, true),
        span('a', undefined, 'gateway', 0, 100),
        span('b', 'a', 'inventory', 10, 20),
      ],
      10,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('3 spans, 3 services, 100.0 ms');
    expect(lines[1]).toMatch(/^gateway: op-a\s+100\.0 ms {2}\|██████████\|$/);
    expect(lines[2]).toMatch(/^ {2}inventory: op-b\s+20\.0 ms {2}\| ██ {7}\|$/);
    expect(lines[3]).toMatch(/^ {2}payments: op-c ✗\s+50\.0 ms {2}\| {5}█████\|$/);
  });

  it('shows a span whose parent is missing as a root', () => {
    const text = renderWaterfall([span('x', 'missing', 'orders', 0, 5)]);
    expect(text).toContain('orders: op-x');
    expect(renderWaterfall([])).toBe('no spans\n');
  });
});
