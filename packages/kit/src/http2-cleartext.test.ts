import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP2_PREFACE } from './http2-cleartext.js';
import { createService, type Service, type ServiceContext } from './service.js';
import type { BaseConfig } from './config.js';

const running: Service[] = [];
const sessions: ClientHttp2Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await Promise.all(running.splice(0).map((service) => service.shutdown('test cleanup')));
});

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function serviceWith(
  setup: (context: ServiceContext<BaseConfig>) => void,
  env: Record<string, string> = {},
): Promise<{ service: Service; url: string }> {
  const service = await createService({
    name: 'demo',
    version: '1.0.0',
    env: { LOG_LEVEL: 'silent', ...env },
    setup(context) {
      context.app.get('/hello', () => ({ via: 'http/1.1' }));
      setup(context);
    },
  });
  running.push(service);
  return { service, url: await service.listen() };
}

/** One HTTP/2 request: status and body text, or the stream's error. */
function h2Request(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.end();
  });
}

function h2Connect(url: string): ClientHttp2Session {
  const session = connectHttp2(url);
  session.on('error', () => {});
  sessions.push(session);
  return session;
}

/** Writes `parts` on a raw TCP connection with pauses between them; resolves to everything read back. */
function rawExchange(url: string, parts: (string | Buffer)[]): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: hostname, port: Number(port) }, () => {
      void (async () => {
        for (const part of parts) {
          socket.write(part);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n') && text.includes('}')) socket.end();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('createService: HTTP/2 cleartext next to HTTP/1.1', () => {
  it('answers HTTP/1.1 and HTTP/2 (prior knowledge) on one port', async () => {
    const { url } = await serviceWith(({ http2 }) =>
      http2((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ via: `http/${req.httpVersion}`, path: req.url }));
      }),
    );
    const client = new Client(url);
    try {
      const res = await client.request({ method: 'GET', path: '/hello' });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ via: 'http/1.1' });
      // Kit routes stay on HTTP/1.1 with all of Fastify's behaviour.
      const livez = await client.request({ method: 'GET', path: '/livez' });
      expect(livez.statusCode).toBe(200);
      await livez.body.dump();
    } finally {
      await client.close();
    }
    const session = h2Connect(url);
    const answer = await h2Request(session, '/any/path');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ via: 'http/2.0', path: '/any/path' });
    // Many streams on one session.
    const many = await Promise.all([1, 2, 3].map((i) => h2Request(session, `/n/${i}`)));
    expect(many.map((a) => JSON.parse(a.body).path)).toEqual(['/n/1', '/n/2', '/n/3']);
  });

  it('classifies connections whose first bytes arrive in small pieces', async () => {
    const { url } = await serviceWith(({ http2 }) => http2((_req, res) => res.end('h2')));
    const http1 = await rawExchange(url, ['G', 'ET /hel', 'lo HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(http1).toMatch(/^HTTP\/1\.1 200 /);
    expect(http1).toContain('{"via":"http/1.1"}');
    // A request line that shares the preface's first bytes is still HTTP/1.1 (Node's parser refuses PRI).
    const pri = await rawExchange(url, ['PRI /hello HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(pri).toMatch(/^HTTP\/1\.1 400 /);
    // The HTTP/2 preface split over writes: the session still opens (the server answers with SETTINGS).
    const { hostname, port } = new URL(url);
    const settings = await new Promise<Buffer>((resolve, reject) => {
      const socket = connectTcp({ host: hostname, port: Number(port) }, () => {
        socket.write(HTTP2_PREFACE.subarray(0, 5));
        setTimeout(() => socket.write(HTTP2_PREFACE.subarray(5)), 20);
      });
      socket.once('data', (chunk: Buffer) => {
        socket.destroy();
        resolve(chunk);
      });
      socket.on('error', reject);
    });
    // A frame header: 3 bytes length, type 0x4 (SETTINGS).
    expect(settings[3]).toBe(0x4);
  });

  it('leaves services without an HTTP/2 handler on plain HTTP/1.1', async () => {
    const { service, url } = await serviceWith(() => {});
    expect(service.app.server.listenerCount('connection')).toBe(1);
    const session = h2Connect(url);
    await expect(h2Request(session, '/hello')).rejects.toThrow();
  });

  it('refuses a second handler', async () => {
    await expect(
      serviceWith(({ http2 }) => {
        http2(() => {});
        http2(() => {});
      }),
    ).rejects.toThrow(/already registered/);
  });
});

describe('createService: graceful shutdown with HTTP/2', () => {
  it('sends GOAWAY, lets an in-flight stream finish, then stops', async () => {
    const hold = deferred();
    const entered = deferred();
    const { service, url } = await serviceWith(
      ({ http2 }) =>
        http2((_req, res) => {
          entered.resolve();
          void hold.promise.then(() => res.end('finished'));
        }),
      { SHUTDOWN_TIMEOUT_MS: '10000' },
    );
    const session = h2Connect(url);
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
    const inFlight = h2Request(session, '/slow');
    await entered.promise;

    const stopping = service.shutdown('test');
    let settled = false;
    void stopping.then(() => (settled = true));
    expect(await goaway).toBe(0); // NO_ERROR: a graceful GOAWAY
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);

    hold.resolve();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await expect(stopping).resolves.toBe(true);
    // The listener is closed.
    const late = h2Connect(url);
    await expect(h2Request(late, '/late')).rejects.toThrow();
  });

  it('destroys a stream that outlives SHUTDOWN_TIMEOUT_MS and resolves false', async () => {
    const entered = deferred();
    const { service, url } = await serviceWith(({ http2 }) => http2(() => entered.resolve()), {
      SHUTDOWN_TIMEOUT_MS: '100',
    });
    const session = h2Connect(url);
    const stuck = h2Request(session, '/forever').then(
      ({ status }) => (status === 200 ? 'answered' : 'cut'),
      () => 'cut',
    );
    await entered.promise;
    await expect(service.shutdown('test')).resolves.toBe(false);
    expect(await stuck).toBe('cut');
  });

  it('closes idle HTTP/2 sessions and unclassified connections at once', async () => {
    const { service, url } = await serviceWith(({ http2 }) => http2((_req, res) => res.end('ok')), {
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const session = h2Connect(url);
    expect((await h2Request(session, '/x')).body).toBe('ok');
    const { hostname, port } = new URL(url);
    const silent = connectTcp({ host: hostname, port: Number(port) });
    silent.on('error', () => {});
    await new Promise((resolve) => silent.once('connect', resolve));
    const silentClosed = new Promise((resolve) => silent.once('close', resolve));
    await expect(service.shutdown('test')).resolves.toBe(true);
    await silentClosed;
  });
});
