import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type Delivery,
  type EmbeddedBroker,
  type EventBus,
} from '@opsloop/bus';
import { createManualClock } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMailDeliverer } from '../src/deliverer.js';
import { createMailIntake } from '../src/intake.js';
import { openMailSink } from '../src/mail-sink.js';
import { notificationsMigrations } from '../src/migrations.js';
import { startNotificationPipeline, type NotificationPipeline } from '../src/pipeline.js';
import type { NotificationsTables } from '../src/tables.js';
import { emlFiles, envelope, readEml, shopEvents, waitFor } from './support.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface NotificationsBackend {
  open(): Promise<Database<NotificationsTables>>;
  dispose(database: Database<NotificationsTables>): Promise<void>;
}

/**
 * The consumer side (intake, deliverer, subscriptions) on one database backend with the embedded broker
 * in-process. Each test gets a fresh broker and mail sink; the tables are emptied between tests.
 */
export function describeNotificationsPipeline(name: string, backend: NotificationsBackend): void {
  describe(`notifications pipeline on ${name}`, () => {
    let database: Database<NotificationsTables> | undefined;
    // A failing beforeAll reports tests as skipped; an unreachable backend must fail them instead.
    let setupFailure: Error | undefined;
    let dir: string;
    let sinkDir: string;
    let broker: EmbeddedBroker;
    let cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      try {
        database = await backend.open();
        await database.migrate(notificationsMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(String(error));
      }
    });

    afterAll(async () => {
      if (database !== undefined) await backend.dispose(database);
    });

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'opsloop-notifications-'));
      sinkDir = join(dir, 'sink');
      broker = await createEmbeddedBroker({ dir: join(dir, 'broker') });
      cleanups.push(() => broker.close());
      if (database !== undefined)
        await sql`truncate table mail, recipient, inbox, outbox restart identity`.execute(database.db);
    });

    afterEach(async () => {
      // Last registered, first closed: pipelines and buses before the broker.
      const pending = cleanups.reverse();
      cleanups = [];
      for (const cleanup of pending) await cleanup().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    });

    const db = (): Database<NotificationsTables> => {
      if (setupFailure !== undefined) throw setupFailure;
      if (database === undefined) throw new Error('no database');
      return database;
    };

    function newBus(): EventBus {
      const bus = createInProcessEventBus(broker);
      cleanups.push(() => bus.close());
      return bus;
    }

    async function start(): Promise<{ bus: EventBus; pipeline: NotificationPipeline }> {
      const bus = newBus();
      const pipeline = await startNotificationPipeline({
        database: db(),
        bus,
        sinkDir,
        // Malformed events reach the dead-letter stream after two quick attempts.
        maxDeliver: 2,
        backoffMs: [0],
        pollIntervalMs: 50,
      });
      cleanups.push(() => pipeline.stop());
      return { bus, pipeline };
    }

    const mails = () => db().db.selectFrom('mail').selectAll().orderBy('created_at').orderBy('id').execute();
    const delivered = async () => (await mails()).filter((mail) => mail.delivered_at !== null).length;

    it('turns each event type into one mail and one file', async () => {
      const { bus } = await start();
      const userId = randomUUID();
      const events = shopEvents(userId);
      // Streams are not ordered with each other: the registration is handled first, so the address is known.
      await bus.publish('users', events.registered);
      await waitFor(async () => (await delivered()) === 1, 'the welcome mail');
      await bus.publish('orders', events.placed);
      await bus.publish('orders', events.cancelled);
      await bus.publish('payments', events.paymentFailed);
      await waitFor(async () => (await delivered()) === 4, 'four delivered mails');

      const rows = await mails();
      expect(rows.map((mail) => mail.template).sort()).toEqual(
        ['order-cancelled', 'order-placed', 'payment-failed', 'welcome'].sort(),
      );
      const files = await emlFiles(sinkDir);
      expect(files).toEqual(rows.map((mail) => `${mail.id}.eml`).sort());

      const email = `${userId.slice(0, 8)}@example.com`;
      for (const mail of rows) {
        expect(mail.to_user_id).toBe(userId);
        expect(mail.to_address).toBe(email);
        const eml = await readEml(sinkDir, `${mail.id}.eml`);
        expect(eml.headers.from).toBe('opsloop shop <shop@opsloop.invalid>');
        expect(eml.headers.to).toBe(email);
        expect(eml.headers.subject).toBe(mail.subject);
        expect(eml.headers['message-id']).toBe(`<${mail.event_id}@opsloop.invalid>`);
        expect(eml.headers.date).toBe(mail.created_at.toUTCString().replace('GMT', '+0000'));
        expect(eml.headers['x-opsloop-event-type']).toBe(mail.event_type);
        expect(eml.body).toBe(`${mail.body.replace(/\n+$/, '').replace(/\n/g, '\r\n')}\r\n`);
      }
      const placed = rows.find((mail) => mail.event_id === events.placed.id)!;
      expect(placed.body).toContain('Total:   25.99 EUR');
      expect(placed.body).toContain('2 x');
      expect(placed.body).toContain('at 12.50 EUR = 25.00 EUR');
      const failed = rows.find((mail) => mail.event_id === events.paymentFailed.id)!;
      expect(failed.body).toContain('Reason: card declined by the issuer');
      const recipient = await db().db.selectFrom('recipient').selectAll().execute();
      expect(recipient).toMatchObject([{ user_id: userId, email }]);
    });

    it('addresses a user whose email is not known at <userId>@users.invalid', async () => {
      const { bus } = await start();
      const userId = randomUUID();
      await bus.publish('orders', shopEvents(userId).placed);
      await waitFor(async () => (await delivered()) === 1, 'the mail');
      const [mail] = await mails();
      expect(mail!.to_address).toBe(`${userId}@users.invalid`);
      expect((await readEml(sinkDir, `${mail!.id}.eml`)).headers.to).toBe(`${userId}@users.invalid`);
    });

    it('makes one mail and one file of an event delivered twice by the bus', async () => {
      const { bus, pipeline } = await start();
      const { placed } = shopEvents(randomUUID());
      // The bus dedupes publishes per stream; the same event on two streams reaches the group twice.
      await bus.publish('orders', placed);
      await bus.publish('payments', placed);
      await waitFor(() => pipeline.intake.stats().duplicates === 1, 'the second delivery');
      await waitFor(async () => (await delivered()) === 1, 'the mail');
      expect(pipeline.intake.stats()).toMatchObject({ created: 1, duplicates: 1 });
      expect(await mails()).toHaveLength(1);
      expect(await emlFiles(sinkDir)).toHaveLength(1);
    });

    it('makes one mail and one file of the same event handled concurrently', async () => {
      const intake = createMailIntake({ database: db() });
      const { placed } = shopEvents(randomUUID());
      const delivery: Delivery = { stream: 'orders', seq: 1, partition: 0, attempt: 1, event: placed };
      const results = await Promise.all(Array.from({ length: 6 }, () => intake.handle(delivery)));
      expect(results.filter((result) => result === 'created')).toHaveLength(1);
      expect(results.filter((result) => result === 'duplicate')).toHaveLength(5);
      expect(await intake.handle({ ...delivery, attempt: 2 })).toBe('duplicate');
      expect(intake.stats()).toMatchObject({ created: 1, duplicates: 6 });

      const sink = await openMailSink(sinkDir);
      const deliverers = [1, 2].map(() => createMailDeliverer({ database: db(), sink }));
      const marked = await Promise.all(deliverers.map((deliverer) => deliverer.deliverPending()));
      expect(marked[0]! + marked[1]!).toBe(1);
      expect(await mails()).toHaveLength(1);
      expect(await emlFiles(sinkDir)).toHaveLength(1);
    });

    it('writes one file when a crash falls between the file write and the mark', async () => {
      const intake = createMailIntake({ database: db() });
      const { registered } = shopEvents(randomUUID());
      await intake.handle({ stream: 'users', seq: 1, partition: 0, attempt: 1, event: registered });
      const sink = await openMailSink(sinkDir);

      const crashed = createMailDeliverer({ database: db(), sink });
      const [mail] = await crashed.pending();
      await crashed.writeFile(mail!);
      // …the process dies here: the file exists, the row is still undelivered.
      const first = await readFile(join(sinkDir, `${mail!.id}.eml`), 'utf8');
      expect((await mails())[0]!.delivered_at).toBeNull();

      const restarted = createMailDeliverer({ database: db(), sink });
      expect(await restarted.deliverPending()).toBe(1);
      expect(await emlFiles(sinkDir)).toEqual([`${mail!.id}.eml`]);
      expect(await readFile(join(sinkDir, `${mail!.id}.eml`), 'utf8')).toBe(first);
      expect((await mails())[0]!.delivered_at).not.toBeNull();
      expect(await restarted.markDelivered(mail!.id)).toBe(false);
      expect(await restarted.deliverPending()).toBe(0);
    });

    it('removes temporary files a crash left behind when it starts', async () => {
      const sink = await openMailSink(sinkDir);
      const leftover = join(sinkDir, `.${randomUUID()}.abc.tmp`);
      await writeFile(leftover, 'half a mail');
      const clock = createManualClock(Date.now() + 120_000);
      const deliverer = createMailDeliverer({ database: db(), sink, clock });
      deliverer.start();
      cleanups.push(() => deliverer.stop());
      await waitFor(
        () =>
          readFile(leftover).then(
            () => false,
            () => true,
          ),
        'the cleanup',
      );
      await expect(readFile(leftover)).rejects.toThrow(/ENOENT/);
    });

    it('sends malformed events to the dead-letter stream and carries on', async () => {
      const { bus, pipeline } = await start();
      const deadLetters: Delivery[] = [];
      const subscription = await bus.subscribe({
        stream: 'orders.dlq',
        group: 'test-dlq',
        handler: (delivery) => {
          deadLetters.push(delivery);
          return Promise.resolve();
        },
      });
      cleanups.push(() => subscription.stop());
      const orderId = randomUUID();
      const bad = envelope('order.placed.v1', { orderId, userId: 'u1', lines: [], total: 'lots' }, orderId);
      await bus.publish('orders', bad);
      await waitFor(() => deadLetters.length === 1, 'the dead letter');
      const [dead] = deadLetters;
      expect(dead!.event.id).toBe(bad.id);
      expect(dead!.event.headers).toMatchObject({ 'dlq-group': 'notifications', 'dlq-attempts': '2' });
      expect(dead!.event.headers?.['dlq-error']).toMatch(/^MalformedEventError: order\.placed\.v1 .*lines/);
      expect(pipeline.intake.stats().malformed).toBe(2);

      // The partition moved on: a valid event of the same key is mailed.
      const { cancelled } = shopEvents('u1', orderId);
      await bus.publish('orders', cancelled);
      await waitFor(async () => (await delivered()) === 1, 'the next mail');
      expect((await mails()).map((mail) => mail.event_id)).toEqual([cancelled.id]);
    });

    it('acknowledges and counts event types it does not mail', async () => {
      const { bus, pipeline } = await start();
      const orderId = randomUUID();
      await bus.publish('orders', envelope('order.shipped.v1', { orderId }, orderId));
      await waitFor(() => pipeline.intake.stats().unknown === 1, 'the unknown event');
      const { placed } = shopEvents('u2', orderId);
      await bus.publish('orders', placed);
      await waitFor(async () => (await delivered()) === 1, 'the next mail');
      expect(pipeline.intake.stats()).toMatchObject({ unknown: 1, malformed: 0, created: 1 });
      expect((await broker.streamInfo('orders.dlq')).lastSeq).toBe(0);
    });
  });
}
