import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type EmbeddedBroker,
  type EventBus,
} from '@opsloop/bus';
import { ConfigError, createService, type Service } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationsService } from '../src/app.js';
import type { NotificationsTables } from '../src/tables.js';
import { emlFiles, shopEvents, waitFor } from './support.js';

const PROBLEMS = 'https://opsloop.dev/problems/';

let dir: string;
let broker: EmbeddedBroker;
let publisher: EventBus;
let service: Service;
let database: Database<NotificationsTables> | undefined;
const alice = randomUUID();
const bob = randomUUID();

interface Item {
  id: string;
  eventId: string;
  userId: string;
  to: string;
  template: string;
  createdAt: string;
  deliveredAt: string | null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsloop-notifications-http-'));
  broker = await createEmbeddedBroker({ dir: join(dir, 'broker') });
  const template = await createPgliteTemplate();
  service = await createService(
    notificationsService({
      createDatabase: async () => {
        database = await createPgliteDatabase<NotificationsTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'notifications',
          template,
        });
        return database;
      },
      createBus: () => Promise.resolve(createInProcessEventBus(broker)),
      env: {
        LOG_LEVEL: 'silent',
        MAIL_SINK_DIR: join(dir, 'sink'),
        MAIL_POLL_INTERVAL_MS: '50',
        NOTIFICATIONS_RETRY_BACKOFF_MS: '0',
      },
    }),
  );
  publisher = createInProcessEventBus(broker);
  // Alice: welcome + three order mails; Bob: one order mail (unknown address).
  const a = shopEvents(alice);
  await publisher.publish('users', a.registered);
  await waitFor(async () => (await list('')).items.length === 1, 'the welcome mail');
  await publisher.publish('orders', a.placed);
  await publisher.publish('orders', a.cancelled);
  await publisher.publish('payments', a.paymentFailed);
  await publisher.publish('orders', shopEvents(bob).placed);
  await waitFor(
    async () => (await list('?limit=100')).items.filter((item) => item.deliveredAt !== null).length === 5,
    'five delivered mails',
  );
});

afterAll(async () => {
  await service?.shutdown('test');
  await publisher?.close();
  await broker?.close();
  await database?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function get(url: string) {
  const res = await service.app.inject({ method: 'GET', url });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

async function list(query: string): Promise<{ items: Item[]; nextCursor: string | null }> {
  const res = await get(`/api/notifications${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as { items: Item[]; nextCursor: string | null };
}

async function expectProblem(url: string, status: number, slug: string, path?: string) {
  const res = await get(url);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
  if (path !== undefined) expect(res.body.errors).toMatchObject([{ path }]);
}

describe('notifications API', () => {
  it('lists every mail newest first', async () => {
    const page = await list('');
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBeNull();
    const keys = page.items.map((item) => `${item.createdAt}|${item.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(await emlFiles(join(dir, 'sink'))).toHaveLength(5);
  });

  it('pages one user’s mail with a keyset cursor', async () => {
    const first = await list(`?userId=${alice}&limit=3`);
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?userId=${alice}&limit=3&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items];
    expect(new Set(all.map((item) => item.id)).size).toBe(4);
    expect(all.every((item) => item.userId === alice && item.to === `${alice.slice(0, 8)}@example.com`)).toBe(
      true,
    );
    expect(all.at(-1)!.template).toBe('welcome');
    const bobs = await list(`?userId=${bob}`);
    expect(bobs.items).toMatchObject([{ userId: bob, to: `${bob}@users.invalid`, template: 'order-placed' }]);
    expect((await list(`?userId=nobody`)).items).toEqual([]);
  });

  it('shows one mail by id', async () => {
    const [item] = (await list('?limit=1')).items;
    const res = await get(`/api/notifications/${item!.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: item!.id, eventId: item!.eventId, deliveredAt: expect.any(String) });
    expect(res.body.body).toEqual(expect.any(String));
    expect((await get(`/api/notifications/${item!.id.toUpperCase()}`)).status).toBe(200);
  });

  it('answers bad input with 400 problems and unknown ids with 404', async () => {
    await expectProblem('/api/notifications?limit=0', 400, 'validation-failed', 'limit');
    await expectProblem('/api/notifications?limit=101', 400, 'validation-failed', 'limit');
    await expectProblem('/api/notifications?limit=ten', 400, 'validation-failed', 'limit');
    await expectProblem('/api/notifications?cursor=not-a-cursor', 400, 'validation-failed', 'cursor');
    await expectProblem('/api/notifications?cursor=%21%21', 400, 'validation-failed', 'cursor');
    await expectProblem('/api/notifications?userId=', 400, 'validation-failed', 'userId');
    await expectProblem(`/api/notifications?userId=${'u'.repeat(257)}`, 400, 'validation-failed', 'userId');
    await expectProblem('/api/notifications/not-an-id', 400, 'validation-failed', 'id');
    await expectProblem(`/api/notifications/${randomUUID()}`, 404, 'resource-not-found');
  });

  it('reports its counters and readiness', async () => {
    const stats = await get('/api/notifications/stats');
    expect(stats.body).toMatchObject({
      intake: { created: 5, unknown: 0, malformed: 0 },
      delivery: { delivered: 5, failures: 0 },
    });
    expect((await get('/readyz')).status).toBe(200);
  });

  it('refuses bad configuration before opening anything', async () => {
    let opened = false;
    await expect(
      createService(
        notificationsService({
          createDatabase: () => {
            opened = true;
            throw new Error('not reached');
          },
          createBus: () => Promise.reject(new Error('not reached')),
          env: { LOG_LEVEL: 'silent', NOTIFICATIONS_MAX_DELIVER: '0' },
        }),
      ),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(opened).toBe(false);
  });
});
