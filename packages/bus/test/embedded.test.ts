import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service } from '@opsloop/kit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedBroker,
  createEmbeddedEventBus,
  createInProcessEventBus,
  registerBrokerRoutes,
  type EmbeddedBroker,
  type EventBus,
} from '../src/index.js';
import { describeEventBusContract, recorder, waitFor } from './contract.js';

interface BrokerServer {
  broker: EmbeddedBroker;
  service: Service;
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function startBrokerServer(dir: string, port = 0, token?: string): Promise<BrokerServer> {
  const broker = await createEmbeddedBroker({ dir });
  try {
    const service = await createService({
      name: 'bus-broker',
      version: '0.0.0',
      env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      setup: ({ app }) => registerBrokerRoutes(app, broker, token === undefined ? {} : { token }),
    });
    const url = await service.listen();
    return {
      broker,
      service,
      url,
      port: Number(new URL(url).port),
      async stop() {
        await service.shutdown('test');
        await broker.close();
      },
    };
  } catch (error) {
    await broker.close();
    throw error;
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'opsloop-bus-'));
}

describeEventBusContract('embedded broker over HTTP', async () => {
  const dir = await tempDir();
  const token = 'contract-token-0123456789';
  let server = await startBrokerServer(dir, 0, token);
  return {
    createBus: (options) => Promise.resolve(createEmbeddedEventBus({ url: server.url, token, ...options })),
    async restart() {
      const port = server.port;
      await server.stop();
      server = await startBrokerServer(dir, port, token);
    },
    ackWaitMs: 300,
    async dispose() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeEventBusContract('embedded broker in-process', async () => {
  const dir = await tempDir();
  let broker = await createEmbeddedBroker({ dir });
  return {
    createBus: (options) => Promise.resolve(createInProcessEventBus(broker, options)),
    async restart() {
      await broker.close();
      broker = await createEmbeddedBroker({ dir });
    },
    ackWaitMs: 300,
    async dispose() {
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('embedded broker HTTP API', () => {
  let dir: string;
  let server: BrokerServer;
  const token = 'http-api-token-0123456789';
  const auth: Record<string, string> = { authorization: `Bearer ${token}` };

  beforeAll(async () => {
    dir = await tempDir();
    server = await startBrokerServer(dir, 0, token);
    await server.broker.ensureStream('orders');
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function call(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, headers = auth) {
    const response = await request(`${server.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      type: String(response.headers['content-type'] ?? ''),
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined,
    };
  }

  const envelope = (id: string) => ({
    id,
    type: 'order.placed.v1',
    key: 'o-1',
    time: '2025-01-31T12:00:00.000Z',
    data: { total: 1 },
  });

  it('requires the bearer token', async () => {
    const answer = await call('GET', '/v1/bus/streams/orders', undefined, {});
    expect(answer.status).toBe(401);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body?.type).toBe('https://opsloop.dev/problems/unauthorized');
  });

  it('answers problem+json for invalid input, unknown streams, oversized events and stale acks', async () => {
    const badName = await call('PUT', '/v1/bus/streams/Bad_Name');
    expect(badName.status).toBe(400);
    expect(badName.type).toContain('application/problem+json');
    expect(badName.body?.type).toBe('https://opsloop.dev/problems/validation-failed');
    expect(JSON.stringify(badName.body?.errors)).toContain('stream');

    const missing = await call('POST', '/v1/bus/streams/nope/events', { event: envelope('e-1') });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      type: 'https://opsloop.dev/problems/resource-not-found',
      bus_error: 'stream-not-found',
    });

    const badEvent = await call('POST', '/v1/bus/streams/orders/events', {
      event: { ...envelope(''), id: '' },
    });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body).toMatchObject({ bus_error: 'invalid-event' });

    const huge = await call('POST', '/v1/bus/streams/orders/events', {
      event: { ...envelope('e-big'), data: 'x'.repeat(1024 * 1024) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body?.type).toBe('https://opsloop.dev/problems/payload-too-large');

    const badFetch = await call('POST', '/v1/bus/streams/orders/groups/g/fetch', {
      consumer: 'c',
      waitMs: -1,
    });
    expect(badFetch.status).toBe(400);
    expect(JSON.stringify(badFetch.body?.errors)).toContain('waitMs');

    const published = await call('POST', '/v1/bus/streams/orders/events', { event: envelope('e-2') });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ duplicate: false });
    const fetched = await call('POST', '/v1/bus/streams/orders/groups/g/fetch', {
      consumer: 'c1',
      waitMs: 0,
      ackWaitMs: 60_000,
    });
    expect(fetched.status).toBe(200);
    const [delivery] = fetched.body?.deliveries as { partition: number; seq: number; attempt: number }[];
    expect(delivery).toMatchObject({ attempt: 1 });
    const token = { partition: delivery!.partition, seq: delivery!.seq, attempt: delivery!.attempt };
    expect((await call('POST', '/v1/bus/streams/orders/groups/g/ack', token)).status).toBe(204);
    const stale = await call('POST', '/v1/bus/streams/orders/groups/g/ack', token);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      type: 'https://opsloop.dev/problems/conflict',
      bus_error: 'stale-delivery',
    });
  });

  it('answers a long-poll with nothing when it times out', async () => {
    const answer = await call('POST', '/v1/bus/streams/orders/groups/idle/fetch', {
      consumer: 'c2',
      partitions: [],
      waitMs: 50,
      ackWaitMs: 1000,
    });
    expect(answer).toMatchObject({ status: 200, body: { deliveries: [] } });
  });
});

describe('embedded bus client across a broker restart', () => {
  it('keeps publishing and consuming after the broker comes back on the same address', async () => {
    const dir = await tempDir();
    let server = await startBrokerServer(dir);
    const buses: EventBus[] = [];
    try {
      const consumer = createEmbeddedEventBus({ url: server.url, pollWaitMs: 1_000 });
      const publisher = createEmbeddedEventBus({ url: server.url });
      buses.push(consumer, publisher);
      await publisher.ensureStream('restarts');
      const seen: number[] = [];
      await consumer.subscribe<{ n: number }>({
        stream: 'restarts',
        group: 'g',
        handler: recorder((delivery) => seen.push(delivery.event.data.n)),
      });
      const publish = (n: number) =>
        publisher.publish('restarts', {
          id: `restart-${n}`,
          type: 'test.v1',
          key: `k-${n % 3}`,
          time: new Date().toISOString(),
          data: { n },
        });
      for (let n = 0; n < 5; n++) await publish(n);
      await waitFor(() => seen.length >= 5, 'events before the restart');

      const port = server.port;
      await server.stop();
      // While the broker is down, a publish waits (retrying) instead of failing…
      const during = publish(5);
      await new Promise((resolve) => setTimeout(resolve, 300));
      server = await startBrokerServer(dir, port);
      await during;
      for (let n = 6; n < 10; n++) await publish(n);
      // …and the consumer resumes its long-polls.
      await waitFor(() => new Set(seen).size >= 10, 'events after the restart');
      expect([...new Set(seen)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await Promise.allSettled(buses.map((bus) => bus.close()));
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
