import { describe, expect, it } from 'vitest';
import { parseTraceparent, traceContextFor } from './trace-context.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('trace context', () => {
  it('continues a valid trace with a new span id, keeping the flags and tracestate', () => {
    const context = traceContextFor(VALID, 'vendor=a');
    expect(context.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe('00f067aa0ba902b7');
    expect(context.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${context.spanId}-01`);
    expect(context.tracestate).toBe('vendor=a');
  });

  it('starts a sampled trace without one, and drops a tracestate that came without a valid parent', () => {
    const a = traceContextFor(undefined, 'vendor=a');
    const b = traceContextFor(undefined, undefined);
    expect(a.traceparent).toMatch(TRACEPARENT);
    expect(a.traceparent.endsWith('-01')).toBe(true);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.tracestate).toBeUndefined();
  });

  it.each([
    ['', false],
    [VALID, true],
    [VALID.toUpperCase(), false],
    ['ff' + VALID.slice(2), false],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', false],
    [VALID + '-extra', false],
    ['01' + VALID.slice(2) + '-future', true],
    ['01' + VALID.slice(2) + 'x', false],
    ['00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01', false],
  ])('parses %j: %s', (value, ok) => {
    expect(parseTraceparent(value) !== undefined).toBe(ok);
  });

  it('ignores a repeated traceparent header', () => {
    expect(traceContextFor([VALID, VALID], undefined).traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
