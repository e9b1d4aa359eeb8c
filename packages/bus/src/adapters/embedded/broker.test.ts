import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BusError } from '../../bus-error.js';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import type { Delivery, EventEnvelope } from '../../event-bus.js';
import { partitionOf } from '../../partition.js';
import { createEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';

const STREAM = 'orders';
const KEY_A = 'a';
const KEY_B = ['b', 'c', 'd', 'e', 'f', 'g', 'h'].find((k) => partitionOf(k) !== partitionOf(KEY_A))!;

let seq = 0;
function ev(key: string, data: unknown = {}): EventEnvelope {
  seq += 1;
  return { id: `event-${seq}`, type: 'test.v1', key, time: '2025-01-31T12:00:00.000Z', data };
}

function token(delivery: Delivery, group = 'g', consumer?: string) {
  return {
    stream: delivery.stream,
    group,
    partition: delivery.partition,
    seq: delivery.seq,
    attempt: delivery.attempt,
    ...(consumer === undefined ? {} : { consumer }),
  };
}

function fetchOptions(overrides: Partial<Parameters<EmbeddedBroker['fetch']>[0]> = {}) {
  return { stream: STREAM, group: 'g', consumer: 'c1', waitMs: 0, ackWaitMs: 1_000, ...overrides };
}

describe('embedded broker (manual clock)', () => {
  let dir: string;
  let clock: ManualClock;
  let broker: EmbeddedBroker;
  const open = async (options: Partial<EmbeddedBrokerOptions> = {}) =>
    createEmbeddedBroker({ dir, clock, ...options });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsloop-broker-'));
    clock = createManualClock(1_700_000_000_000);
    broker = await open();
    await broker.ensureStream(STREAM);
  });

  afterEach(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('leases one delivery per group and partition; each group has its own cursor', async () => {
    const a1 = ev(KEY_A);
    await broker.publish(STREAM, a1);
    await broker.publish(STREAM, ev(KEY_A));
    const b1 = ev(KEY_B);
    await broker.publish(STREAM, b1);

    const first = await broker.fetch(fetchOptions());
    expect(first.map((d) => [d.event.id, d.attempt])).toEqual(
      expect.arrayContaining([
        [a1.id, 1],
        [b1.id, 1],
      ]),
    );
    expect(first).toHaveLength(2);
    expect(await broker.fetch(fetchOptions({ consumer: 'c2' }))).toEqual([]);
    const other = await broker.fetch(fetchOptions({ group: 'other' }));
    expect(other.map((d) => d.event.id).sort()).toEqual([a1.id, b1.id].sort());
  });

  it('moves a partition on at the ack and refuses stale acks and naks', async () => {
    await broker.publish(STREAM, ev(KEY_A));
    const a2 = ev(KEY_A);
    await broker.publish(STREAM, a2);
    const [d1] = await broker.fetch(fetchOptions());
    expect(await broker.ack(token(d1!))).toBe(true);
    expect(await broker.ack(token(d1!))).toBe(false);
    expect(await broker.nak({ ...token(d1!), delayMs: 0 })).toBe(false);
    const [d2] = await broker.fetch(fetchOptions());
    expect(d2!.event.id).toBe(a2.id);
    expect(d2!.attempt).toBe(1);
    expect(broker.stats()).toMatchObject({ acks: 1, staleSettlements: 2, deliveries: 2 });
  });

  it('redelivers after the ack wait with the next attempt; the old lease is then stale', async () => {
    await broker.publish(STREAM, ev(KEY_A));
    const [first] = await broker.fetch(fetchOptions({ ackWaitMs: 1_000 }));
    clock.advance(999);
    expect(await broker.fetch(fetchOptions())).toEqual([]);
    clock.advance(1);
    const [second] = await broker.fetch(fetchOptions());
    expect(second).toMatchObject({ seq: first!.seq, attempt: 2 });
    expect(await broker.ack(token(first!))).toBe(false);
    expect(await broker.ack(token(second!))).toBe(true);
  });

  it('accepts the ack of an expired lease that was not redelivered yet', async () => {
    await broker.publish(STREAM, ev(KEY_A));
    const [first] = await broker.fetch(fetchOptions({ ackWaitMs: 1_000 }));
    clock.advance(5_000);
    expect(await broker.ack(token(first!))).toBe(true);
    expect(await broker.fetch(fetchOptions())).toEqual([]);
  });

  it('holds a nakked delivery back for its delay', async () => {
    await broker.publish(STREAM, ev(KEY_A));
    const [first] = await broker.fetch(fetchOptions());
    expect(await broker.nak({ ...token(first!), delayMs: 500 })).toBe(true);
    clock.advance(499);
    expect(await broker.fetch(fetchOptions())).toEqual([]);
    clock.advance(1);
    const [again] = await broker.fetch(fetchOptions());
    expect(again).toMatchObject({ seq: first!.seq, attempt: 2 });
  });

  it('answers a long-poll on publish, on a lease expiry, on a nak delay, or empty at its timeout', async () => {
    const waiting = broker.fetch(fetchOptions({ waitMs: 5_000 }));
    expect(broker.stats().waiting).toBe(1);
    const published = ev(KEY_A);
    await broker.publish(STREAM, published);
    const [delivered] = await waiting;
    expect(delivered!.event.id).toBe(published.id);

    const afterExpiry = broker.fetch(fetchOptions({ consumer: 'c2', waitMs: 5_000 }));
    clock.advance(1_000);
    expect((await afterExpiry).map((d) => d.attempt)).toEqual([2]);

    const [current] = await broker.fetch(fetchOptions({ waitMs: 0 })).then(async (none) => {
      expect(none).toEqual([]);
      clock.advance(1_000);
      return broker.fetch(fetchOptions());
    });
    expect(current!.attempt).toBe(3);
    await broker.nak({ ...token(current!), delayMs: 2_000 });
    const afterDelay = broker.fetch(fetchOptions({ waitMs: 5_000 }));
    clock.advance(2_000);
    expect((await afterDelay).map((d) => d.attempt)).toEqual([4]);

    const timingOut = broker.fetch(fetchOptions({ group: 'idle', partitions: [], waitMs: 100 }));
    clock.advance(100);
    expect(await timingOut).toEqual([]);
    expect(broker.stats().waiting).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it("adds a partition the consumer acks to that consumer's waiting long-poll", async () => {
    await broker.publish(STREAM, ev(KEY_A));
    const a2 = ev(KEY_A);
    await broker.publish(STREAM, a2);
    const [a1] = await broker.fetch(fetchOptions());
    // The consumer is busy with KEY_A's partition, so it polls only KEY_B's.
    const waiting = broker.fetch(fetchOptions({ partitions: [partitionOf(KEY_B)], waitMs: 5_000 }));
    await broker.ack(token(a1!, 'g', 'c1'));
    expect((await waiting).map((d) => d.event.id)).toEqual([a2.id]);
  });

  it("keeps an ack's partition for the consumer's next long-poll when none is waiting", async () => {
    await broker.publish(STREAM, ev(KEY_A));
    const a2 = ev(KEY_A);
    await broker.publish(STREAM, a2);
    const [a1] = await broker.fetch(fetchOptions());
    await broker.ack(token(a1!, 'g', 'c1'));
    const next = await broker.fetch(fetchOptions({ partitions: [] }));
    expect(next.map((d) => d.event.id)).toEqual([a2.id]);
  });

  it("cancelFetch ends the consumer's long-poll and its later fetches", async () => {
    const waiting = broker.fetch(fetchOptions({ waitMs: 5_000 }));
    await broker.cancelFetch(STREAM, 'g', 'c1');
    expect(await waiting).toEqual([]);
    await broker.publish(STREAM, ev(KEY_A));
    expect(await broker.fetch(fetchOptions({ waitMs: 5_000 }))).toEqual([]);
    expect(await broker.fetch(fetchOptions({ consumer: 'c2' }))).toHaveLength(1);
  });

  it('an aborted long-poll leases nothing', async () => {
    const abort = new AbortController();
    const waiting = broker.fetch(fetchOptions({ waitMs: 5_000 }), abort.signal);
    abort.abort();
    expect(await waiting).toEqual([]);
    await broker.publish(STREAM, ev(KEY_A));
    expect(await broker.fetch(fetchOptions({ consumer: 'c2' }))).toHaveLength(1);
  });

  it('recovers cursors, attempt counts, leases and dedupe after a restart', async () => {
    const a1 = ev(KEY_A);
    const { seq: firstSeq } = await broker.publish(STREAM, a1);
    const a2 = ev(KEY_A);
    await broker.publish(STREAM, a2);
    const [attempt1] = await broker.fetch(fetchOptions({ ackWaitMs: 1_000 }));
    await broker.nak({ ...token(attempt1!), delayMs: 0 });
    const [attempt2] = await broker.fetch(fetchOptions({ ackWaitMs: 1_000 }));
    expect(attempt2!.attempt).toBe(2);

    await broker.close();
    broker = await open();
    expect(await broker.fetch(fetchOptions())).toEqual([]); // still leased
    clock.advance(1_000);
    const [attempt3] = await broker.fetch(fetchOptions());
    expect(attempt3).toMatchObject({ seq: firstSeq, attempt: 3 });
    expect(await broker.publish(STREAM, a1)).toEqual({ seq: firstSeq, duplicate: true });
    expect(await broker.ack(token(attempt3!))).toBe(true);

    await broker.close();
    broker = await open();
    const [next] = await broker.fetch(fetchOptions());
    expect(next).toMatchObject({ attempt: 1 });
    expect(next!.event).toEqual(a2);
    expect(await broker.streamInfo(STREAM)).toEqual({ stream: STREAM, partitions: 8, lastSeq: 2 });
  });

  it('forgets event ids after the dedupe window', async () => {
    await broker.close();
    broker = await open({ dedupeWindowMs: 1_000 });
    const event = ev(KEY_A);
    const first = await broker.publish(STREAM, event);
    clock.advance(999);
    expect(await broker.publish(STREAM, event)).toEqual({ seq: first.seq, duplicate: true });
    clock.advance(2);
    expect(await broker.publish(STREAM, event)).toEqual({ seq: first.seq + 1, duplicate: false });
  });

  it('dedupes by an explicit dedupe id (dead-letter writes) independently of the event id', async () => {
    const event = ev(KEY_A);
    const a = await broker.publish(STREAM, event, { dedupeId: 'dlq:g1:7' });
    const b = await broker.publish(STREAM, event, { dedupeId: 'dlq:g2:7' });
    const c = await broker.publish(STREAM, event, { dedupeId: 'dlq:g1:7' });
    expect([a.duplicate, b.duplicate, c.duplicate]).toEqual([false, false, true]);
    expect(c.seq).toBe(a.seq);
    await broker.close();
    broker = await open();
    expect(await broker.publish(STREAM, event, { dedupeId: 'dlq:g2:7' })).toEqual({
      seq: b.seq,
      duplicate: true,
    });
  });

  it('group-commits concurrent publishes (fewer fsyncs than events)', async () => {
    const before = broker.stats().logFsyncs;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => broker.publish(STREAM, ev(`k${i}`))),
    );
    expect(new Set(results.map((r) => r.seq)).size).toBe(50);
    const fsyncs = broker.stats().logFsyncs - before;
    expect(fsyncs).toBeGreaterThan(0);
    expect(fsyncs).toBeLessThan(50);
  });

  it('refuses a second broker on the same directory while the first is open', async () => {
    await expect(open()).rejects.toBeInstanceOf(BusError);
  });

  it('validates its inputs', async () => {
    await expect(broker.fetch(fetchOptions({ partitions: [8] }))).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(broker.fetch(fetchOptions({ waitMs: 60_001 }))).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(broker.fetch(fetchOptions({ stream: 'missing' }))).rejects.toMatchObject({
      code: 'stream-not-found',
    });
    await expect(
      broker.ack({ stream: STREAM, group: 'g', partition: 0, seq: 0, attempt: 1 }),
    ).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(broker.publish(STREAM, ev(KEY_A), { dedupeId: 'with space' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await broker.close();
    await expect(broker.publish(STREAM, ev(KEY_A))).rejects.toMatchObject({ code: 'closed' });
  });
});
