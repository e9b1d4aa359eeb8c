import { describe, expect, it } from 'vitest';
import { BusError } from './bus-error.js';
import {
  MAX_EVENT_BYTES,
  assertGroupName,
  assertStreamName,
  backoffDelay,
  encodeEvent,
  resolveSubscribeOptions,
} from './validation.js';

const event = {
  id: 'e-1',
  type: 'order.placed.v1',
  key: 'o-1',
  time: '2025-01-31T12:00:00.000Z',
  data: { a: 1 },
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof BusError ? error.code : 'not a BusError';
  }
}

describe('validation', () => {
  it('accepts stream names with an optional .dlq suffix and plain group names', () => {
    for (const ok of ['a', 'orders', 'orders.dlq', `a${'b'.repeat(62)}`])
      expect(codeOf(() => assertStreamName(ok))).toBe(undefined);
    for (const bad of ['', 'A', '1a', 'a_b', 'a.b', '.dlq', 'a.dlq.dlq', `a${'b'.repeat(63)}`, 42])
      expect(
        codeOf(() => assertStreamName(bad)),
        String(bad),
      ).toBe('invalid-argument');
    expect(codeOf(() => assertGroupName('orders.dlq'))).toBe('invalid-argument');
    expect(codeOf(() => assertGroupName('billing-2'))).toBe(undefined);
  });

  it('encodes the envelope exactly as JSON.stringify would, keeping only known fields', () => {
    const withExtra = { ...event, headers: { traceparent: 't' }, extra: 'dropped' };
    const encoded = encodeEvent(withExtra);
    expect(JSON.parse(encoded.json)).toEqual({ ...event, headers: { traceparent: 't' } });
    expect(encoded.json).toBe(JSON.stringify({ ...event, headers: { traceparent: 't' } }));
    expect(encoded.dataJson).toBe('{"a":1}');
    expect(encoded.bytes).toBe(Buffer.byteLength(encoded.json));
    expect(encoded.envelope).not.toHaveProperty('extra');
  });

  it('measures the size in UTF-8 bytes and allows exactly 1 MiB', () => {
    const overhead = encodeEvent({ ...event, data: '' }).bytes;
    const fits = 'x'.repeat(MAX_EVENT_BYTES - overhead);
    expect(encodeEvent({ ...event, data: fits }).bytes).toBe(MAX_EVENT_BYTES);
    expect(codeOf(() => encodeEvent({ ...event, data: `${fits}x` }))).toBe('event-too-large');
    // 'é' is 2 bytes in UTF-8.
    expect(codeOf(() => encodeEvent({ ...event, data: 'é'.repeat(MAX_EVENT_BYTES / 2) }))).toBe(
      'event-too-large',
    );
  });

  it('names the bad field of an invalid event', () => {
    expect(() => encodeEvent({ ...event, time: '2025-13-45' })).toThrow(/time/);
    expect(() => encodeEvent({ ...event, key: ' padded' })).toThrow(/key/);
    expect(() => encodeEvent({ ...event, headers: { 'Opsloop-Event-Id': 'x' } })).toThrow(/reserved/);
    expect(() => encodeEvent({ ...event, headers: { 'bad name': 'x' } })).toThrow(/token/);
    expect(() => encodeEvent({ ...event, headers: { h: 1 } })).toThrow(/header h/);
    expect(() => encodeEvent(null)).toThrow(/object/);
  });

  it('applies subscribe defaults and computes back-off delays (the last one repeats)', () => {
    const resolved = resolveSubscribeOptions({ stream: 's', group: 'g', handler: () => Promise.resolve() });
    expect(resolved).toMatchObject({ maxDeliver: 5, backoffMs: [1000, 5000, 30000], ackWaitMs: 30000 });
    expect([1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, [1000, 5000, 30000]))).toEqual([
      1000, 5000, 30000, 30000, 30000,
    ]);
    expect(
      codeOf(() =>
        resolveSubscribeOptions({
          stream: 's',
          group: 'g',
          handler: () => Promise.resolve(),
          backoffMs: [1.5],
        }),
      ),
    ).toBe('invalid-argument');
  });
});
