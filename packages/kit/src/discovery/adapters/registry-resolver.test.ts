import type { Endpoint, EndpointList } from '@opsloop/contracts';
import { fastify, type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger.js';
import type { Resolver } from '../resolver.js';
import { createRegistryResolver } from './registry-resolver.js';

const TOKEN = 'discovery-token-0123456789abcdef';

const endpoint = (instance: string, port: number): Endpoint => ({
  instance,
  url: `http://127.0.0.1:${port}`,
  version: '1.0.0',
});

/** Polls `probe` until it is truthy; fails after `timeoutMs`. */
async function waitUntil(probe: () => unknown, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface SeenRequest {
  service: string;
  watch: string | undefined;
  timeoutSeconds: string | undefined;
  caller: string | undefined;
  authorization: string | undefined;
}

/**
 * A minimal registry speaking the runtime's discovery API: `GET /v1/endpoints/:service` with a bearer token,
 * answering at once unless `?watch=` equals the current resourceVersion, in which case it holds the request
 * until the endpoints change or `timeoutSeconds` passes.
 */
class FakeRegistry {
  readonly requests: SeenRequest[] = [];
  /** Services whose requests fail with 500. */
  readonly failing = new Set<string>();
  /** Answer with a body that is not an endpoint list. */
  garbage = false;
  private readonly state = new Map<string, { resourceVersion: number; endpoints: Endpoint[] }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private app: FastifyInstance | undefined;
  url = '';

  constructor(initial: Record<string, Endpoint[]>, firstVersion = 1) {
    for (const [service, endpoints] of Object.entries(initial)) {
      this.state.set(service, { resourceVersion: firstVersion, endpoints });
    }
  }

  /** Replaces the endpoints of `service`, bumping its resourceVersion and waking its watchers. */
  setEndpoints(service: string, endpoints: Endpoint[]): void {
    const current = this.state.get(service);
    this.state.set(service, { resourceVersion: (current?.resourceVersion ?? 0) + 1, endpoints });
    this.wake(service);
  }

  /** Watch requests being held right now. */
  held(service: string): number {
    return this.waiters.get(service)?.size ?? 0;
  }

  private wake(service: string): void {
    const waiters = this.waiters.get(service);
    if (!waiters) return;
    for (const wake of [...waiters]) wake();
  }

  async start(port = 0): Promise<string> {
    const app = fastify({ logger: false, forceCloseConnections: true });
    app.get('/v1/endpoints/:service', async (request, reply) => {
      const { service } = request.params as { service: string };
      const query = request.query as { watch?: string; timeoutSeconds?: string; caller?: string };
      this.requests.push({
        service,
        watch: query.watch,
        timeoutSeconds: query.timeoutSeconds,
        caller: query.caller,
        authorization: request.headers.authorization,
      });
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        return reply.code(401).type('application/problem+json').send({ type: 'unauthorized', status: 401 });
      }
      if (this.failing.has(service)) return reply.code(500).send({ error: 'broken' });
      if (this.garbage) return { hello: 'world' };
      const current = this.state.get(service) ?? { resourceVersion: 0, endpoints: [] };
      if (query.watch !== undefined && Number(query.watch) === current.resourceVersion) {
        const timeoutMs = Number(query.timeoutSeconds ?? '30') * 1000;
        await new Promise<void>((resolve) => {
          const waiters = this.waiters.get(service) ?? new Set();
          this.waiters.set(service, waiters);
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          waiters.add(done);
          request.raw.once('close', done);
        });
      }
      if (this.garbage) return { hello: 'world' };
      const now = this.state.get(service) ?? { resourceVersion: 0, endpoints: [] };
      const body: EndpointList = { service, resourceVersion: now.resourceVersion, endpoints: now.endpoints };
      return body;
    });
    this.url = await app.listen({ port, host: '127.0.0.1' });
    this.app = app;
    return this.url;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    if (!app) return;
    const closing = app.close();
    for (const service of this.waiters.keys()) this.wake(service);
    await closing;
  }
}

function logCollector() {
  const lines: string[] = [];
  const log = createLogger({
    service: 'test',
    version: '1',
    instance: 'test-1',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  const messages = () =>
    lines.map((line) => JSON.parse(line) as { msg: string; err?: string; upstream?: string });
  return { log, messages };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRegistry(
  initial: Record<string, Endpoint[]>,
  firstVersion?: number,
): Promise<FakeRegistry> {
  const registry = new FakeRegistry(initial, firstVersion);
  await registry.start();
  cleanups.push(() => registry.stop());
  return registry;
}

function resolverFor(
  url: string,
  options: { token?: string; watchTimeoutSeconds?: number; caller?: string } = {},
) {
  const logs = logCollector();
  const resolver: Resolver = createRegistryResolver({
    url,
    token: options.token ?? TOKEN,
    ...(options.caller === undefined ? {} : { caller: options.caller }),
    log: logs.log,
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 30,
    maxRetryDelayMs: 50,
  });
  cleanups.push(() => resolver.close());
  return { resolver, logs };
}

describe('createRegistryResolver', () => {
  it('syncs the endpoints of a watched service with a bearer token', async () => {
    const catalog = [endpoint('catalog-1', 4001), endpoint('catalog-2', 4002)];
    const registry = await startRegistry({ catalog });
    const { resolver } = resolverFor(registry.url);
    expect(resolver.synced()).toBe(true); // nothing watched yet
    resolver.watch('catalog');
    expect(resolver.synced()).toBe(false);
    expect(resolver.endpoints('catalog')).toEqual([]);

    await waitUntil(() => resolver.synced(), 'the first answer');
    expect(resolver.endpoints('catalog')).toEqual(catalog);
    expect(resolver.endpoints('cart')).toEqual([]);

    // Then it long-polls with the resourceVersion it has.
    await waitUntil(() => registry.held('catalog') === 1, 'a held watch');
    const [first, ...rest] = registry.requests;
    expect(first).toEqual({
      service: 'catalog',
      watch: undefined,
      timeoutSeconds: undefined,
      authorization: `Bearer ${TOKEN}`,
    });
    expect(rest.length).toBeGreaterThan(0);
    for (const seen of rest) {
      expect(seen).toEqual({
        service: 'catalog',
        watch: '1',
        timeoutSeconds: '30',
        authorization: `Bearer ${TOKEN}`,
      });
    }
  });

  it('names its own service as the caller on every request, when it has one', async () => {
    const registry = await startRegistry({ users: [endpoint('users-1', 4001)] });
    const { resolver } = resolverFor(registry.url, { caller: 'cart' });
    resolver.watch('users');
    await waitUntil(() => resolver.synced(), 'the first answer');
    await waitUntil(() => registry.held('users') === 1, 'a held watch');
    expect(registry.requests.length).toBeGreaterThanOrEqual(2);
    for (const seen of registry.requests) expect(seen.caller).toBe('cart');
    expect(registry.requests.at(-1)).toMatchObject({ watch: '1', timeoutSeconds: '30' });
  });

  it('sees a change as soon as the registry has it, well before the watch timeout', async () => {
    const registry = await startRegistry({ catalog: [endpoint('catalog-1', 4001)] });
    const { resolver } = resolverFor(`${registry.url}/`, { watchTimeoutSeconds: 30 });
    resolver.watch('catalog');
    await waitUntil(() => resolver.synced(), 'the first answer');
    await waitUntil(() => registry.held('catalog') === 1, 'a held watch');

    const next = [endpoint('catalog-2', 4002), endpoint('catalog-3', 4003)];
    registry.setEndpoints('catalog', next);
    // The watch times out after 30 s: seeing the change within 5 s means the long poll delivered it.
    await waitUntil(() => resolver.endpoints('catalog')[0]?.instance === 'catalog-2', 'the new endpoints');
    expect(resolver.endpoints('catalog')).toEqual(next);

    await waitUntil(() => registry.held('catalog') === 1, 'a watch at the new version');
    expect(registry.requests.at(-1)?.watch).toBe('2');

    registry.setEndpoints('catalog', []);
    await waitUntil(() => resolver.endpoints('catalog').length === 0, 'the endpoints to go away');
    expect(resolver.synced()).toBe(true);
  });

  it('re-watches when a long poll times out without a change', async () => {
    const registry = await startRegistry({ catalog: [endpoint('catalog-1', 4001)] });
    const { resolver } = resolverFor(registry.url, { watchTimeoutSeconds: 0 });
    resolver.watch('catalog');
    await waitUntil(() => registry.requests.filter((r) => r.watch === '1').length >= 3, 'several watches');
    expect(registry.requests.every((r) => r.watch === undefined || r.timeoutSeconds === '0')).toBe(true);
    expect(resolver.endpoints('catalog').map((e) => e.instance)).toEqual(['catalog-1']);
  });

  it('keeps the last known endpoints while the registry is away, and recovers when it is back', async () => {
    const catalog = [endpoint('catalog-1', 4001)];
    const registry = await startRegistry({ catalog });
    const { resolver, logs } = resolverFor(registry.url);
    resolver.watch('catalog');
    await waitUntil(() => resolver.synced(), 'the first answer');
    await waitUntil(() => registry.held('catalog') === 1, 'a held watch');

    const port = Number(new URL(registry.url).port);
    await registry.stop();
    const failures = () => logs.messages().filter((m) => m.msg.startsWith('registry watch failed')).length;
    await waitUntil(() => failures() >= 3, 'failed attempts against the stopped registry');
    expect(resolver.endpoints('catalog')).toEqual(catalog);
    expect(resolver.synced()).toBe(true);
    expect(logs.messages().find((m) => m.msg.startsWith('registry watch failed'))).toMatchObject({
      level: 'warn',
      upstream: 'catalog',
    });

    // A registry restarted on the same address, with a new history: the resolver picks its state up.
    const restarted = new FakeRegistry({ catalog: [endpoint('catalog-9', 4009)] }, 7);
    await restarted.start(port);
    cleanups.push(() => restarted.stop());
    await waitUntil(
      () => resolver.endpoints('catalog')[0]?.instance === 'catalog-9',
      'the restarted registry',
    );
  });

  it('keeps the last known endpoints when the registry answers with garbage', async () => {
    const catalog = [endpoint('catalog-1', 4001)];
    const registry = await startRegistry({ catalog });
    const { resolver, logs } = resolverFor(registry.url);
    resolver.watch('catalog');
    await waitUntil(() => resolver.synced(), 'the first answer');
    await waitUntil(() => registry.held('catalog') === 1, 'a held watch');
    registry.garbage = true;
    registry.setEndpoints('catalog', [endpoint('catalog-2', 4002)]);
    await waitUntil(
      () => logs.messages().filter((m) => m.msg.startsWith('registry watch failed')).length >= 2,
      'the bad answers to be rejected',
    );
    expect(resolver.endpoints('catalog')).toEqual(catalog);

    registry.garbage = false;
    await waitUntil(() => resolver.endpoints('catalog')[0]?.instance === 'catalog-2', 'a good answer');
  });

  it('does not sync with a token the registry rejects', async () => {
    const registry = await startRegistry({ catalog: [endpoint('catalog-1', 4001)] });
    const { resolver, logs } = resolverFor(registry.url, { token: 'wrong-token-wrong-token' });
    resolver.watch('catalog');
    await waitUntil(() => registry.requests.length >= 2, 'retries');
    expect(registry.requests.every((r) => r.authorization === 'Bearer wrong-token-wrong-token')).toBe(true);
    expect(resolver.synced()).toBe(false);
    expect(resolver.endpoints('catalog')).toEqual([]);
    await waitUntil(
      () => logs.messages().some((m) => m.err === 'registry answered 401'),
      'the 401 to be logged',
    );
  });

  it('is synced only once every watched service answered', async () => {
    const registry = await startRegistry({
      catalog: [endpoint('catalog-1', 4001)],
      cart: [endpoint('cart-1', 5001)],
    });
    registry.failing.add('cart');
    const { resolver } = resolverFor(registry.url);
    resolver.watch('catalog');
    resolver.watch('cart');
    await waitUntil(() => resolver.endpoints('catalog').length === 1, 'catalog');
    await waitUntil(() => registry.requests.filter((r) => r.service === 'cart').length >= 2, 'cart retries');
    expect(resolver.synced()).toBe(false);

    registry.failing.delete('cart');
    await waitUntil(() => resolver.synced(), 'cart to answer');
    expect(resolver.endpoints('cart').map((e) => e.instance)).toEqual(['cart-1']);
  });

  it('runs one watch loop per service however often it is watched', async () => {
    const registry = await startRegistry({ catalog: [endpoint('catalog-1', 4001)] });
    const { resolver } = resolverFor(registry.url);
    resolver.watch('catalog');
    resolver.watch('catalog');
    resolver.watch('catalog');
    await waitUntil(() => registry.held('catalog') >= 1, 'a held watch');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registry.held('catalog')).toBe(1);
    expect(registry.requests.filter((r) => r.watch === undefined)).toHaveLength(1);
  });

  it('encodes the service name in the path', async () => {
    const registry = await startRegistry({ 'odd name': [endpoint('odd-1', 4001)] });
    const { resolver } = resolverFor(registry.url);
    resolver.watch('odd name');
    await waitUntil(() => resolver.synced(), 'the first answer');
    expect(registry.requests[0]?.service).toBe('odd name');
    expect(resolver.endpoints('odd name')).toHaveLength(1);
  });

  it('closes promptly while a watch is held, and stops polling', async () => {
    const registry = await startRegistry({ catalog: [endpoint('catalog-1', 4001)] });
    const { resolver } = resolverFor(registry.url, { watchTimeoutSeconds: 30 });
    resolver.watch('catalog');
    await waitUntil(() => registry.held('catalog') === 1, 'a held watch');

    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      resolver.close().then(() => 'closed'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still open after 10 s'), 10_000))),
    ]);
    clearTimeout(timer);
    expect(outcome).toBe('closed');
    // The held request was aborted by the client.
    await waitUntil(() => registry.held('catalog') === 0, 'the server to see the watch go away');
    const seen = registry.requests.length;
    registry.setEndpoints('catalog', [endpoint('catalog-2', 4002)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registry.requests.length).toBe(seen);
    expect(resolver.endpoints('catalog').map((e) => e.instance)).toEqual(['catalog-1']);
    await expect(resolver.close()).resolves.toBeUndefined();
  });

  it('closes while the registry is unreachable', async () => {
    const registry = await startRegistry({});
    const url = registry.url;
    await registry.stop();
    const { resolver, logs } = resolverFor(url);
    resolver.watch('catalog');
    await waitUntil(
      () => logs.messages().some((m) => m.msg.startsWith('registry watch failed')),
      'a failure',
    );
    await expect(resolver.close()).resolves.toBeUndefined();
  });
});
