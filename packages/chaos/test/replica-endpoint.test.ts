// One injection end to end over real HTTP: node:http servers on 127.0.0.1 stand in for two replicas' fault
// endpoints, and a small real sendFault / clearFault shows the request shape on the wire.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosApplyError, createChaosManager, type ChaosPlatform } from '../src/index.js';
import { createFakeChaosPlatform } from '../src/testing/fake-chaos-platform.js';

const TOKEN = 'test-control-token';

interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

interface FakeReplica {
  url: string;
  received: Received[];
  server: Server;
}

async function startReplica(): Promise<FakeReplica> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body: text === '' ? undefined : JSON.parse(text),
      });
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        response
          .writeHead(401, { 'content-type': 'application/problem+json' })
          .end('{"title":"Unauthorized"}');
      } else if (request.method === 'POST' && request.url === '/internal/faults') {
        response.writeHead(201, { 'content-type': 'application/json' }).end(text);
      } else if (request.method === 'DELETE' && request.url?.startsWith('/internal/faults/')) {
        response.writeHead(204).end();
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

/** The runtime adapter's HTTP part, as small as it gets. */
function httpFaultClient(
  urls: Map<string, string>,
  token: string,
): Pick<ChaosPlatform, 'sendFault' | 'clearFault'> {
  const call = async (replica: string, method: string, path: string, expected: number, body?: unknown) => {
    const url = urls.get(replica);
    if (url === undefined) throw new Error(`${replica} has no url`);
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}`);
  };
  return {
    sendFault: (replica, fault) => call(replica, 'POST', '/internal/faults', 201, fault),
    clearFault: (replica, id) => call(replica, 'DELETE', `/internal/faults/${encodeURIComponent(id)}`, 204),
  };
}

describe('an injection over HTTP', () => {
  const replicas: FakeReplica[] = [];
  afterEach(async () => {
    for (const replica of replicas.splice(0)) {
      replica.server.closeAllConnections();
      await new Promise((resolve) => replica.server.close(resolve));
    }
  });

  async function setUp(token: string) {
    replicas.push(await startReplica(), await startReplica());
    const platform = createFakeChaosPlatform({ cart: { replicas: ['cart-1', 'cart-2'] } });
    const urls = new Map(replicas.map((r, i) => [`cart-${i + 1}`, r.url]));
    for (const r of platform.services.get('cart')!.replicas) r.url = urls.get(r.name);
    Object.assign(platform, httpFaultClient(urls, token));
    const clock = createManualClock(5_000);
    return { manager: createChaosManager({ platform, clock }), clock };
  }

  it('POSTs the fault to each replica with the token, then DELETEs it by id', async () => {
    const { manager } = await setUp(TOKEN);
    const injection = await manager.inject({
      fault: 'errors',
      target: 'cart',
      params: { ratio: '0.2', status: '503', protocol: 'http' },
      durationMs: 45_000,
    });
    expect(injection.replicas.sort()).toEqual(['cart-1', 'cart-2']);
    for (const replica of replicas) {
      expect(replica.received).toEqual([
        {
          method: 'POST',
          path: '/internal/faults',
          authorization: `Bearer ${TOKEN}`,
          contentType: 'application/json',
          body: {
            id: injection.id,
            kind: 'errors',
            point: 'http',
            params: { ratio: 0.2, status: 503, grpcCode: 'INTERNAL' },
            durationMs: 45_000,
          },
        },
      ]);
    }

    const cleared = await manager.clear(injection.id);
    expect(cleared.status).toBe('cleared');
    expect(cleared.errors).toBeUndefined();
    for (const replica of replicas) {
      expect(replica.received[1]).toMatchObject({
        method: 'DELETE',
        path: `/internal/faults/${injection.id}`,
        authorization: `Bearer ${TOKEN}`,
        body: undefined,
      });
    }
  });

  it('fails the injection when the endpoint refuses the token', async () => {
    const { manager } = await setUp('wrong-token');
    const error = await manager.inject({ fault: 'cpu', target: 'cart' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaosApplyError);
    expect((error as Error).message).toBe(
      'cpu on cart failed: cart-1: POST /internal/faults answered 401; cart-2: POST /internal/faults answered 401',
    );
  });
});
