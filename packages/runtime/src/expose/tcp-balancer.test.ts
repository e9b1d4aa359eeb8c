import { createServer, type Server } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import { createTcpBalancer, sourceAddressFor, type TcpBalancer } from './tcp-balancer.js';

/** A TCP server that answers every connection with its name and closes. */
async function named(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function ask(url: string, localAddress?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    let text = '';
    socket.on('data', (chunk) => (text += String(chunk)));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error('timed out')));
  });
}

describe('TCP balancer (an exposed service)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });

  it('follows a traffic split exactly per cycle of connections, and equal shares without one', async () => {
    const registry = new EndpointRegistry();
    const servers = await Promise.all(['stable-1', 'stable-2', 'canary-1'].map(named));
    for (const s of servers) cleanup.push(() => new Promise((resolve) => s.server.close(() => resolve())));
    const revisions = ['stable', 'stable', 'canary'];
    servers.forEach((s, i) =>
      registry.set('web', {
        instance: `web-${i + 1}`,
        url: `http://127.0.0.1:${s.port}`,
        version: '1',
        revision: revisions[i]!,
      }),
    );
    const balancer: TcpBalancer = await createTcpBalancer({ service: 'web', registry, port: 0 });
    cleanup.push(() => balancer.close());

    const count = async (n: number) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const name = await ask(balancer.url);
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }
      return Object.fromEntries([...seen].sort());
    };
    expect(await count(30)).toEqual({ 'canary-1': 10, 'stable-1': 10, 'stable-2': 10 });
    registry.split('web', { stable: 80, canary: 20 });
    expect(await count(50)).toEqual({ 'canary-1': 10, 'stable-1': 20, 'stable-2': 20 });
    registry.split('web', { stable: 100, canary: 0 });
    expect(await count(20)).toEqual({ 'stable-1': 10, 'stable-2': 10 });
  });

  it("connects from the client's loopback address, so the replica sees who called", async () => {
    const registry = new EndpointRegistry();
    const echo = createServer((socket) => socket.end(socket.remoteAddress ?? ''));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => echo.close(() => resolve())));
    const port = (echo.address() as { port: number }).port;
    registry.set('web', { instance: 'web-1', url: `http://127.0.0.1:${port}`, version: '1' });
    const balancer = await createTcpBalancer({ service: 'web', registry, port: 0 });
    cleanup.push(() => balancer.close());
    // Linux: every 127.0.0.0/8 address is the machine's own.
    expect(await ask(balancer.url, '127.0.0.2')).toMatch(/^(::ffff:)?127\.0\.0\.2$/);
    expect(await ask(balancer.url)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('keeps the client address only from loopback to loopback', () => {
    expect(sourceAddressFor('::ffff:127.0.0.9', '127.0.0.1')).toBe('127.0.0.9');
    expect(sourceAddressFor('127.0.0.9', 'localhost')).toBeUndefined();
    expect(sourceAddressFor('192.0.2.7', '127.0.0.1')).toBeUndefined();
    expect(sourceAddressFor(undefined, '127.0.0.1')).toBeUndefined();
  });
});
