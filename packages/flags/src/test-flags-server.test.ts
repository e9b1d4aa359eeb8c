import { afterEach, describe, expect, it } from 'vitest';
import { FlagsArgumentError } from './flag-errors.js';
import { createFlagStore } from './flag-store.js';
import { startTestFlagsServer, type TestFlagsServer } from './test-flags-server.js';

const document = {
  flags: { 'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } },
};

const started: TestFlagsServer[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.close();
});

async function start(...args: Parameters<typeof startTestFlagsServer>) {
  const server = await startTestFlagsServer(...args);
  started.push(server);
  return server;
}

describe('startTestFlagsServer', () => {
  it('serves the document on loopback and records each request', async () => {
    const server = await start({ document });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1/flags`);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ resourceVersion: 1, document });
    expect(server.requests).toEqual(['/v1/flags']);
  });

  it('answers a watch once the store changes', async () => {
    const server = await start({ document });
    const watch = fetch(`${server.url}?watch=1&timeoutSeconds=30`);
    server.store.set('new-checkout', { defaultVariant: 'on' });
    const body = (await (await watch).json()) as { resourceVersion: number };
    expect(body.resourceVersion).toBe(2);
  });

  it('refuses a request without the token with 401, and a bad query with a 400 problem', async () => {
    const server = await start({ document, token: 'secret' });
    expect((await fetch(server.url)).status).toBe(401);
    const auth = { headers: { authorization: 'Bearer secret' } };
    expect((await fetch(server.url, auth)).status).toBe(200);
    const bad = await fetch(`${server.url}?watch=x`, auth);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('close() ends pending watches of a store it made, but leaves a caller-owned store open', async () => {
    const owned = await startTestFlagsServer({ document });
    const watch = owned.store.waitForChange(1, 60_000);
    await owned.close();
    expect(await watch).toBeUndefined();
    await owned.close(); // again: a test's cleanup after the test closed it

    const store = createFlagStore(document);
    const borrowed = await startTestFlagsServer({ store });
    await borrowed.close();
    const change = store.waitForChange(1, 60_000);
    store.set('new-checkout', { defaultVariant: 'on' });
    expect((await change)?.resourceVersion).toBe(2);
    store.close();
  });

  it('comes back on the same port with the same store', async () => {
    const store = createFlagStore(document);
    const first = await startTestFlagsServer({ store });
    await first.close();
    const second = await start({ store, port: first.port });
    expect(second.url).toBe(first.url);
    expect((await fetch(second.url)).status).toBe(200);
    store.close();
  });

  it('names a bad source or port', async () => {
    const neither = {} as Parameters<typeof startTestFlagsServer>[0];
    await expect(startTestFlagsServer(neither)).rejects.toThrow(FlagsArgumentError);
    const both = { document, store: createFlagStore(document) } as unknown as Parameters<
      typeof startTestFlagsServer
    >[0];
    await expect(startTestFlagsServer(both)).rejects.toThrow(/exactly one of document and store/);
    await expect(startTestFlagsServer({ document, port: 70_000 })).rejects.toThrow(
      'port: expected an integer 0..65535, got 70000',
    );
  });
});
