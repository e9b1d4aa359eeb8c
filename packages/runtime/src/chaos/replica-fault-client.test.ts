import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicaFaultClient, ReplicaFaultError } from './replica-fault-client.js';

const TOKEN = 'fault-token-0123456789';

/** A loopback stand-in for a replica's fault endpoint: answers by the path, records every request. */
describe('the replica fault client', () => {
  let server: Server;
  let url: string;
  const seen: { method: string; path: string; auth: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const path = request.url ?? '';
        seen.push({ method: request.method ?? '', path, auth: request.headers.authorization, body });
        const answer = (status: number, text = '') => {
          response.writeHead(status, { 'content-type': 'application/problem+json' });
          response.end(text);
        };
        if (path.startsWith('/ok')) return answer(request.method === 'POST' ? 201 : 204);
        if (path.startsWith('/gone')) return answer(404, JSON.stringify({ title: 'Not found' }));
        if (path.startsWith('/refuse'))
          return answer(403, JSON.stringify({ title: 'Forbidden', detail: 'bad fault token' }));
        return answer(500, 'plain failure text');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = createReplicaFaultClient(TOKEN);

  it('posts the fault as JSON with the token, and deletes by id (escaped)', async () => {
    await client.send(`${url}/ok`, { kind: 'errors', point: 'http', params: { ratio: 1 } });
    await client.clear(`${url}/ok`, 'f 1/2');
    expect(seen.slice(-2)).toEqual([
      {
        method: 'POST',
        path: '/ok/internal/faults',
        auth: `Bearer ${TOKEN}`,
        body: JSON.stringify({ kind: 'errors', point: 'http', params: { ratio: 1 } }),
      },
      { method: 'DELETE', path: '/ok/internal/faults/f%201%2F2', auth: `Bearer ${TOKEN}`, body: '' },
    ]);
  });

  it('rejects a refused send with the status and the problem detail', async () => {
    await expect(client.send(`${url}/refuse`, {})).rejects.toThrow(
      new ReplicaFaultError(`${url}/refuse refused the fault (403): bad fault token`),
    );
    await expect(client.send(`${url}/fail`, {})).rejects.toThrow(/\(500\): plain failure text$/);
  });

  it('takes an unknown id on clear as already gone; other failures reject', async () => {
    await expect(client.clear(`${url}/gone`, 'f1')).resolves.toBeUndefined();
    await expect(client.clear(`${url}/refuse`, 'f1')).rejects.toBeInstanceOf(ReplicaFaultError);
  });

  it('turns a connection failure into a ReplicaFaultError naming the call', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const error: unknown = await client.send(dead, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicaFaultError);
    expect((error as Error).message).toMatch(new RegExp(`^POST ${dead}/internal/faults: `));
  });
});
