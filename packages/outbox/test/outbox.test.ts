/**
 * The outbox and the inbox on PGlite and (when OPSLOOP_TEST_POSTGRES_URL is set) PostgreSQL, with the bus's
 * embedded broker in-process. Waits are bounded polls; nothing asserts on durations.
 */
import { randomBytes, randomUUID } from 'node:crypto';
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
  type Subscription,
} from '@opsloop/bus';
import { createManualClock } from '@opsloop/kit';
import {
  createPgliteDatabase,
  createPgliteTemplate,
  createPostgresDatabase,
  PGLITE_MEMORY,
  type Database,
  type Migration,
  type PgliteTemplate,
} from '@opsloop/store';
import { sql, type Transaction } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createInboxHandler,
  createOutboxRelay,
  enqueue,
  handleOnce,
  outboxMigrations,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxTables,
} from '../src/index.js';

interface ShopTables extends OutboxTables {
  item: { id: string; qty: number };
  applied: { event_id: string; key: string; n: number };
  counter: { id: string; n: number };
}
type ShopDatabase = Database<ShopTables>;

const migrations: Record<string, Migration> = {
  ...outboxMigrations,
  '0001_shop': {
    async up(db) {
      await sql`create table item (id text primary key, qty integer not null)`.execute(db);
      await sql`create table applied (event_id text not null, key text not null, n integer not null)`.execute(
        db,
      );
      await sql`create table counter (id text primary key, n integer not null)`.execute(db);
    },
  },
};

const WAIT_MS = 15_000;

/** Polls `condition` until it holds, for at most `timeoutMs`. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function event(key: string, n: number, headers?: Record<string, string>): EventEnvelope<{ n: number }> {
  return {
    id: randomUUID(),
    type: 'test.happened.v1',
    key,
    time: new Date().toISOString(),
    data: { n },
    ...(headers === undefined ? {} : { headers }),
  };
}

/** A bus that delegates to `inner` but lets the test fail publish number n (1-based), before or after storing. */
function faultyBus(
  inner: EventBus,
  fault: (call: number) => 'before' | 'after' | undefined,
): EventBus & { calls: () => number } {
  let calls = 0;
  return {
    ensureStream: (stream) => inner.ensureStream(stream),
    async publish(stream, envelope) {
      const mode = fault(++calls);
      if (mode === 'before') throw new Error(`injected failure before publish #${calls}`);
      const result = await inner.publish(stream, envelope);
      if (mode === 'after') throw new Error(`injected crash after publish #${calls}`);
      return result;
    },
    subscribe: (options) => inner.subscribe(options),
    close: () => inner.close(),
    calls: () => calls,
  };
}

async function outboxRows(database: ShopDatabase) {
  return database.db
    .selectFrom('outbox')
    .select(['seq', 'event_id', 'key', 'published_at', 'attempts', 'last_error'])
    .orderBy('seq')
    .execute();
}

async function pendingCount(database: ShopDatabase): Promise<number> {
  const row = await database.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.n;
}

interface Backend {
  /** A new, migrated database in its own schema. */
  open(name: string): Promise<ShopDatabase>;
  /** A second handle on the same database (PostgreSQL: a new pool on the same schema; PGlite: the same object). */
  another(database: ShopDatabase): Promise<ShopDatabase>;
  /**
   * Open the shared databases in `beforeAll` (PGlite: slow, under the hook timeout) rather than in the first
   * test (PostgreSQL: an unreachable server then fails the tests instead of a hook).
   */
  eager: boolean;
}

function describeOutbox(name: string, setup: () => Promise<Backend>): void {
  describe(`outbox and inbox: ${name}`, () => {
    let backend: Backend;
    let brokerDir: string;
    let broker: EmbeddedBroker;
    let cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      brokerDir = await mkdtemp(join(tmpdir(), 'opsloop-outbox-'));
      broker = await createEmbeddedBroker({ dir: brokerDir });
      if ((await ensureBackend()).eager) {
        await openDatabase('main');
        await openDatabase('peer');
      }
    });

    afterEach(async () => {
      // Last registered, first closed: relays and subscriptions before buses and databases.
      const pending = cleanups.reverse();
      cleanups = [];
      for (const cleanup of pending) await cleanup().catch(() => {});
    });

    afterAll(async () => {
      for (const opening of shared.values())
        await opening.then((database) => database.close()).catch(() => {});
      await broker?.close();
      if (brokerDir) await rm(brokerDir, { recursive: true, force: true });
    });

    async function ensureBackend(): Promise<Backend> {
      backend ??= await setup();
      return backend;
    }

    // Opening a database is the slow part (PGlite clones its template): each backend opens two, once, and
    // every test starts from empty tables.
    const shared = new Map<string, Promise<ShopDatabase>>();

    async function openDatabase(label: 'main' | 'peer'): Promise<ShopDatabase> {
      let opening = shared.get(label);
      if (opening === undefined) {
        opening = ensureBackend().then((b) => b.open(label));
        shared.set(label, opening);
      }
      const database = await opening;
      await sql`truncate table outbox, inbox, item, applied, counter restart identity`.execute(database.db);
      return database;
    }

    async function anotherHandle(database: ShopDatabase): Promise<ShopDatabase> {
      const other = await (await ensureBackend()).another(database);
      if (other !== database) cleanups.push(() => other.close());
      return other;
    }

    function newBus(): EventBus {
      const bus = createInProcessEventBus(broker);
      cleanups.push(() => bus.close());
      return bus;
    }

    async function newStream(bus: EventBus): Promise<string> {
      const stream = `outbox-${randomBytes(4).toString('hex')}`;
      await bus.ensureStream(stream);
      return stream;
    }

    function newRelay(options: OutboxRelayOptions<ShopTables>): OutboxRelay {
      const relay = createOutboxRelay(options);
      cleanups.push(() => relay.stop());
      return relay;
    }

    /** Subscribes a recording consumer; returns the deliveries it saw. */
    async function consume(
      bus: EventBus,
      stream: string,
      handler?: (delivery: Delivery<{ n: number }>) => Promise<void>,
      group = 'test-consumer',
    ): Promise<Delivery<{ n: number }>[]> {
      const seen: Delivery<{ n: number }>[] = [];
      const subscription: Subscription = await bus.subscribe<{ n: number }>({
        stream,
        group,
        backoffMs: [10],
        maxDeliver: 10,
        async handler(delivery) {
          seen.push(delivery);
          if (handler) await handler(delivery);
        },
      });
      cleanups.push(() => subscription.stop());
      return seen;
    }

    async function enqueueCommitted(database: ShopDatabase, stream: string, events: EventEnvelope[]) {
      await database.transaction(async (trx) => {
        for (const e of events) await enqueue(trx, stream, e);
      });
    }

    it('publishes an event enqueued in a committed transaction, with its id, data and headers', async () => {
      const database = await openDatabase('main');
      const bus = newBus();
      const stream = await newStream(bus);
      const seen = await consume(bus, stream);
      const relay = newRelay({ database, bus });
      const placed = event('order-1', 7, { traceparent: '00-abc-def-01' });

      await database.transaction(async (trx) => {
        await trx.insertInto('item').values({ id: 'sku-1', qty: 3 }).execute();
        await enqueue(trx, stream, placed);
      });

      expect(await relay.flush()).toBe(1);
      await waitFor(() => seen.length === 1, 'the delivery');
      expect(seen[0]!.event).toEqual(placed);
      const rows = await outboxRows(database);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.published_at).toBeInstanceOf(Date);
      expect(rows[0]!.attempts).toBe(0);
      expect(await relay.flush()).toBe(0);
      expect(relay.stats()).toMatchObject({ published: 1, duplicates: 0, failures: 0 });
    });

    it('never publishes an event enqueued in a rolled-back transaction', async () => {
      const database = await openDatabase('main');
      const bus = newBus();
      const stream = await newStream(bus);
      const seen = await consume(bus, stream);
      const relay = newRelay({ database, bus });
      const lost = event('order-1', 1);

      await expect(
        database.transaction(async (trx) => {
          await trx.insertInto('item').values({ id: 'sku-1', qty: 3 }).execute();
          await enqueue(trx, stream, lost);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await relay.flush()).toBe(0);
      expect(await outboxRows(database)).toEqual([]);

      // A later event of the same key arrives alone: the rolled-back one was never published before it.
      const marker = event('order-1', 2);
      await enqueueCommitted(database, stream, [marker]);
      expect(await relay.flush()).toBe(1);
      await waitFor(() => seen.length === 1, 'the marker');
      expect(seen.map((d) => d.event.id)).toEqual([marker.id]);
    });

    it('validates events when they are enqueued and requires a transaction', async () => {
      const database = await openDatabase('main');
      const stream = 'orders';
      await expect(
        database.transaction((trx) => enqueue(trx, stream, { ...event('k', 1), time: 'yesterday' })),
      ).rejects.toMatchObject({ code: 'invalid-event', message: expect.stringContaining('time') as string });
      await expect(
        database.transaction((trx) => enqueue(trx, stream, { ...event('k', 1), data: { big: 1n } })),
      ).rejects.toMatchObject({ code: 'invalid-event' });
      await expect(
        database.transaction((trx) => enqueue(trx, stream, { ...event('k', 1), headers: { 'nats-x': 'y' } })),
      ).rejects.toMatchObject({ code: 'invalid-event' });
      await expect(
        database.transaction((trx) => enqueue(trx, 'Bad Stream', event('k', 1))),
      ).rejects.toMatchObject({ code: 'invalid-argument' });
      await expect(
        enqueue(database.db as unknown as Transaction<ShopTables>, stream, event('k', 1)),
      ).rejects.toMatchObject({
        code: 'invalid-argument',
      });
      const twice = event('k', 1);
      await expect(
        database.transaction(async (trx) => {
          await enqueue(trx, stream, twice);
          await enqueue(trx, stream, twice);
        }),
      ).rejects.toThrow();
      expect(await outboxRows(database)).toEqual([]);
    });

    it('re-publishes after a crash between publish and mark; the bus dedupes it and the consumer sees it once', async () => {
      const database = await openDatabase('main');
      const bus = newBus();
      const stream = await newStream(bus);
      const seen = await consume(bus, stream);
      const clock = createManualClock(Date.now());

      // 1. The relay publishes, then "crashes" before marking: the row stays pending.
      const first = event('order-1', 1);
      await enqueueCommitted(database, stream, [first]);
      const crashing = faultyBus(bus, (call) => (call === 1 ? 'after' : undefined));
      const relay = newRelay({ database, bus: crashing, clock, retryBackoffMs: [1000] });
      expect(await relay.flush()).toBe(0);
      const [row] = await outboxRows(database);
      expect(row).toMatchObject({ published_at: null, attempts: 1 });
      expect(row!.last_error).toContain('injected crash after publish #1');
      expect(await relay.flush()).toBe(0); // still in back-off

      // 2. After the back-off it publishes again with the same id: a duplicate for the bus.
      clock.advance(1000);
      expect(await relay.flush()).toBe(1);
      expect(relay.stats()).toMatchObject({ published: 1, duplicates: 1, failures: 1 });

      // 3. A process that dies before marking: the event is on the bus, the row is pending; a new relay
      //    (the restarted process) publishes it again.
      const second = event('order-1', 2);
      await enqueueCommitted(database, stream, [second]);
      await bus.publish(stream, second);
      const restarted = newRelay({ database, bus, clock });
      expect(await restarted.flush()).toBe(1);
      expect(restarted.stats()).toMatchObject({ published: 1, duplicates: 1 });

      const last = event('order-1', 3);
      await enqueueCommitted(database, stream, [last]);
      expect(await restarted.flush()).toBe(1);
      await waitFor(() => seen.length >= 3, 'three deliveries');
      expect(seen.map((d) => d.event.data.n)).toEqual([1, 2, 3]);
      expect(await pendingCount(database)).toBe(0);
    });

    it('keeps per-key order when a publish in the middle fails, and lets other keys pass', async () => {
      const database = await openDatabase('main');
      const bus = newBus();
      const stream = await newStream(bus);
      const seen = await consume(bus, stream);
      const clock = createManualClock(Date.now());
      // a1 b1 a2 b2 a3, one transaction each; the third publish (a2) fails.
      const plan: [string, number][] = [
        ['a', 1],
        ['b', 1],
        ['a', 2],
        ['b', 2],
        ['a', 3],
      ];
      for (const [key, n] of plan) await enqueueCommitted(database, stream, [event(key, n)]);
      const failing = faultyBus(bus, (call) => (call === 3 ? 'before' : undefined));
      const relay = newRelay({ database, bus: failing, clock, retryBackoffMs: [500] });

      expect(await relay.flush()).toBe(3); // a1 b1 b2; a2 failed, a3 waits behind it
      const rows = await outboxRows(database);
      expect(rows.map((r) => [r.key, r.published_at === null, r.attempts])).toEqual([
        ['a', false, 0],
        ['b', false, 0],
        ['a', true, 1],
        ['b', false, 0],
        ['a', true, 0],
      ]);
      expect(rows[2]!.last_error).toContain('injected failure before publish #3');
      expect(await relay.flush()).toBe(0); // a2 in back-off; a3 must not skip ahead of it
      expect(failing.calls()).toBe(4);

      clock.advance(500);
      expect(await relay.flush()).toBe(2);
      await waitFor(() => seen.length === 5, 'five deliveries');
      const byKey = (key: string) => seen.filter((d) => d.event.key === key).map((d) => d.event.data.n);
      expect(byKey('a')).toEqual([1, 2, 3]);
      expect(byKey('b')).toEqual([1, 2]);
      // On the bus, a2 precedes a3.
      const seqOf = (key: string, n: number) =>
        seen.find((d) => d.event.key === key && d.event.data.n === n)!.seq;
      expect(seqOf('a', 2)).toBeLessThan(seqOf('a', 3));
      expect(relay.stats()).toMatchObject({ published: 5, failures: 1 });
    });

    it('runs its polling loop between start and stop, woken by notify()', async () => {
      const database = await openDatabase('main');
      const bus = newBus();
      const stream = await newStream(bus);
      const seen = await consume(bus, stream);
      const relay = newRelay({ database, bus, pollIntervalMs: 20, maxPollIntervalMs: 200 });

      relay.start();
      relay.start();
      expect(relay.stats().running).toBe(true);
      await enqueueCommitted(database, stream, [event('k', 1)]);
      relay.notify();
      await waitFor(() => seen.length === 1, 'the first event');

      await relay.stop();
      await relay.stop();
      expect(relay.stats().running).toBe(false);
      await enqueueCommitted(database, stream, [event('k', 2)]);
      relay.notify(); // stopped: does nothing
      expect(await pendingCount(database)).toBe(1);

      relay.start();
      await waitFor(() => seen.length === 2, 'the second event');
      await waitFor(async () => (await pendingCount(database)) === 0, 'the outbox to drain');
      expect(seen.map((d) => d.event.data.n)).toEqual([1, 2]);
      await relay.stop();
    });

    it('purges rows published longer ago than asked, never pending ones', async () => {
      const database = await openDatabase('main');
      const bus = newBus();
      const stream = await newStream(bus);
      const clock = createManualClock(Date.now());
      const relay = newRelay({ database, bus, clock });
      await enqueueCommitted(database, stream, [event('k', 1), event('k', 2)]);
      expect(await relay.flush()).toBe(2);
      await enqueueCommitted(database, stream, [event('k', 3)]);
      clock.advance(10_000);
      expect(await relay.purgePublished(60_000)).toBe(0);
      expect(await relay.purgePublished(5_000)).toBe(2);
      expect((await outboxRows(database)).map((r) => r.published_at)).toEqual([null]);
    });

    it('handleOnce applies the effect of an event delivered 5× (in turn and concurrently) once', async () => {
      const database = await openDatabase('main');
      const bump = (id: string) => async (trx: Transaction<ShopTables>) => {
        await trx
          .insertInto('counter')
          .values({ id, n: 1 })
          .onConflict((oc) => oc.column('id').doUpdateSet({ n: sql`counter.n + 1` }))
          .execute();
      };
      const counter = async (id: string) =>
        (await database.db.selectFrom('counter').select('n').where('id', '=', id).executeTakeFirst())?.n;

      const sequential: string[] = [];
      for (let i = 0; i < 5; i++) sequential.push(await handleOnce(database, 'c1', 'event-1', bump('seq')));
      expect(sequential).toEqual(['handled', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
      expect(await counter('seq')).toBe(1);

      const concurrent = await Promise.all(
        Array.from({ length: 5 }, () => handleOnce(database, 'c1', 'event-2', bump('par'))),
      );
      expect(concurrent.filter((r) => r === 'handled')).toHaveLength(1);
      expect(concurrent.filter((r) => r === 'duplicate')).toHaveLength(4);
      expect(await counter('par')).toBe(1);

      // Another consumer has its own inbox row for the same event.
      expect(await handleOnce(database, 'c2', 'event-1', bump('seq'))).toBe('handled');
      expect(await counter('seq')).toBe(2);
    });

    it('handleOnce records nothing when the effect throws, so a retry applies it', async () => {
      const database = await openDatabase('main');
      let fail = true;
      const effect = async (trx: Transaction<ShopTables>) => {
        await trx.insertInto('counter').values({ id: 'x', n: 1 }).execute();
        if (fail) throw new Error('effect failed');
      };
      await expect(handleOnce(database, 'c1', 'event-1', effect)).rejects.toThrow('effect failed');
      expect(await database.db.selectFrom('inbox').selectAll().execute()).toEqual([]);
      expect(await database.db.selectFrom('counter').selectAll().execute()).toEqual([]);
      fail = false;
      expect(await handleOnce(database, 'c1', 'event-1', effect)).toBe('handled');
      expect(await handleOnce(database, 'c1', 'event-1', effect)).toBe('duplicate');
      expect(await database.db.selectFrom('counter').selectAll().execute()).toEqual([{ id: 'x', n: 1 }]);
    });

    it('end to end: producer write + enqueue, relay, consumer inbox — effects exactly once through redeliveries', async () => {
      const producer = await openDatabase('main');
      const consumerDb = await openDatabase('peer');
      const bus = newBus();
      const stream = await newStream(bus);
      const relay = newRelay({ database: producer, bus, pollIntervalMs: 20, maxPollIntervalMs: 200 });
      relay.start();

      const events = Array.from({ length: 6 }, (_, i) => event(i % 2 === 0 ? 'order-a' : 'order-b', i));
      const failInside = events[1]!.id; // the effect throws once: rolled back, redelivered
      const failAfter = events[2]!.id; // the effect commits, then the ack is "lost": redelivered, a duplicate
      const thrown = new Set<string>();
      const inboxHandler = createInboxHandler<{ n: number }, ShopTables>({
        database: consumerDb,
        consumer: 'stock',
        async handler(delivery, trx) {
          await trx
            .insertInto('applied')
            .values({ event_id: delivery.event.id, key: delivery.event.key, n: delivery.event.data.n })
            .execute();
          if (delivery.event.id === failInside && !thrown.has(failInside)) {
            thrown.add(failInside);
            throw new Error('effect failed once');
          }
        },
      });
      const deliveries = await consume(bus, stream, async (delivery) => {
        await inboxHandler(delivery);
        if (delivery.event.id === failAfter && !thrown.has(failAfter)) {
          thrown.add(failAfter);
          throw new Error('ack lost');
        }
      });

      for (const e of events) {
        await producer.transaction(async (trx) => {
          await trx
            .insertInto('item')
            .values({ id: `item-${e.data.n}`, qty: e.data.n })
            .execute();
          await enqueue(trx, stream, e);
        });
        relay.notify();
      }

      const applied = () => consumerDb.db.selectFrom('applied').selectAll().execute();
      await waitFor(async () => (await applied()).length === events.length, 'every effect');
      await waitFor(() => deliveries.length >= events.length + 2, 'the redeliveries');
      // Wait until the last event of each key is handled after its redelivery, then check nothing doubled.
      await waitFor(
        async () => (await consumerDb.db.selectFrom('inbox').selectAll().execute()).length === 6,
        'inbox',
      );
      const rows = await applied();
      expect(rows.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
      for (const key of ['order-a', 'order-b']) {
        const expected = events.filter((e) => e.key === key).map((e) => e.data.n);
        const handled = deliveries.filter((d) => d.event.key === key).map((d) => d.event.data.n);
        expect([...new Set(handled)]).toEqual(expected); // delivered in order, redeliveries in place
      }
      expect(deliveries.filter((d) => d.event.id === failInside)).toHaveLength(2);
      expect(deliveries.filter((d) => d.event.id === failAfter)).toHaveLength(2);
      expect(await pendingCount(producer)).toBe(0);
      await relay.stop();
    });

    it('two relays on one database publish each event once, in order', async () => {
      const database = await openDatabase('main');
      const second = await anotherHandle(database);
      const bus = newBus();
      const stream = await newStream(bus);
      const seen = await consume(bus, stream);
      const keys = ['k1', 'k2', 'k3'];
      const events = Array.from({ length: 24 }, (_, i) => event(keys[i % 3]!, i));
      for (let i = 0; i < events.length; i += 5)
        await enqueueCommitted(database, stream, events.slice(i, i + 5));

      const relays = [
        newRelay({ database, bus, batchSize: 4, pollIntervalMs: 10, maxPollIntervalMs: 50 }),
        newRelay({ database: second, bus, batchSize: 4, pollIntervalMs: 10, maxPollIntervalMs: 50 }),
      ];
      for (const relay of relays) relay.start();
      await Promise.all(relays.map((relay) => relay.flush()));
      await waitFor(async () => (await pendingCount(database)) === 0, 'the outbox to drain');
      await Promise.all(relays.map((relay) => relay.stop()));

      const stats = relays.map((relay) => relay.stats());
      expect(stats[0]!.published + stats[1]!.published).toBe(events.length);
      expect(stats[0]!.duplicates + stats[1]!.duplicates).toBe(0);
      await waitFor(() => seen.length === events.length, 'every delivery');
      expect(new Set(seen.map((d) => d.event.id)).size).toBe(events.length);
      // One publisher at a time, in seq order: the bus order is the enqueue order.
      const bySeq = [...seen].sort((x, y) => x.seq - y.seq).map((d) => d.event.data.n);
      expect(bySeq).toEqual(events.map((e) => e.data.n));
    });
  });
}

describeOutbox('PGlite', async () => {
  const template: PgliteTemplate = await createPgliteTemplate();
  return {
    async open(label) {
      const database = await createPgliteDatabase<ShopTables>({
        dataDir: PGLITE_MEMORY,
        schema: label,
        template,
      });
      try {
        await database.migrate(migrations);
      } catch (error) {
        await database.close();
        throw error;
      }
      return database;
    },
    another: (database) => Promise.resolve(database),
    eager: true,
  };
});

// Set to run against a real server, e.g. postgres://postgres@127.0.0.1:5432/test (CI sets it). When set, an
// unreachable server fails these tests; it never skips them.
const url = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(url === '')('PostgreSQL', () => {
  const run = `t_${randomBytes(4).toString('hex')}`;
  const schemas = new Set<string>();

  afterAll(async () => {
    if (schemas.size === 0) return;
    const admin = await createPostgresDatabase({ url, schema: `${run}_admin` });
    schemas.add(`${run}_admin`);
    try {
      for (const schema of schemas)
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
    } finally {
      await admin.close();
    }
  });

  it('reaches the server at OPSLOOP_TEST_POSTGRES_URL', async () => {
    schemas.add(`${run}_ping`);
    const database = await createPostgresDatabase({ url, schema: `${run}_ping`, connectionTimeoutMs: 5_000 });
    try {
      expect(await database.ping()).toBe(true);
    } finally {
      await database.close();
    }
  });

  describeOutbox('PostgreSQL', () =>
    Promise.resolve({
      async open(label) {
        const schema = `${run}_${label}`;
        schemas.add(schema);
        const database = await createPostgresDatabase<ShopTables>({
          url,
          schema,
          connectionTimeoutMs: 5_000,
        });
        try {
          await database.migrate(migrations);
        } catch (error) {
          await database.close();
          throw error;
        }
        return database;
      },
      another: (database) =>
        createPostgresDatabase<ShopTables>({ url, schema: database.schema, connectionTimeoutMs: 5_000 }),
      eager: false,
    }),
  );
});
