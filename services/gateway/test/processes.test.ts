// The built gateway and catalogue as processes (build first: npx tsc -b): the catalogue's cache headers
// through the gateway, and the gateway with GATEWAY_WORKERS=2 sharing one port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function start(main: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

let catalog: string;
let gateway: string;
let gatewayProcess: ChildProcess;

beforeAll(async () => {
  const [catalogPort, gatewayPort] = [await freePort(), await freePort()];
  catalog = `http://127.0.0.1:${catalogPort}`;
  gateway = `http://127.0.0.1:${gatewayPort}`;
  start('services/catalog/dist/main.js', { PORT: String(catalogPort) });
  gatewayProcess = start('services/gateway/dist/main.js', {
    PORT: String(gatewayPort),
    ROUTES: '/api/products=catalog',
    OPSLOOP_ENDPOINTS: `catalog=${catalog}`,
    GATEWAY_WORKERS: '2',
    SHUTDOWN_TIMEOUT_MS: '2000',
  });
  await waitFor(`${catalog}/readyz`);
  await waitFor(`${gateway}/readyz`);
}, 30_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  }
});

describe('catalogue cache headers (built processes)', () => {
  it('sends Cache-Control and a strong ETag, and 304 for a matching If-None-Match', async () => {
    const first = await fetch(`${catalog}/api/products?limit=3`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=10');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect((await fetch(`${catalog}/api/products?limit=3`)).headers.get('etag')).toBe(etag);
    expect((await fetch(`${catalog}/api/products?limit=4`)).headers.get('etag')).not.toBe(etag);
    const notModified = await fetch(`${catalog}/api/products?limit=3`, {
      headers: { 'if-none-match': `W/${etag}` },
    });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const id = ((await first.json()) as { items: { id: string }[] }).items[0]!.id;
    const one = await fetch(`${catalog}/api/products/${id}`);
    expect(one.headers.get('etag')).toMatch(/^"/);
    const missing = await fetch(`${catalog}/api/products/00000000-0000-7000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
  });

  it('is cached by the gateway: miss, then hits with the same ETag, and 304 for the client', async () => {
    const first = await fetch(`${gateway}/api/products?limit=7`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const etag = first.headers.get('etag') ?? '';
    // Two workers, each with its own cache: a few requests reach both.
    const outcomes = new Set<string | null>();
    for (let i = 0; i < 6; i++) {
      const again = await fetch(`${gateway}/api/products?limit=7`);
      expect(again.headers.get('etag')).toBe(etag);
      outcomes.add(again.headers.get('x-cache'));
    }
    expect(outcomes.has('hit')).toBe(true);
    const notModified = await fetch(`${gateway}/api/products?limit=7`, {
      headers: { 'if-none-match': etag },
    });
    expect(notModified.status).toBe(304);
  });
});

describe('GATEWAY_WORKERS=2 (built process)', () => {
  it('serves from two worker processes on one port and stops cleanly on SIGTERM', async () => {
    const instances = new Set<string>();
    // Bounded by time, not by a count: on a busy machine the second worker may still be starting.
    const deadline = Date.now() + 20_000;
    while (instances.size < 2 && Date.now() < deadline) {
      // A new connection each time: node:cluster hands connections to workers round-robin.
      const res = await fetch(`${gateway}/metrics`, { headers: { connection: 'close' } });
      const instance = /instance="([^"]+)"/.exec(await res.text())?.[1];
      if (instance) instances.add(instance);
      if (instances.size < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(instances.size).toBe(2);
    gatewayProcess.kill('SIGTERM');
    expect(await exited(gatewayProcess)).toBe(0);
  }, 40_000);
});
