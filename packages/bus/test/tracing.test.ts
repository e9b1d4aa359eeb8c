import { mkdtemp, rm } from 'node:fs/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, createTestTracing, SpanKind, SpanStatusCode, trace, type TestTracing } from '@opsloop/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  createNatsEventBus,
  MAX_EVENT_BYTES,
  type Delivery,
  type EmbeddedBroker,
  type EventBus,
  type EventEnvelope,
} from '../src/index.js';
import { waitFor } from './contract.js';

let dir: string;
let broker: EmbeddedBroker;
let bus: EventBus;
let tracing: TestTracing;
let stream = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bus-tracing-'));
  broker = await createEmbeddedBroker({ dir });
  bus = createInProcessEventBus(broker, { pollWaitMs: 50 });
  tracing = createTestTracing('orders');
});
afterAll(async () => {
  await bus.close();
  await broker.close();
  await tracing.shutdown();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => tracing.reset());

const event = (id: string, extra: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id,
  type: 'order.placed.v1',
  key: 'o-1',
  time: '2030-01-01T00:00:00.000Z',
  data: { total: 1 },
  ...extra,
});

/** A new stream with a subscription recording what it got (and the span active in its handler). */
async function consume(fail = false) {
  const name = `orders-${++stream}`;
  await bus.ensureStream(name);
  const received: { delivery: Delivery; activeSpanId: string | undefined }[] = [];
  await bus.subscribe({
    stream: name,
    group: 'notifications',
    maxDeliver: 1,
    handler: (delivery) => {
      received.push({ delivery, activeSpanId: trace.getSpan(context.active())?.spanContext().spanId });
      return fail ? Promise.reject(new Error('cannot send email')) : Promise.resolve();
    },
  });
  return { name, received };
}

async function inSpan(fn: () => Promise<unknown>) {
  const parent = trace.getTracer('test').startSpan('POST /checkout');
  await context.with(trace.setSpan(context.active(), parent), fn);
  parent.end();
  return parent.spanContext();
}

describe('bus tracing (embedded broker)', () => {
  it('publish → consume is PRODUCER → CONSUMER in the publisher’s trace, the handler inside the consumer span', async () => {
    const { name, received } = await consume();
    const parent = await inSpan(() => bus.publish(name, event('e-1', { headers: { 'x-cause': 'c' } })));
    await waitFor(
      () => received.length === 1 && tracing.spansNamed(`process ${name}`).length === 1,
      'delivery',
    );
    const producer = tracing.spansNamed(`publish ${name}`)[0];
    const consumer = tracing.spansNamed(`process ${name}`)[0];
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(producer?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.spanContext().traceId).toBe(parent.traceId);
    expect(received[0]?.activeSpanId).toBe(consumer?.spanContext().spanId);
    expect(received[0]?.delivery.event.headers).toEqual({
      'x-cause': 'c',
      traceparent: `00-${parent.traceId}-${producer?.spanContext().spanId}-01`,
    });
    expect(producer?.attributes).toMatchObject({
      'messaging.system': 'opsloop',
      'messaging.destination.name': name,
      'messaging.operation.type': 'send',
      'messaging.message.id': 'e-1',
    });
    expect(consumer?.attributes).toMatchObject({
      'messaging.system': 'opsloop',
      'messaging.destination.name': name,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'notifications',
      'opsloop.bus.delivery.attempt': 1,
    });
  });

  it('keeps the trace an event already carries (an outbox row), publishing outside any span', async () => {
    const { name, received } = await consume();
    const recorded = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    await bus.publish(name, event('e-2', { headers: { traceparent: recorded } }));
    await waitFor(
      () => received.length === 1 && tracing.spansNamed(`process ${name}`).length === 1,
      'delivery',
    );
    const producer = tracing.spansNamed(`publish ${name}`)[0];
    expect(producer?.spanContext().traceId).toBe('a'.repeat(32));
    expect(producer?.parentSpanContext?.spanId).toBe('b'.repeat(16));
    expect(tracing.spansNamed(`process ${name}`)[0]?.parentSpanContext?.spanId).toBe(
      producer?.spanContext().spanId,
    );
  });

  it('outside any trace publishes the event unchanged and without a span; its consumer starts a trace', async () => {
    const { name, received } = await consume();
    await bus.publish(name, event('e-3'));
    await waitFor(
      () => received.length === 1 && tracing.spansNamed(`process ${name}`).length === 1,
      'delivery',
    );
    expect(received[0]?.delivery.event.headers).toBeUndefined();
    expect(tracing.spansNamed(`publish ${name}`)).toEqual([]);
    expect(tracing.spansNamed(`process ${name}`)[0]?.parentSpanContext).toBeUndefined();
  });

  it('marks the consumer span as an error when the handler throws', async () => {
    const { name, received } = await consume(true);
    await inSpan(() => bus.publish(name, event('e-4')));
    await waitFor(
      () => received.length === 1 && tracing.spansNamed(`process ${name}`).length === 1,
      'delivery',
    );
    const consumer = tracing.spansNamed(`process ${name}`)[0];
    expect(consumer?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'cannot send email' });
    expect(consumer?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('publishes an event that only fits without trace headers as it is, never failing it', async () => {
    const { name, received } = await consume();
    const base = JSON.stringify(event('e-5', { data: { blob: '' } })).length;
    const big = event('e-5', { data: { blob: 'x'.repeat(MAX_EVENT_BYTES - base - 10) } });
    await inSpan(() => bus.publish(name, big));
    await waitFor(() => received.length === 1, 'delivery');
    expect(received[0]?.delivery.event.headers).toBeUndefined();
  });
});

// Set (CI: nats://127.0.0.1:4222) to check the same parenting through JetStream message headers.
const natsUrl = process.env.OPSLOOP_TEST_NATS_URL ?? '';

describe.skipIf(natsUrl === '')('bus tracing (NATS JetStream)', () => {
  it('publish → consume is PRODUCER → CONSUMER of one trace', async () => {
    const nats = await createNatsEventBus({ servers: natsUrl, name: 'opsloop-bus-tracing' });
    const name = `tracing-${Date.now().toString(36)}`;
    try {
      await nats.ensureStream(name);
      const received: Delivery[] = [];
      await nats.subscribe({
        stream: name,
        group: 'notifications',
        handler: (delivery) => {
          received.push(delivery);
          return Promise.resolve();
        },
      });
      const parent = await inSpan(() => nats.publish(name, event('n-1')));
      await waitFor(() => tracing.spansNamed(`process ${name}`).length === 1, 'delivery');
      const producer = tracing.spansNamed(`publish ${name}`)[0];
      const consumer = tracing.spansNamed(`process ${name}`)[0];
      expect(producer?.attributes['messaging.system']).toBe('nats');
      expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
      expect(consumer?.spanContext().traceId).toBe(parent.traceId);
    } finally {
      await nats.close();
      const nc = await connect({ servers: natsUrl, timeout: 3_000 });
      const jsm = await jetstreamManager(nc);
      for (const stream of [name, `${name}_dlq`]) await jsm.streams.delete(stream).catch(() => false);
      await nc.drain();
    }
  });
});
