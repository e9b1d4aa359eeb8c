import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  connect as connectHttp2,
  type ClientHttp2Session,
  type SecureClientSessionOptions,
} from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Client } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestCertificateAuthority,
  writeTestIdentityDir,
  type TestCertificateAuthority,
  type TestLeaf,
} from './identity/test-ca.js';
import { createService, type Service } from './service.js';

let ca: TestCertificateAuthority;
let foreign: TestCertificateAuthority;
let client: TestLeaf;
const roots: string[] = [];
const running: Service[] = [];
const sessions: ClientHttp2Session[] = [];

beforeAll(async () => {
  [ca, foreign] = await Promise.all([
    createTestCertificateAuthority(),
    createTestCertificateAuthority('other'),
  ]);
  client = await ca.issue('caller');
});
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await Promise.all(running.splice(0).map((service) => service.shutdown('test cleanup')));
});
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `check` until it holds or 5 s passed. */
async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Started {
  service: Service;
  url: string;
  dir: string;
  serverLeaf: TestLeaf;
  logs: { level: string; msg: string; [key: string]: unknown }[];
}

/** A service `demo` with an identity and an HTTP/2 handler answering what it saw of the peer. */
async function tlsService(
  handler?: (release: Promise<void>) => Promise<void>,
  env: Record<string, string> = {},
) {
  const root = mkdtempSync(join(tmpdir(), 'kit-tls-'));
  roots.push(root);
  const serverLeaf = await ca.issue('demo');
  const dir = writeTestIdentityDir(join(root, 'id'), { caPem: ca.caPem, ...serverLeaf });
  const logs: Started['logs'] = [];
  const service = await createService({
    name: 'demo',
    version: '1.0.0',
    env: { LOG_LEVEL: 'info', OPSLOOP_TLS_DIR: dir, ...env },
    logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) },
    identityPollIntervalMs: 50,
    setup(context) {
      context.app.get('/hello', () => ({ via: 'http/1.1' }));
      context.http2((req, res) => {
        void (async () => {
          if (handler) await handler(Promise.resolve());
          const socket = req.socket as TLSSocket;
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              encrypted: socket.encrypted === true,
              peer: socket.getPeerX509Certificate?.()?.subjectAltName ?? null,
            }),
          );
        })();
      });
    },
  });
  running.push(service);
  const url = await service.listen();
  return { service, url, dir, serverLeaf, logs } satisfies Started;
}

function tlsConnect(url: string, leaf: TestLeaf | undefined, trust = ca.caPem): ClientHttp2Session {
  const options: SecureClientSessionOptions = {
    ca: trust,
    servername: 'demo',
    // The URL's host is an IP: the kit's test checks the serial instead of the name.
    checkServerIdentity: () => undefined,
    ...(leaf ? { cert: leaf.certPem, key: leaf.keyPem } : {}),
  };
  const session = connectHttp2(url.replace('http://', 'https://'), options);
  session.on('error', () => {});
  sessions.push(session);
  return session;
}

function h2Request(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':method': 'POST', ...headers });
    let got: Record<string, unknown> = {};
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (got = { ...h }));
    stream.on('data', (chunk: string) => (body += chunk));
    let ended = false;
    stream.on('end', () => (ended = true));
    // Only a stream that got a response and ended cleanly counts as answered: a refused handshake or a
    // destroyed session ends streams without one.
    stream.on('close', () => {
      if (ended && got[':status'] !== undefined) resolve({ headers: got, body });
      else reject(new Error(`stream closed without an answer (rst code ${stream.rstCode ?? 'none'})`));
    });
    stream.on('error', reject);
    stream.end();
  });
}

/**
 * Serial of the certificate the server presented in `session`'s handshake. Read at 'connect': later, the
 * client's TLS socket may no longer report it (seen after the server rotated), the session is unaffected.
 */
async function serverSerial(session: ClientHttp2Session): Promise<string> {
  if (session.connecting)
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
  return (session.socket as TLSSocket).getPeerX509Certificate()!.serialNumber;
}

describe('createService with an identity: HTTP/2 over mutual TLS', () => {
  it('serves HTTP/2 over TLS to a client of the runtime CA, and HTTP/1.1 cleartext on the same port', async () => {
    const { url } = await tlsService();
    const session = tlsConnect(url, client);
    const answer = await h2Request(session, '/x');
    expect(answer.headers[':status']).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      encrypted: true,
      peer: 'URI:spiffe://opsloop.local/service/caller, DNS:caller',
    });
    expect((session.socket as TLSSocket).alpnProtocol).toBe('h2');

    const http1 = new Client(url);
    try {
      const res = await http1.request({ method: 'GET', path: '/hello' });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ via: 'http/1.1' });
    } finally {
      await http1.close();
    }
  });

  it('refuses cleartext HTTP/2: gRPC gets UNAUTHENTICATED, Connect a 401; one warning per connection', async () => {
    const { url, logs } = await tlsService(() => {
      throw new Error('the handler must not run for cleartext');
    });
    const session = connectHttp2(url);
    session.on('error', () => {});
    sessions.push(session);
    const grpc = await h2Request(session, '/pkg.Svc/Method', { 'content-type': 'application/grpc' });
    expect(grpc.headers).toMatchObject({
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': '16',
      'grpc-message': 'mutual%20TLS%20required',
    });
    expect(grpc.body).toBe('');
    const connect = await h2Request(session, '/pkg.Svc/Method', { 'content-type': 'application/json' });
    expect(connect.headers[':status']).toBe(401);
    expect(JSON.parse(connect.body)).toEqual({ code: 'unauthenticated', message: 'mutual TLS required' });
    const warnings = logs.filter((line) => line.msg === 'cleartext HTTP/2 refused: mutual TLS required');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', remote_address: '127.0.0.1' });
  });

  it('refuses at the handshake a client without a certificate, with an expired one or one of another CA', async () => {
    const { url, logs } = await tlsService();
    const expired = await ca.issue('caller', {
      notBefore: new Date(Date.now() - 7_200_000),
      notAfter: new Date(Date.now() - 3_600_000),
    });
    const stranger = await foreign.issue('caller');
    for (const leaf of [undefined, expired, stranger]) {
      const session = tlsConnect(url, leaf);
      await expect(h2Request(session, '/x')).rejects.toThrow();
    }
    await eventually(() => logs.filter((line) => line.msg === 'TLS handshake refused').length >= 3);
    // A client that does not trust the runtime CA refuses the server too.
    const distrustful = tlsConnect(url, client, foreign.caPem);
    await expect(h2Request(distrustful, '/x')).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('rotation: new handshakes present the new certificate, live sessions keep theirs', async () => {
    const { url, dir, serverLeaf } = await tlsService();
    const before = tlsConnect(url, client);
    expect(await serverSerial(before)).toBe(serverLeaf.serial);
    await h2Request(before, '/x');

    const next = await ca.issue('demo');
    writeTestIdentityDir(dir, { caPem: ca.caPem, ...next });
    await eventually(async () => {
      const probe = tlsConnect(url, client);
      const serial = await serverSerial(probe);
      probe.close();
      return serial === next.serial;
    });
    // The session opened before the rotation still works, and the server still knows its client.
    const answer = await h2Request(before, '/x');
    expect(answer.headers[':status']).toBe(200);
    expect(JSON.parse(answer.body).peer).toBe('URI:spiffe://opsloop.local/service/caller, DNS:caller');
    expect(before.destroyed).toBe(false);
    expect(new X509Certificate(next.certPem).serialNumber).toBe(next.serial);
  });
});

describe('createService with an identity: graceful shutdown over TLS', () => {
  it('sends GOAWAY to TLS sessions, lets an in-flight stream finish, cuts handshakes in progress', async () => {
    const hold = deferred();
    const entered = deferred();
    const { service, url } = await tlsService(async () => {
      entered.resolve();
      await hold.promise;
    });
    const session = tlsConnect(url, client);
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
    const inFlight = h2Request(session, '/slow');
    await entered.promise;
    // A connection that started a TLS handshake and stalls.
    const { hostname, port } = new URL(url);
    const stalled = connectTcp({ host: hostname, port: Number(port) });
    stalled.on('error', () => {});
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write(Buffer.from([0x16, 0x03, 0x01]));
    const stalledClosed = new Promise((resolve) => stalled.once('close', resolve));

    const stopping = service.shutdown('test');
    expect(await goaway).toBe(0);
    await stalledClosed;
    let settled = false;
    void stopping.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    hold.resolve();
    expect((await inFlight).headers[':status']).toBe(200);
    await expect(stopping).resolves.toBe(true);
  });

  it('destroys a TLS stream that outlives SHUTDOWN_TIMEOUT_MS', async () => {
    const entered = deferred();
    const { service, url } = await tlsService(
      async () => {
        entered.resolve();
        await new Promise(() => {});
      },
      { SHUTDOWN_TIMEOUT_MS: '100' },
    );
    const session = tlsConnect(url, client);
    const stuck = h2Request(session, '/forever').then(
      () => 'answered',
      () => 'cut',
    );
    await entered.promise;
    await expect(service.shutdown('test')).resolves.toBe(false);
    expect(await stuck).toBe('cut');
  });
});
