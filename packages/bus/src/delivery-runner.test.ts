import { describe, expect, it, vi } from 'vitest';
import { runDelivery } from './delivery-runner.js';
import type { Delivery } from './event-bus.js';
import { resolveSubscribeOptions } from './validation.js';

function delivery(attempt: number, stream = 'orders'): Delivery {
  return {
    stream,
    seq: 7,
    partition: 3,
    attempt,
    event: {
      id: 'e-7',
      type: 't.v1',
      key: 'k',
      time: '2025-01-31T12:00:00.000Z',
      data: {},
      headers: { traceparent: 'x' },
    },
  };
}

const failing = () => Promise.reject(new TypeError('bad\r\ninput'));

describe('runDelivery', () => {
  const options = (handler: () => Promise<void>, stream = 'orders') =>
    resolveSubscribeOptions({ stream, group: 'g', handler, maxDeliver: 3, backoffMs: [10, 20] });

  it('acks when the handler resolves', async () => {
    expect(
      await runDelivery(
        delivery(1),
        options(() => Promise.resolve()),
      ),
    ).toEqual({ kind: 'ack' });
  });

  it('naks with the back-off of the attempt, then dead-letters at maxDeliver', async () => {
    expect(await runDelivery(delivery(1), options(failing))).toMatchObject({ kind: 'nak', delayMs: 10 });
    expect(await runDelivery(delivery(2), options(failing))).toMatchObject({ kind: 'nak', delayMs: 20 });
    const dead = await runDelivery(delivery(3), options(failing));
    expect(dead).toMatchObject({ kind: 'dead-letter', dedupeId: 'dlq:g:7', error: 'TypeError: bad input' });
    expect(dead.kind === 'dead-letter' && dead.event.headers).toEqual({
      traceparent: 'x',
      'dlq-group': 'g',
      'dlq-error': 'TypeError: bad input',
      'dlq-seq': '7',
      'dlq-attempts': '3',
    });
  });

  it('dead-letters a delivery beyond maxDeliver without calling the handler', async () => {
    const handler = vi.fn(() => Promise.resolve());
    const result = await runDelivery(delivery(4), options(handler));
    expect(result).toMatchObject({ kind: 'dead-letter' });
    expect(result.kind === 'dead-letter' && result.error).toMatch(/no acknowledgement after 3 deliveries/);
    expect(handler).not.toHaveBeenCalled();
  });

  it('never dead-letters from a dead-letter stream: it keeps retrying with the last delay', async () => {
    expect(await runDelivery(delivery(3, 'orders.dlq'), options(failing, 'orders.dlq'))).toMatchObject({
      kind: 'nak',
      delayMs: 20,
    });
    const handler = vi.fn(() => Promise.resolve());
    expect(await runDelivery(delivery(9, 'orders.dlq'), options(handler, 'orders.dlq'))).toEqual({
      kind: 'ack',
    });
  });

  it('treats a handler that throws synchronously like one that rejects', async () => {
    const throwing = () => {
      throw new Error('sync');
    };
    expect(await runDelivery(delivery(1), options(throwing))).toMatchObject({
      kind: 'nak',
      error: 'Error: sync',
    });
  });
});
