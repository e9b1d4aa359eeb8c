/**
 * The EventBus contract: one suite, run against every adapter (embedded over HTTP, embedded in-process,
 * NATS JetStream). Waits are bounded polls; nothing asserts on durations.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BusError,
  MAX_EVENT_BYTES,
  PARTITION_COUNT,
  partitionOf,
  type Delivery,
  type EventBus,
  type EventEnvelope,
  type SubscribeOptions,
  type Subscription,
} from '../src/index.js';

/** What an adapter's test file provides to the contract suite. */
export interface EventBusHarness {
  /** A new client of the same broker or server (its own connection); consumer metrics on `registry`. */
  createBus(options?: { registry?: Registry }): Promise<EventBus>;
  /** Restarts the broker (embedded); a no-op where the server cannot be restarted (NATS: new clients only). */
  restart(): Promise<void>;
  /** The ack wait the ack-wait test uses (JetStream is not precise below ~1 s). */
  ackWaitMs: number;
  /** Removes what the suite created (NATS streams); called once at the end with every stream name used. */
  dispose(streams: readonly string[]): Promise<void>;
}

const WAIT_MS = 10_000;

/** Polls `condition` until it holds, for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A handler that runs `record` synchronously and resolves (acknowledges). */
export function recorder<T>(
  record: (delivery: Delivery<T>) => unknown,
): (delivery: Delivery<T>) => Promise<void> {
  return (delivery) => {
    record(delivery);
    return Promise.resolve();
  };
}

/** A promise with its resolve function, for handlers the test holds and releases. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** `count` keys that land in pairwise different partitions. */
export function keysInDistinctPartitions(count: number, prefix = 'key'): string[] {
  const keys: string[] = [];
  const used = new Set<number>();
  for (let i = 0; keys.length < count; i++) {
    const key = `${prefix}-${i}`;
    if (!used.has(partitionOf(key))) {
      used.add(partitionOf(key));
      keys.push(key);
    }
  }
  return keys;
}

function event<T>(key: string, data: T, headers?: Record<string, string>): EventEnvelope<T> {
  return {
    id: randomUUID(),
    type: 'test.happened.v1',
    key,
    time: new Date().toISOString(),
    data,
    ...(headers ? { headers } : {}),
  };
}

async function expectBusError(promise: Promise<unknown>, code: string): Promise<BusError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected a BusError ${code}`).toBeInstanceOf(BusError);
  expect((error as BusError).code).toBe(code);
  return error as BusError;
}

/** Registers the EventBus contract suite for one adapter. */
export function describeEventBusContract(name: string, factory: () => Promise<EventBusHarness>): void {
  describe(`EventBus contract: ${name}`, () => {
    let harness: EventBusHarness;
    const streams: string[] = [];
    let buses: EventBus[] = [];
    let subscriptions: Subscription[] = [];
    let gates: (() => void)[] = [];

    beforeAll(async () => {
      harness = await factory();
    });

    afterEach(async () => {
      for (const open of gates) open();
      await Promise.allSettled(subscriptions.map((subscription) => subscription.stop()));
      await Promise.allSettled(buses.map((bus) => bus.close()));
      buses = [];
      subscriptions = [];
      gates = [];
    });

    afterAll(async () => {
      if (harness) await harness.dispose(streams);
    });

    async function newBus(options?: { registry?: Registry }): Promise<EventBus> {
      const bus = await harness.createBus(options);
      buses.push(bus);
      return bus;
    }

    async function newStream(bus: EventBus): Promise<string> {
      const stream = `contract-${randomBytes(4).toString('hex')}`;
      streams.push(stream, `${stream}.dlq`);
      await bus.ensureStream(stream);
      return stream;
    }

    async function subscribe<T>(bus: EventBus, options: SubscribeOptions<T>): Promise<Subscription> {
      const subscription = await bus.subscribe(options);
      subscriptions.push(subscription);
      return subscription;
    }

    function held(): { promise: Promise<void>; open: () => void } {
      const g = gate();
      gates.push(g.open);
      return g;
    }

    it('ensureStream is idempotent; publish and subscribe need an existing stream', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      await bus.ensureStream(stream);
      await bus.ensureStream(`${stream}.dlq`);
      const missing = `missing-${randomBytes(4).toString('hex')}`;
      await expectBusError(bus.publish(missing, event('k', {})), 'stream-not-found');
      await expectBusError(
        bus.subscribe({ stream: missing, group: 'g', handler: async () => {} }),
        'stream-not-found',
      );
    });

    it('rejects invalid names, events and options with BusError codes', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      for (const bad of ['Orders', 'a'.repeat(64), 'a_b', '1abc', '', 'a.b', 'orders.dlq.dlq']) {
        await expectBusError(bus.ensureStream(bad), 'invalid-argument');
      }
      const handler = async () => {};
      await expectBusError(bus.subscribe({ stream, group: 'Bad Group', handler }), 'invalid-argument');
      await expectBusError(bus.subscribe({ stream, group: 'g', handler, maxDeliver: 0 }), 'invalid-argument');
      await expectBusError(bus.subscribe({ stream, group: 'g', handler, backoffMs: [] }), 'invalid-argument');
      await expectBusError(bus.subscribe({ stream, group: 'g', handler, ackWaitMs: -1 }), 'invalid-argument');

      const ok = event('k', { n: 1 });
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const invalidEvents: [string, unknown][] = [
        ['empty id', { ...ok, id: '' }],
        ['id of 129 characters', { ...ok, id: 'x'.repeat(129) }],
        ['id with a space', { ...ok, id: 'a b' }],
        ['empty type', { ...ok, type: '' }],
        ['empty key', { ...ok, key: '' }],
        ['time not RFC 3339', { ...ok, time: 'yesterday' }],
        ['BigInt data', { ...ok, data: 1n }],
        ['circular data', { ...ok, data: circular }],
        ['undefined data', { ...ok, data: undefined }],
        ['reserved header', { ...ok, headers: { 'nats-msg-id': 'x' } }],
        ['header with a newline', { ...ok, headers: { trace: 'a\nb' } }],
      ];
      for (const [what, bad] of invalidEvents) {
        const error = await expectBusError(bus.publish(stream, bad as EventEnvelope), 'invalid-event');
        expect(error.message, what).toMatch(/invalid event/);
      }
      await expectBusError(bus.publish(stream, event('k', 'x'.repeat(MAX_EVENT_BYTES))), 'event-too-large');
      // The limits themselves are accepted.
      await bus.publish(stream, { ...ok, id: 'i'.repeat(128) });
    });

    it('delivers every published event unchanged, in publish order, with increasing seqs', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const key = 'order-ü-42';
      const published = [
        event(
          key,
          { n: 1, nested: { list: [1, 'two', null] } },
          { traceparent: '00-abc-def-01', 'x-id': 'ä' },
        ),
        event(key, { n: 2 }),
        event(key, 'a string'),
      ];
      const seqs: number[] = [];
      for (const e of published) {
        const result = await bus.publish(stream, e);
        expect(result.duplicate).toBe(false);
        seqs.push(result.seq);
      }
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(3);

      const received: Delivery[] = [];
      await subscribe(bus, {
        stream,
        group: 'reader',
        handler: recorder((delivery) => received.push(delivery)),
      });
      await waitFor(() => received.length >= 3, '3 deliveries');
      expect(received.map((d) => d.event)).toEqual(published);
      expect(received.map((d) => d.seq)).toEqual(seqs);
      for (const delivery of received) {
        expect(delivery.stream).toBe(stream);
        expect(delivery.attempt).toBe(1);
        expect(delivery.partition).toBe(partitionOf(key));
        expect(delivery.partition).toBeLessThan(PARTITION_COUNT);
      }
    });

    it('stores an event id once within the dedupe window', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const first = event('k', { v: 1 });
      const a = await bus.publish(stream, first);
      const again = await bus.publish(stream, { ...first, data: { v: 'changed' } });
      expect(again).toEqual({ seq: a.seq, duplicate: true });
      const other = await bus.publish(stream, event('k', { v: 2 }));
      expect(other.duplicate).toBe(false);
      expect(other.seq).toBeGreaterThan(a.seq);

      const ids: string[] = [];
      await subscribe(bus, { stream, group: 'g', handler: recorder((d) => ids.push(d.event.id)) });
      // Same key: a stored duplicate would be delivered before the later event.
      await waitFor(() => ids.length >= 2, 'both events');
      expect(ids).toHaveLength(2);
      expect(ids[0]).toBe(first.id);
    });

    it('gives every group every event (independent cursors)', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const e = event(`key-${i % 5}`, { i });
        ids.add(e.id);
        await bus.publish(stream, e);
      }
      const seen = { billing: new Set<string>(), shipping: new Set<string>() };
      for (const group of ['billing', 'shipping'] as const) {
        await subscribe(bus, { stream, group, handler: recorder((d) => seen[group].add(d.event.id)) });
      }
      await waitFor(
        () => seen.billing.size === 20 && seen.shipping.size === 20,
        'both groups to see 20 events',
      );
      expect(seen.billing).toEqual(ids);
      expect(seen.shipping).toEqual(ids);
    });

    it('splits a group between competing consumers, one at a time per key, in publish order', async () => {
      const publisher = await newBus();
      const stream = await newStream(publisher);
      const keys = Array.from({ length: 12 }, (_, i) => `cart-${i}`);
      const inFlight = new Map<string, number>();
      let maxInFlightPerKey = 0;
      const handled: { consumer: string; key: string; n: number }[] = [];
      const handlerFor =
        (consumer: string) =>
        async (delivery: Delivery<{ n: number }>): Promise<void> => {
          const { key } = delivery.event;
          const now = (inFlight.get(key) ?? 0) + 1;
          inFlight.set(key, now);
          maxInFlightPerKey = Math.max(maxInFlightPerKey, now);
          await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(Math.random() * 6)));
          handled.push({ consumer, key, n: delivery.event.data.n });
          inFlight.set(key, now - 1);
        };
      for (const consumer of ['a', 'b']) {
        const bus = await newBus();
        await subscribe(bus, { stream, group: 'workers', handler: handlerFor(consumer) });
      }
      const total = 48;
      for (let n = 0; n < total; n++) await publisher.publish(stream, event(keys[n % keys.length]!, { n }));
      await waitFor(() => handled.length >= total, `${total} events handled`);
      expect(handled).toHaveLength(total);
      expect(maxInFlightPerKey).toBe(1);
      for (const key of keys) {
        const order = handled.filter((h) => h.key === key).map((h) => h.n);
        expect(order, `order of ${key}`).toEqual([...order].sort((x, y) => x - y));
      }
      expect(
        handled.some((h) => h.consumer === 'a'),
        'consumer a got work',
      ).toBe(true);
      expect(
        handled.some((h) => h.consumer === 'b'),
        'consumer b got work',
      ).toBe(true);
    });

    it('keeps other partitions moving while one key is blocked', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const [slow, fast] = keysInDistinctPartitions(2);
      const hold = held();
      const handled: string[] = [];
      await subscribe(bus, {
        stream,
        group: 'g',
        handler: async (delivery: Delivery<{ name: string }>) => {
          if (delivery.event.data.name === 'slow-1') await hold.promise;
          handled.push(delivery.event.data.name);
        },
      });
      await bus.publish(stream, event(slow!, { name: 'slow-1' }));
      await bus.publish(stream, event(slow!, { name: 'slow-2' }));
      for (let i = 1; i <= 3; i++) await bus.publish(stream, event(fast!, { name: `fast-${i}` }));
      await waitFor(() => handled.filter((name) => name.startsWith('fast')).length === 3, 'the other key');
      expect(handled).toEqual(['fast-1', 'fast-2', 'fast-3']);
      hold.open();
      await waitFor(() => handled.includes('slow-2'), 'the blocked key');
      expect(handled.slice(3)).toEqual(['slow-1', 'slow-2']);
    });

    it("reports a consumer's lag (the oldest unsettled event's age) and its settlements", async () => {
      const registry = new Registry();
      const bus = await newBus({ registry });
      const stream = await newStream(bus);
      const hold = held();
      let started = 0;
      let handled = 0;
      await subscribe(bus, {
        stream,
        group: 'lagging',
        handler: async () => {
          started++;
          await hold.promise;
          handled++;
        },
      });
      const sample = async (metric: string, labels: Record<string, string>) => {
        const values = (await registry.getSingleMetric(metric)?.get())?.values ?? [];
        const match = values.find((v) =>
          Object.entries({ stream, group: 'lagging', ...labels }).every(([k, x]) => v.labels[k] === x),
        );
        return match?.value;
      };
      // An event that happened two minutes ago (an outbox publishing late) is two minutes behind at once.
      await bus.publish(stream, { ...event('k', {}), time: new Date(Date.now() - 120_000).toISOString() });
      await waitFor(() => started === 1, 'the handler to start');
      expect(await sample('messaging_consumer_lag_seconds', {})).toBeGreaterThanOrEqual(119);
      hold.open();
      await waitFor(() => handled === 1, 'the handler to end');
      let acked: number | undefined;
      const deadline = Date.now() + WAIT_MS;
      while ((acked = await sample('messaging_consumer_deliveries_total', { outcome: 'ack' })) !== 1) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the settlement to be counted');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(acked).toBe(1);
      expect(await sample('messaging_consumer_lag_seconds', {})).toBe(0);
    });

    it('redelivers a failed event after its back-off, before the later events of its key', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const log: string[] = [];
      await subscribe(bus, {
        stream,
        group: 'g',
        backoffMs: [50, 100],
        handler: async (delivery: Delivery<{ name: string }>) => {
          await Promise.resolve(); // fail after an await, like a real handler
          const { name } = delivery.event.data;
          if (name === 'first' && delivery.attempt < 3) {
            log.push(`${name}#${delivery.attempt}:fail`);
            throw new Error(`failing attempt ${delivery.attempt}`);
          }
          log.push(`${name}#${delivery.attempt}:ok`);
        },
      });
      await bus.publish(stream, event('same-key', { name: 'first' }));
      await bus.publish(stream, event('same-key', { name: 'second' }));
      await waitFor(() => log.includes('second#1:ok'), 'the second event');
      expect(log).toEqual(['first#1:fail', 'first#2:fail', 'first#3:ok', 'second#1:ok']);
    });

    it('dead-letters after maxDeliver attempts, with dlq headers, and moves on', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const attempts: number[] = [];
      const handled: string[] = [];
      await subscribe(bus, {
        stream,
        group: 'payments',
        maxDeliver: 2,
        backoffMs: [50],
        handler: async (delivery: Delivery<{ name: string }>) => {
          await Promise.resolve();
          if (delivery.event.data.name === 'poison') {
            attempts.push(delivery.attempt);
            throw new Error('boom: card declined');
          }
          handled.push(delivery.event.data.name);
        },
      });
      const poison = event('acct-1', { name: 'poison' }, { traceparent: '00-1-2-01' });
      const { seq } = await bus.publish(stream, poison);
      await bus.publish(stream, event('acct-1', { name: 'next' }));
      await waitFor(() => handled.includes('next'), 'the event after the dead letter');
      expect(attempts).toEqual([1, 2]);

      const dead: Delivery[] = [];
      await subscribe(bus, {
        stream: `${stream}.dlq`,
        group: 'inspect',
        handler: recorder((d) => dead.push(d)),
      });
      await waitFor(() => dead.length >= 1, 'the dead letter');
      const letter = dead[0]!;
      expect(letter.stream).toBe(`${stream}.dlq`);
      expect(letter.event).toMatchObject({
        id: poison.id,
        type: poison.type,
        key: poison.key,
        data: poison.data,
      });
      expect(letter.event.headers).toMatchObject({
        traceparent: '00-1-2-01',
        'dlq-group': 'payments',
        'dlq-seq': String(seq),
        'dlq-attempts': '2',
      });
      expect(letter.event.headers?.['dlq-error']).toContain('boom: card declined');
    });

    it('redelivers after the ack wait when a consumer stops without acknowledging', async () => {
      const busA = await newBus();
      const stream = await newStream(busA);
      const hang = held();
      const seenByA: Delivery[] = [];
      const subscriptionA = await subscribe(busA, {
        stream,
        group: 'g',
        ackWaitMs: harness.ackWaitMs,
        handler: async (delivery) => {
          seenByA.push(delivery);
          await hang.promise;
        },
      });
      const { seq } = await busA.publish(stream, event('k', { v: 1 }));
      await waitFor(() => seenByA.length === 1, 'the first delivery');
      // A is gone as far as the bus is concerned: it stops fetching, its handler never finishes.
      const stoppingA = subscriptionA.stop();

      const busB = await newBus();
      const seenByB: Delivery[] = [];
      await subscribe(busB, {
        stream,
        group: 'g',
        ackWaitMs: harness.ackWaitMs,
        handler: recorder((delivery) => seenByB.push(delivery)),
      });
      await waitFor(() => seenByB.length >= 1, 'the redelivery to B');
      expect(seenByB[0]!.seq).toBe(seq);
      expect(seenByB[0]!.attempt).toBe(2);
      expect(seenByA).toHaveLength(1);
      hang.open();
      await stoppingA;
    });

    it('stop() waits for in-flight handlers and acknowledges them', async () => {
      const busA = await newBus();
      const stream = await newStream(busA);
      const hold = held();
      const seenByA: string[] = [];
      let finished = false;
      const subscriptionA = await subscribe(busA, {
        stream,
        group: 'g',
        handler: async (delivery: Delivery<{ name: string }>) => {
          seenByA.push(delivery.event.data.name);
          await hold.promise;
          finished = true;
        },
      });
      await busA.publish(stream, event('k', { name: 'one' }));
      await busA.publish(stream, event('k', { name: 'two' }));
      await waitFor(() => seenByA.length === 1, 'the first delivery');
      let stopped = false;
      const stopping = subscriptionA.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stopped).toBe(false);
      hold.open();
      await stopping;
      expect(finished).toBe(true);
      expect(seenByA).toEqual(['one']);

      const busB = await newBus();
      const seenByB: Delivery<{ name: string }>[] = [];
      await subscribe(busB, {
        stream,
        group: 'g',
        handler: recorder((delivery: Delivery<{ name: string }>) => seenByB.push(delivery)),
      });
      await waitFor(() => seenByB.length >= 1, 'the next event');
      // 'one' was acknowledged by the stopping consumer: the group goes on with 'two', first attempt.
      expect(seenByB.map((d) => [d.event.data.name, d.attempt])).toEqual([['two', 1]]);
    });

    it('keeps events, cursors and dedupe across a restart', async () => {
      let bus = await newBus();
      const stream = await newStream(bus);
      const [k1, k2] = keysInDistinctPartitions(2, 'restart');
      const before = [event(k1!, { n: 1 }), event(k1!, { n: 2 }), event(k2!, { n: 3 })];
      const seqs = [];
      for (const e of before) seqs.push((await bus.publish(stream, e)).seq);
      const seen: string[] = [];
      const subscription = await subscribe(bus, {
        stream,
        group: 'g1',
        handler: recorder((d) => seen.push(d.event.id)),
      });
      await waitFor(() => seen.length === 3, 'the first three events');
      await subscription.stop();
      await bus.close();

      await harness.restart();
      bus = await newBus();
      expect(await bus.publish(stream, before[0]!)).toEqual({ seq: seqs[0], duplicate: true });
      const after = [event(k1!, { n: 4 }), event(k2!, { n: 5 })];
      for (const e of after) await bus.publish(stream, e);

      const resumed: string[] = [];
      await subscribe(bus, { stream, group: 'g1', handler: recorder((d) => resumed.push(d.event.id)) });
      const fresh: string[] = [];
      await subscribe(bus, { stream, group: 'g2', handler: recorder((d) => fresh.push(d.event.id)) });
      await waitFor(() => resumed.length >= 2 && fresh.length >= 5, 'both groups after the restart');
      // Redeliveries of acknowledged events would come before the new ones of the same keys.
      expect(new Set(resumed)).toEqual(new Set(after.map((e) => e.id)));
      expect(resumed).toHaveLength(2);
      expect(new Set(fresh)).toEqual(new Set([...before, ...after].map((e) => e.id)));
    });

    it('round-trips a large event', async () => {
      const bus = await newBus();
      const stream = await newStream(bus);
      const big = event('big', { blob: 'x'.repeat(600 * 1024), unicode: 'ü€𝄞' });
      await bus.publish(stream, big);
      const received: EventEnvelope[] = [];
      await subscribe(bus, { stream, group: 'g', handler: recorder((d) => received.push(d.event)) });
      await waitFor(() => received.length === 1, 'the large event');
      expect(received[0]).toEqual(big);
    });
  });
}
