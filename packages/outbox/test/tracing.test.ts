import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type Delivery,
  type EmbeddedBroker,
  type EventBus,
  type EventEnvelope,
} from '@opsloop/bus';
import {
  context,
  createManualClock,
  createTestTracing,
  SpanKind,
  trace,
  type TestTracing,
} from '@opsloop/kit';
import { createPgliteDatabase, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay, enqueue, outboxMigrations, type OutboxTables } from '../src/index.js';

let dir: string;
let broker: EmbeddedBroker;
let bus: EventBus;
let database: Database<OutboxTables>;
let tracing: TestTracing;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outbox-tracing-'));
  broker = await createEmbeddedBroker({ dir });
  bus = createInProcessEventBus(broker, { pollWaitMs: 50 });
  database = await createPgliteDatabase<OutboxTables>({ dataDir: PGLITE_MEMORY, schema: 'shop' });
  await database.migrate(outboxMigrations);
  tracing = createTestTracing('orders');
}, 60_000);
afterAll(async () => {
  await bus.close();
  await broker.close();
  await database.close();
  await tracing.shutdown();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await database.db.deleteFrom('outbox').execute();
  tracing.reset();
});

const event = (headers?: Record<string, string>): EventEnvelope => ({
  id: randomUUID(),
  type: 'order.placed.v1',
  key: 'o-1',
  time: new Date().toISOString(),
  data: { total: 1 },
  ...(headers === undefined ? {} : { headers }),
});

async function inSpan(fn: () => Promise<unknown>) {
  const parent = trace.getTracer('test').startSpan('POST /checkout');
  await context.with(trace.setSpan(context.active(), parent), fn);
  parent.end();
  return parent.spanContext();
}

const storedHeaders = async () =>
  (await database.db.selectFrom('outbox').select('headers').orderBy('seq').execute()).map((r) => r.headers);

describe('outbox tracing', () => {
  it('stores the trace context active at enqueue time in the event headers', async () => {
    const parent = await inSpan(() =>
      database.transaction((trx) => enqueue(trx, 'orders', event({ 'x-cause': 'c' }))),
    );
    const [headers] = await storedHeaders();
    expect(headers?.['x-cause']).toBe('c');
    // The active span at enqueue time is the request's (the insert's own span is not active around it).
    expect(headers?.traceparent).toBe(`00-${parent.traceId}-${parent.spanId}-01`);
  });

  it('stores no trace outside a span, and keeps a traceparent the event names itself', async () => {
    const own = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    await database.transaction((trx) => enqueue(trx, 'orders', event()));
    await inSpan(() => database.transaction((trx) => enqueue(trx, 'orders', event({ traceparent: own }))));
    expect(await storedHeaders()).toEqual([null, { traceparent: own }]);
  });

  it('the relay publishes later, outside the request, and the consumer still joins the request’s trace', async () => {
    await bus.ensureStream('placed');
    const received: Delivery[] = [];
    const subscription = await bus.subscribe({
      stream: 'placed',
      group: 'notifications',
      handler: (delivery) => {
        received.push(delivery);
        return Promise.resolve();
      },
    });
    const parent = await inSpan(() => database.transaction((trx) => enqueue(trx, 'placed', event())));
    const relay = createOutboxRelay({ database, bus });
    await context.with(trace.deleteSpan(context.active()), () => relay.flush());
    const deadline = Date.now() + 10_000;
    while (tracing.spansNamed('process placed').length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await subscription.stop();
    const producer = tracing.spansNamed('publish placed')[0];
    const consumer = tracing.spansNamed('process placed')[0];
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(producer?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.spanContext().traceId).toBe(parent.traceId);
    expect(received).toHaveLength(1);
  });

  it('a relay woken from inside a request polls outside its trace', async () => {
    const clock = createManualClock(0);
    const relay = createOutboxRelay({ database, bus, clock });
    relay.start();
    await inSpan(async () => {
      relay.notify();
      clock.advance(0);
      await relay.stop();
    });
    // Only the test's own span: the relay's queries were not made in the request's trace.
    expect(tracing.spans().map((span) => span.name)).toEqual(['POST /checkout']);
  });
});
