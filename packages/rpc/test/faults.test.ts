import {
  createFaultRegistry,
  createStaticResolver,
  setCurrentFaultRegistry,
  type FaultRegistry,
} from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code, ConnectError, createRpcClient, type RpcClient, type RpcClientOptions } from '../src/index.js';
import { startEchoReplica, type EchoReplica } from './echo-replica.js';
import { EchoService } from './gen/opsloop/rpctest/v1/echo_pb.js';

let faults: FaultRegistry;
const replicas: EchoReplica[] = [];
const clients: RpcClient<typeof EchoService>[] = [];
beforeEach(() => {
  faults = createFaultRegistry();
  setCurrentFaultRegistry(faults);
});
afterEach(async () => {
  faults.close();
  setCurrentFaultRegistry(undefined);
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(replicas.splice(0).map((replica) => replica.service.shutdown('test cleanup')));
});

async function replicaAndClient(options: Partial<RpcClientOptions> = {}) {
  const replica = await startEchoReplica('echo-a');
  replicas.push(replica);
  const resolver = createStaticResolver(new Map([['echo', [replica.endpoint]]]));
  const client = createRpcClient(EchoService, { target: 'echo', resolver, ...options });
  clients.push(client);
  return { replica, client };
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('the call succeeded');
}

describe('rpc fault points', () => {
  it('rpc: the server fails every method with the injected code before the handler runs', async () => {
    const { replica, client } = await replicaAndClient({ retry: { maxAttempts: 1 } });
    faults.add({ kind: 'errors', point: 'rpc', params: { ratio: 1, grpcCode: 'RESOURCE_EXHAUSTED' } });
    expect((await failure(client.read({ text: 'x' }))).code).toBe(Code.ResourceExhausted);
    expect((await failure(client.charge({ text: 'x' }))).code).toBe(Code.ResourceExhausted);
    expect(replica.calls).toEqual({});
    faults.clear();
    expect((await client.read({ text: 'x' })).replica).toBe('echo-a');
  });

  it('rpc: errors default to INTERNAL, and latency delays the call', async () => {
    const { client } = await replicaAndClient({ retry: { maxAttempts: 1 } });
    faults.add({ id: 'e', kind: 'errors', point: 'rpc', params: { ratio: 1 } });
    expect((await failure(client.charge({ text: 'x' }))).code).toBe(Code.Internal);
    faults.remove('e');
    faults.add({ kind: 'latency', point: 'rpc', params: { ms: 150 } });
    const started = performance.now();
    await client.read({ text: 'x' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('dependency:<target>: calls fail UNAVAILABLE without reaching the server, then open the breaker', async () => {
    const { replica, client } = await replicaAndClient({
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      breaker: { failureThreshold: 4, openMs: 60_000 },
    });
    faults.add({ kind: 'errors', point: 'dependency:echo', params: { ratio: 1 } });
    expect((await failure(client.read({ text: 'x' }))).code).toBe(Code.Unavailable);
    expect((await failure(client.charge({ text: 'x' }))).code).toBe(Code.Unavailable);
    expect((await failure(client.put({ text: 'x' }))).code).toBe(Code.Unavailable);
    expect(replica.calls).toEqual({});
    // Four failed attempts (read and put were retried once): the breaker treats the target as down.
    faults.clear();
    const open = await failure(client.read({ text: 'x' }));
    expect(open.code).toBe(Code.Unavailable);
    expect(open.rawMessage).toMatch(/circuit open/);
    expect(replica.calls).toEqual({});
  });

  it('dependency:<target>: latency delays the call; past the deadline it ends DEADLINE_EXCEEDED', async () => {
    const { replica, client } = await replicaAndClient({ retry: { maxAttempts: 1 } });
    faults.add({ id: 'slow', kind: 'latency', point: 'dependency:echo', params: { ms: 150 } });
    const started = performance.now();
    await client.read({ text: 'x' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(replica.calls).toEqual({ Read: 1 });
    faults.add({ id: 'slow', kind: 'latency', point: 'dependency:echo', params: { ms: 5_000 } });
    const late = await failure(client.read({ text: 'x' }, { timeoutMs: 100 }));
    expect(late.code).toBe(Code.DeadlineExceeded);
    expect(replica.calls).toEqual({ Read: 1 });
  });

  it('dependency:<target> faults only that target', async () => {
    const { replica, client } = await replicaAndClient({ retry: { maxAttempts: 1 } });
    faults.add({ kind: 'errors', point: 'dependency:cart', params: { ratio: 1 } });
    expect((await client.read({ text: 'x' })).replica).toBe('echo-a');
    expect(replica.calls).toEqual({ Read: 1 });
  });
});
