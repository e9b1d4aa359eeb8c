import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import {
  createLogger,
  createMetrics,
  createService,
  createStaticResolver,
  createTestCertificateAuthority,
  watchIdentity,
  writeTestIdentityDir,
  type IdentityWatcher,
  type Service,
  type TestCertificateAuthority,
  type TestLeaf,
} from '@opsloop/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  callerOf,
  Code,
  createRpcClient,
  rpcErrorOf,
  serveRpc,
  type RpcClient,
  type RpcClientOptions,
} from '../src/index.js';
import { EchoResponseSchema, EchoService } from './gen/opsloop/rpctest/v1/echo_pb.js';

type LogLine = { level: string; msg: string; [key: string]: unknown };

let ca: TestCertificateAuthority;
let foreign: TestCertificateAuthority;
let root: string;
let dirCount = 0;
const services: Service[] = [];
const clients: RpcClient<typeof EchoService>[] = [];
const watchers: IdentityWatcher[] = [];

beforeAll(async () => {
  [ca, foreign] = await Promise.all([
    createTestCertificateAuthority(),
    createTestCertificateAuthority('other'),
  ]);
  root = mkdtempSync(join(tmpdir(), 'rpc-mtls-'));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(services.splice(0).map((service) => service.shutdown('test cleanup')));
  for (const watcher of watchers.splice(0)) watcher.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh identity directory holding `leaf` (of `ca` unless told). */
function identityDir(leaf: TestLeaf, trust = ca): string {
  return writeTestIdentityDir(join(root, `id-${++dirCount}`), { caPem: trust.caPem, ...leaf });
}

interface EchoServer {
  service: Service;
  url: string;
  dir: string;
  logs: LogLine[];
  calls: number;
  /** TCP connections accepted. */
  connections: number;
}

/** An echo service `echo` with an identity; `whoami` answers the caller's service. */
async function startEcho(leaf: TestLeaf, env: Record<string, string> = {}, trust = ca): Promise<EchoServer> {
  const dir = identityDir(leaf, trust);
  const logs: LogLine[] = [];
  const server = { dir, logs, calls: 0, connections: 0 };
  const answer = (text: string, context: Parameters<typeof callerOf>[0]) => {
    server.calls++;
    return create(EchoResponseSchema, {
      text: text === 'whoami' ? (callerOf(context) ?? 'anonymous') : text,
      replica: 'echo-1',
    });
  };
  const service = await createService({
    name: 'echo',
    version: '1.0.0',
    env: { OPSLOOP_INSTANCE: 'echo-1', OPSLOOP_TLS_DIR: dir, SHUTDOWN_TIMEOUT_MS: '2000', ...env },
    logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) },
    identityPollIntervalMs: 50,
    setup(context) {
      serveRpc(context, (router) =>
        router.service(EchoService, {
          read: (request, context) => answer(request.text, context),
          put: (request, context) => answer(request.text, context),
          charge: (request, context) => answer(request.text, context),
          async *count(request, context) {
            yield await Promise.resolve(answer(request.text, context));
          },
        }),
      );
    },
  });
  services.push(service);
  const url = await service.listen();
  service.app.server.on('connection', (_socket: Socket) => void server.connections++);
  return Object.assign(server, { service, url });
}

/** A caller's identity, watched in its own directory as a service's would be. */
function clientIdentity(leaf: TestLeaf): { watcher: IdentityWatcher; dir: string } {
  const log = createLogger({ service: 'caller', version: '1', instance: 'c-1', level: 'silent' });
  const dir = identityDir(leaf);
  const watcher = watchIdentity({ dir, log, intervalMs: 50 });
  watchers.push(watcher);
  return { watcher, dir };
}

const clientWatcher = (leaf: TestLeaf) => clientIdentity(leaf).watcher;

function clientOf(server: EchoServer | EchoServer[], options: Partial<RpcClientOptions> = {}) {
  const endpoints = [server]
    .flat()
    .map((s, i) => ({ instance: `echo-${i + 1}`, url: s.url, version: '1.0.0' }));
  const resolver = createStaticResolver(new Map([['echo', endpoints]]));
  const client = createRpcClient(EchoService, { target: 'echo', resolver, timeoutMs: 5000, ...options });
  clients.push(client);
  return client;
}

function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').pop());
  }
  return undefined;
}

/** Polls `check` until it holds or 10 s passed. */
async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Serial of the certificate `server` presents to a new handshake. */
function presentedSerial(server: EchoServer, leaf: TestLeaf): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connectTls(
      {
        host: '127.0.0.1',
        port: Number(port),
        ca: ca.caPem,
        cert: leaf.certPem,
        key: leaf.keyPem,
        ALPNProtocols: ['h2'],
        checkServerIdentity: () => undefined,
      },
      () => {
        const serial = socket.getPeerX509Certificate()?.serialNumber;
        socket.destroy();
        if (serial === undefined) reject(new Error('no server certificate'));
        else resolve(serial);
      },
    );
    socket.on('error', reject);
  });
}

describe('rpc over mutual TLS: caller policy', () => {
  it('lets an allowed caller through and tells the handler who it is', async () => {
    const server = await startEcho(await ca.issue('echo'), { OPSLOOP_RPC_CALLERS: 'cart,gateway' });
    const client = clientOf(server, { identity: clientWatcher(await ca.issue('cart')) });
    expect((await client.read({ text: 'whoami' })).text).toBe('cart');
    expect((await client.charge({ text: 'hello' })).text).toBe('hello');
  });

  it('without OPSLOOP_RPC_CALLERS any holder of a runtime certificate may call', async () => {
    const server = await startEcho(await ca.issue('echo'));
    const client = clientOf(server, { identity: clientWatcher(await ca.issue('anyone')) });
    expect((await client.read({ text: 'whoami' })).text).toBe('anyone');
  });

  it('refuses a caller not in OPSLOOP_RPC_CALLERS with PERMISSION_DENIED, logged and counted', async () => {
    const server = await startEcho(await ca.issue('echo'), { OPSLOOP_RPC_CALLERS: 'cart' });
    const client = clientOf(server, { identity: clientWatcher(await ca.issue('gateway')) });
    const error = await rpcErrorOf(client.charge({ text: 'x' }));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(server.calls).toBe(0);
    const refused = server.logs.filter((line) => line.msg === 'rpc caller refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      level: 'warn',
      caller: 'gateway',
      rpc_method: 'opsloop.rpctest.v1.EchoService/Charge',
      remote_address: '127.0.0.1',
      reason: 'caller_not_allowed',
    });
    const text = await server.service.metrics.registry.metrics();
    expect(sampleValue(text, 'rpc_server_refused_total', { reason: 'caller_not_allowed' })).toBe(1);
  });

  it('an empty OPSLOOP_RPC_CALLERS lets nobody call', async () => {
    const server = await startEcho(await ca.issue('echo'), { OPSLOOP_RPC_CALLERS: '' });
    const client = clientOf(server, { identity: clientWatcher(await ca.issue('cart')) });
    expect((await rpcErrorOf(client.read({ text: 'x' }))).code).toBe(Code.PermissionDenied);
    expect(server.calls).toBe(0);
  });

  it('refuses a caller whose certificate names no service when a policy is set', async () => {
    const server = await startEcho(await ca.issue('echo'), { OPSLOOP_RPC_CALLERS: 'cart' });
    // The kit's watcher refuses such an identity, so present it through a static source.
    const anonymous = await ca.issue('cart', { uris: [] });
    const identity = {
      current: () => ({
        ca: ca.caPem,
        cert: anonymous.certPem,
        key: anonymous.keyPem,
        service: 'cart',
        serial: anonymous.serial,
        notAfter: Date.now() + 3_600_000,
      }),
      onChange: () => () => {},
    };
    const client = clientOf(server, { identity });
    expect((await rpcErrorOf(client.read({ text: 'x' }))).code).toBe(Code.PermissionDenied);
    const text = await server.service.metrics.registry.metrics();
    expect(sampleValue(text, 'rpc_server_refused_total', { reason: 'no_service_identity' })).toBe(1);
  });
});

describe('rpc over mutual TLS: authentication', () => {
  it('refuses a client whose certificate is of another CA (at the handshake, before any handler)', async () => {
    const server = await startEcho(await ca.issue('echo'));
    // The stranger trusts the runtime CA (so it could verify the server) but its own cert is foreign.
    const stranger = await foreign.issue('cart');
    const identity = {
      current: () => ({
        ca: ca.caPem,
        cert: stranger.certPem,
        key: stranger.keyPem,
        service: 'cart',
        serial: stranger.serial,
        notAfter: Date.now() + 3_600_000,
      }),
      onChange: () => () => {},
    };
    const client = clientOf(server, { identity, retry: { maxAttempts: 1 } });
    const error = await rpcErrorOf(client.charge({ text: 'x' }));
    expect(error.code).toBe(Code.Unavailable);
    expect(server.calls).toBe(0);
    await eventually(() => server.logs.some((line) => line.msg === 'TLS handshake refused'));
  });

  it('refuses a cleartext client with UNAUTHENTICATED', async () => {
    const server = await startEcho(await ca.issue('echo'));
    const client = clientOf(server);
    const error = await rpcErrorOf(client.charge({ text: 'x' }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe('mutual TLS required');
    expect(server.calls).toBe(0);
  });

  it('refuses a server whose certificate names another service (impersonation)', async () => {
    const server = await startEcho(await ca.issue('payments'));
    const client = clientOf(server, {
      identity: clientWatcher(await ca.issue('cart')),
      retry: { maxAttempts: 1 },
    });
    const error = await rpcErrorOf(client.charge({ text: 'x' }));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.message).toMatch(/server certificate names payments, expected echo/);
    expect(server.calls).toBe(0);
  });

  it('refuses a server whose certificate is of another CA', async () => {
    const server = await startEcho(await foreign.issue('echo'), {}, foreign);
    const client = clientOf(server, {
      identity: clientWatcher(await ca.issue('cart')),
      retry: { maxAttempts: 1 },
    });
    const error = await rpcErrorOf(client.charge({ text: 'x' }));
    // UNAVAILABLE: an unverifiable replica is as unusable as a refusing one; another may be fine.
    expect(error.code).toBe(Code.Unavailable);
    expect(error.message).toMatch(/self-signed certificate in certificate chain/);
    expect(server.calls).toBe(0);
  });

  it('an idempotent call refused by an impostor replica is retried on an honest one', async () => {
    const impostor = await startEcho(await ca.issue('payments'));
    const honest = await startEcho(await ca.issue('echo'));
    const client = clientOf([impostor, honest], { identity: clientWatcher(await ca.issue('cart')) });
    const answers = await Promise.all(Array.from({ length: 6 }, () => client.read({ text: 'x' })));
    expect(answers.map((answer) => answer.text)).toEqual(Array(6).fill('x'));
    expect(impostor.calls).toBe(0);
    expect(honest.calls).toBe(6);
  });
});

describe('rpc over mutual TLS: rotation', () => {
  it('rotating client and server certificates during a stream of calls fails none', async () => {
    const server = await startEcho(await ca.issue('echo'), { OPSLOOP_RPC_CALLERS: 'cart' });
    const { watcher: identity, dir: clientDir } = clientIdentity(await ca.issue('cart'));
    const metrics = createMetrics({ service: 'cart', version: '1', instance: 'cart-1' });
    // Charge is never retried: a failure cannot hide behind a retry.
    const client = clientOf(server, { identity, metrics, retry: { maxAttempts: 1 } });
    let done = 0;
    let failed = 0;
    const failures: unknown[] = []; // the first few, for the report
    let rotating = true;
    let stopped = false;
    const worker = async () => {
      // Stops at the first failure: failing calls may never leave the microtask queue (a circuit open fails
      // at once), which would starve the timers of the test itself.
      while (!stopped && failed === 0 && (rotating || done < 600)) {
        try {
          await client.charge({ text: 'x' });
        } catch (error) {
          failed++;
          if (failures.length < 5) failures.push(error);
        }
        done++;
      }
    };
    const workers = Promise.all(Array.from({ length: 8 }, worker));

    const rotations = 4;
    let lastServer: TestLeaf | undefined;
    try {
      for (let i = 0; i < rotations; i++) {
        const before = done;
        await eventually(() => failed > 0 || done >= before + 50); // calls flow between rotations
        lastServer = await ca.issue('echo');
        const nextClient = await ca.issue('cart');
        writeTestIdentityDir(server.dir, { caPem: ca.caPem, ...lastServer });
        writeTestIdentityDir(clientDir, { caPem: ca.caPem, ...nextClient });
        await eventually(() => identity.current().serial === nextClient.serial);
      }
      const settled = done;
      await eventually(() => failed > 0 || done >= settled + 50);
    } finally {
      rotating = false;
      // A failing run must end too: stop the workers once the calls are counted or at the first error.
      await eventually(() => done >= 600 || failed > 0).catch(() => {});
      stopped = true;
      await workers;
    }

    expect(failures).toEqual([]);
    expect(failed).toBe(0);
    expect(done).toBeGreaterThanOrEqual(600);
    expect(server.calls).toBe(done);
    // Each client rotation opened a new connection: one at first, one per rotation.
    expect(server.connections).toBe(rotations + 1);
    // New handshakes get the server's latest certificate.
    expect(await presentedSerial(server, await ca.issue('cart'))).toBe(lastServer!.serial);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'rpc_client_duration_seconds_count', { code: 'OK' })).toBe(done);
  });
});
