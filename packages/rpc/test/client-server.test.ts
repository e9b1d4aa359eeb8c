import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { createManualClock, createMetrics, createStaticResolver, type ServiceMetrics } from '@opsloop/kit';
import { Client as HttpClient } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Code,
  ConnectError,
  createRpcClient,
  rpcErrorOf as errorOf,
  type RpcClient,
  type RpcClientOptions,
} from '../src/index.js';
import { createMutableResolver, startEchoReplica, type EchoReplica } from './echo-replica.js';
import { EchoService } from './gen/opsloop/rpctest/v1/echo_pb.js';

const replicas: EchoReplica[] = [];
const clients: RpcClient<typeof EchoService>[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(replicas.splice(0).map((replica) => replica.service.shutdown('test cleanup')));
});

async function twoReplicas(env: Record<string, string> = {}) {
  const a = await startEchoReplica('echo-a', env);
  const b = await startEchoReplica('echo-b', env);
  replicas.push(a, b);
  return [a, b] as const;
}

function clientOf(endpoints: EchoReplica[], options: Partial<RpcClientOptions> = {}) {
  const resolver = createStaticResolver(new Map([['echo', endpoints.map((r) => r.endpoint)]]));
  const client = createRpcClient(EchoService, { target: 'echo', resolver, ...options });
  clients.push(client);
  return client;
}

async function codeOf(call: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('rpc over discovery: load balancing and failover', () => {
  it('spreads calls over both replicas', async () => {
    const [a, b] = await twoReplicas();
    const client = clientOf([a, b]);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => client.read({ text: `hi ${i}` })));
    expect(answers.map((r) => r.text)).toEqual(Array.from({ length: 10 }, (_, i) => `hi ${i}`));
    expect(a.calls.Read).toBe(5);
    expect(b.calls.Read).toBe(5);
  });

  it('fails over to the live replica when one is killed (discovery still lists it)', async () => {
    const [a, b] = await twoReplicas();
    const client = clientOf([a, b]);
    await client.read({ text: 'warm up' });
    await client.read({ text: 'warm up' });
    await a.service.shutdown('killed');
    for (let i = 0; i < 6; i++) expect((await client.read({ text: 'x' })).replica).toBe('echo-b');
    expect((await client.put({ text: 'x' })).replica).toBe('echo-b');
  });

  it('retries an idempotent call whose replica dies under it', async () => {
    const a = await startEchoReplica('echo-a', { SHUTDOWN_TIMEOUT_MS: '0' });
    const b = await startEchoReplica('echo-b');
    replicas.push(a, b);
    const client = clientOf([a, b]);
    // The first call goes to a, which hangs until a is shut down with no grace: its stream is cut.
    const call = client.read({ text: 'hang:echo-a' }, { timeoutMs: 5000 });
    while (a.calls.Read !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await a.service.shutdown('killed');
    expect((await call).replica).toBe('echo-b');
  });

  it('retries an idempotent call whose connection is cut (as when the process is SIGKILLed)', async () => {
    const [a, b] = await twoReplicas();
    const client = clientOf([a, b]);
    const call = client.put({ text: 'hang:echo-a' }, { timeoutMs: 5000 });
    while (a.calls.Put !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const socket of a.sockets) socket.destroy();
    expect((await call).replica).toBe('echo-b');
  });

  it('does not retry a non-idempotent method: it fails where it landed', async () => {
    const [a, b] = await twoReplicas();
    a.failWith = Code.Unavailable;
    const client = clientOf([a, b]);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await codeOf(client.charge({ text: 'pay' })));
    expect(codes).toEqual([Code.Unavailable, 'ok', Code.Unavailable, 'ok']);
    expect(a.calls.Charge).toBe(2);
    expect(b.calls.Charge).toBe(2);
    // The same failure on an idempotent method is retried on b.
    for (let i = 0; i < 4; i++) expect((await client.put({ text: 'x' })).replica).toBe('echo-b');
  });

  it('answers UNAVAILABLE at once when the target has no endpoint', async () => {
    const client = clientOf([]);
    const error = await errorOf(client.read({}));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('no ready endpoint for echo');
  });

  it('closes the connection of a replica that leaves discovery', async () => {
    const [a, b] = await twoReplicas();
    const resolver = createMutableResolver();
    resolver.set('echo', [a.endpoint, b.endpoint]);
    const client = createRpcClient(EchoService, { target: 'echo', resolver });
    clients.push(client);
    await client.read({});
    await client.read({});
    expect(a.sockets.size).toBe(1);
    expect(b.sockets.size).toBe(1);
    resolver.set('echo', [b.endpoint]);
    await client.read({});
    while (a.sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(b.sockets.size).toBe(1);
  });
});

describe('rpc deadlines', () => {
  it('propagates the deadline to the server (grpc-timeout)', async () => {
    const [a] = await twoReplicas();
    const client = clientOf([a], { timeoutMs: 1500 });
    const byDefault = await client.read({});
    expect(byDefault.timeoutMs).toBeGreaterThan(1000);
    expect(byDefault.timeoutMs).toBeLessThanOrEqual(1500);
    const given = await client.read({}, { timeoutMs: 300 });
    expect(given.timeoutMs).toBeLessThanOrEqual(300);
    expect(given.timeoutMs).toBeGreaterThan(0);
  });

  it('ends a slow call with DEADLINE_EXCEEDED and does not retry it', async () => {
    const [a, b] = await twoReplicas();
    const client = clientOf([a, b]);
    expect(await codeOf(client.read({ text: 'sleep:5000' }, { timeoutMs: 100 }))).toBe(Code.DeadlineExceeded);
    expect((a.calls.Read ?? 0) + (b.calls.Read ?? 0)).toBe(1);
  });
});

describe('rpc circuit breaker (integration)', () => {
  it('opens after consecutive failures, fails fast without calling, then recovers', async () => {
    const [a, b] = await twoReplicas();
    a.failWith = Code.Internal;
    b.failWith = Code.Internal;
    const clock = createManualClock(0);
    const client = clientOf([a, b], { clock, breaker: { failureThreshold: 3, openMs: 10_000 } });
    for (let i = 0; i < 3; i++) expect(await codeOf(client.read({}))).toBe(Code.Internal);
    const served = (a.calls.Read ?? 0) + (b.calls.Read ?? 0);
    const fast = await errorOf(client.read({}));
    expect(fast.code).toBe(Code.Unavailable);
    expect(fast.rawMessage).toBe('circuit open for echo');
    expect((a.calls.Read ?? 0) + (b.calls.Read ?? 0)).toBe(served);

    a.failWith = undefined;
    b.failWith = undefined;
    clock.advance(10_000);
    expect((await client.read({ text: 'back' })).text).toBe('back');
    expect(await codeOf(client.read({}))).toBe('ok');
  });
});

describe('rpc server side', () => {
  it('hides unexpected exceptions behind INTERNAL and logs them', async () => {
    const [a] = await twoReplicas();
    const client = clientOf([a]);
    const error = await errorOf(client.charge({ text: 'throw' }));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe('internal error');
    expect(JSON.stringify(error)).not.toContain('hunter2');
    const failure = a.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.msg === 'rpc failed with an unexpected error');
    expect(failure).toMatchObject({ rpc_method: 'opsloop.rpctest.v1.EchoService/Charge', code: 'INTERNAL' });
    // Never the request body.
    expect(a.logs.join('')).not.toContain('"text"');
  });

  it('records server and client durations by method and code', async () => {
    const [a] = await twoReplicas();
    const metrics: ServiceMetrics = createMetrics({
      service: 'caller',
      version: '1',
      instance: 'caller-1',
      runtimeMetrics: false,
    });
    const client = clientOf([a], { metrics });
    await client.read({});
    await client.charge({ text: 'throw' }).catch(() => {});
    const server = await a.service.metrics.registry.metrics();
    expect(
      sampleValue(server, 'rpc_server_duration_seconds_count', {
        method: 'opsloop.rpctest.v1.EchoService/Read',
        code: 'OK',
      }),
    ).toBe(1);
    expect(
      sampleValue(server, 'rpc_server_duration_seconds_count', {
        method: 'opsloop.rpctest.v1.EchoService/Charge',
        code: 'INTERNAL',
      }),
    ).toBe(1);
    const caller = await metrics.registry.metrics();
    expect(
      sampleValue(caller, 'rpc_client_duration_seconds_count', {
        target: 'echo',
        method: 'opsloop.rpctest.v1.EchoService/Read',
        code: 'OK',
      }),
    ).toBe(1);
    expect(
      sampleValue(caller, 'rpc_client_duration_seconds_count', { target: 'echo', code: 'INTERNAL' }),
    ).toBe(1);
    expect(sampleValue(caller, 'rpc_client_circuit_open', { target: 'echo' })).toBe(0);
  });

  it('serves the Connect and gRPC-Web protocols too, and HTTP/1.1 on the same port', async () => {
    const [a] = await twoReplicas();
    const connect = createClient(EchoService, createConnectTransport({ baseUrl: a.url, httpVersion: '2' }));
    expect((await connect.read({ text: 'connect' })).text).toBe('connect');
    const grpcWeb = createClient(EchoService, createGrpcWebTransport({ baseUrl: a.url, httpVersion: '2' }));
    expect((await grpcWeb.read({ text: 'web' })).text).toBe('web');
    const http = new HttpClient(a.url);
    try {
      const res = await http.request({ method: 'GET', path: '/livez' });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    } finally {
      await http.close();
    }
    // connect-node's default transports keep their sessions; the replica's shutdown closes them (GOAWAY).
    await expect(a.service.shutdown('test')).resolves.toBe(true);
  });

  it('refuses a request message larger than BODY_LIMIT_BYTES with RESOURCE_EXHAUSTED', async () => {
    const a = await startEchoReplica('echo-a', { BODY_LIMIT_BYTES: '1024' });
    replicas.push(a);
    const client = clientOf([a]);
    expect((await client.read({ text: 'x'.repeat(900) })).text).toHaveLength(900);
    const error = await errorOf(client.read({ text: 'x'.repeat(2048) }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(a.calls.Read).toBe(1);
  });

  it('streams server responses through the balanced client', async () => {
    const [a, b] = await twoReplicas();
    const client = clientOf([a, b]);
    const texts: string[] = [];
    for await (const message of client.count({ text: '3' })) texts.push(message.text);
    expect(texts).toEqual(['1', '2', '3']);
  });
});

describe('rpc client close', () => {
  it('closes its sessions so a replica stops at once, and refuses calls afterwards', async () => {
    const [a] = await twoReplicas({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const client = createRpcClient(EchoService, {
      target: 'echo',
      resolver: createStaticResolver(new Map([['echo', [a.endpoint]]])),
    });
    await client.read({});
    expect(a.sockets.size).toBe(1);
    await client.close();
    while (a.sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const error = await errorOf(client.read({}));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('rpc client for echo is closed');
  });

  it('waits for in-flight calls before closing', async () => {
    const [a] = await twoReplicas();
    const client = createRpcClient(EchoService, {
      target: 'echo',
      resolver: createStaticResolver(new Map([['echo', [a.endpoint]]])),
    });
    const call = client.read({ text: 'sleep:100' });
    while (a.calls.Read !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.close();
    expect((await call).text).toBe('sleep:100');
  });
});
