import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import type { Endpoint } from '@opsloop/contracts';
import {
  createBalancer,
  createManualClock,
  createStaticResolver,
  type LoadBalancer,
  type ManualClock,
  type RequestOutcome,
} from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoReplica, type EchoReplica } from '../test/echo-replica.js';
import { EchoResponseSchema, EchoService } from '../test/gen/opsloop/rpctest/v1/echo_pb.js';
import { createBalancedTransport } from './balanced-transport.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createRpcClient, type RpcClient } from './client.js';
import { retryPolicy, type RetryOptions } from './retry-policy.js';

type Behaviour = (instance: string, method: string) => 'ok' | ConnectError | Promise<'ok' | ConnectError>;

interface Call {
  instance: string;
  method: string;
  timeoutMs: number | undefined;
  at: number;
}

/** A balanced transport over fake replicas whose answers `behave` scripts; time is a manual clock. */
function harness(options: {
  replicas?: string[];
  behave: Behaviour;
  retry?: RetryOptions;
  failureThreshold?: number;
  openMs?: number;
  timeoutMs?: number;
  random?: () => number;
  balancer?: LoadBalancer;
}) {
  const clock = createManualClock(1_000_000);
  const calls: Call[] = [];
  const endpoints: Endpoint[] = (options.replicas ?? ['a', 'b']).map((instance) => ({
    instance,
    url: `http://${instance}.invalid`,
    version: '1',
  }));
  const resolver = createStaticResolver(new Map([['echo', endpoints]]));
  const fake = (endpoint: Endpoint): Transport => ({
    async unary(method, _signal, timeoutMs) {
      calls.push({ instance: endpoint.instance, method: method.name, timeoutMs, at: clock.now() });
      const outcome = await options.behave(endpoint.instance, method.name);
      if (outcome instanceof ConnectError) throw outcome;
      return {
        stream: false,
        service: method.parent,
        method,
        header: new Headers(),
        trailer: new Headers(),
        message: create(EchoResponseSchema, { replica: endpoint.instance }),
      } as never;
    },
    stream() {
      throw new Error('not used');
    },
  });
  const breaker = createCircuitBreaker({
    failureThreshold: options.failureThreshold ?? 100,
    openMs: options.openMs ?? 1000,
    clock,
  });
  const transport = createBalancedTransport({
    target: 'echo',
    resolver,
    endpoint: (endpoint) => ({ endpoint, transport: fake(endpoint), hold: () => () => {} }),
    breaker,
    retry: retryPolicy(options.retry),
    defaultTimeoutMs: options.timeoutMs ?? 2000,
    clock,
    random: options.random ?? (() => 0.5),
    ...(options.balancer ? { balancer: options.balancer } : {}),
    closed: () => false,
  });
  return { clock, calls, breaker, client: createClient(EchoService, transport) };
}

/** Settles `promise` while moving the manual clock on in small steps (back-off timers run as time passes). */
async function drive<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => (settled = true));
  watched.catch(() => {});
  for (let i = 0; i < 10_000 && !settled; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!settled) clock.advance(1);
  }
  return watched;
}

const unavailable = () => new ConnectError('replica down', Code.Unavailable);

describe('balanced transport: load balancing', () => {
  it('spreads calls round-robin over the replicas with a round-robin balancer', async () => {
    const { client, calls } = harness({
      replicas: ['a', 'b', 'c'],
      behave: () => 'ok',
      balancer: createBalancer({ policy: 'round-robin' }),
    });
    for (let i = 0; i < 6; i++) await client.read({});
    expect(calls.map((c) => c.instance)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('by default sends calls to the replica with fewer in flight', async () => {
    let releaseA!: () => void;
    const aBusy = new Promise<'ok'>((resolve) => (releaseA = () => resolve('ok')));
    const { client, calls } = harness({
      behave: (instance) => (instance === 'a' && calls.length === 1 ? aBusy : 'ok'),
    });
    const slow = client.read({});
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.instance)).toEqual(['a']);
    // a has a call in flight: everything else goes to b.
    for (let i = 0; i < 5; i++) await client.read({});
    expect(calls.map((c) => c.instance)).toEqual(['a', 'b', 'b', 'b', 'b', 'b']);
    releaseA();
    await slow;
    // Both idle again: they take turns.
    for (let i = 0; i < 4; i++) await client.read({});
    expect(
      calls
        .slice(6)
        .map((c) => c.instance)
        .sort(),
    ).toEqual(['a', 'a', 'b', 'b']);
  });

  it('by default ejects a replica after 5 unhealthy answers in a row, for 30 s', async () => {
    const { client, calls, clock } = harness({
      behave: (instance) => (instance === 'a' ? unavailable() : 'ok'),
    });
    const callsTo = (instance: string) => calls.filter((c) => c.instance === instance).length;
    for (let i = 0; i < 9; i++) await client.charge({}).catch(() => {});
    expect(callsTo('a')).toBe(5);
    for (let i = 0; i < 20; i++) expect((await client.charge({})).replica).toBe('b');
    expect(callsTo('a')).toBe(5);
    clock.advance(30_000);
    for (let i = 0; i < 2; i++) await client.charge({}).catch(() => {});
    expect(callsTo('a')).toBe(6);
  });

  it('reports each attempt to the balancer with its outcome, and releases a call the breaker refused', async () => {
    const seen: string[] = [];
    const inner = createBalancer({ policy: 'round-robin', outlierDetection: false });
    const recording: LoadBalancer = {
      acquire(endpoints, exclude) {
        const lease = inner.acquire(endpoints, exclude);
        if (lease === undefined) return undefined;
        return {
          endpoint: lease.endpoint,
          release: (outcome: RequestOutcome) => seen.push(`${lease.endpoint.instance}:${outcome}`),
        };
      },
    };
    const codes: Record<string, ConnectError | 'ok'> = {
      a: new ConnectError('nope', Code.NotFound),
      b: new ConnectError('broken', Code.Internal),
    };
    const { client, clock } = harness({
      behave: (instance) => codes[instance]!,
      balancer: recording,
      failureThreshold: 1,
    });
    await client.charge({}).catch(() => {});
    await client.charge({}).catch(() => {});
    // The breaker is open now: the pick is handed back as ignored.
    await drive(clock, client.charge({})).catch(() => {});
    expect(seen).toEqual(['a:success', 'b:failure', 'a:ignored']);
  });

  it('fails at once with UNAVAILABLE when the target has no endpoint', async () => {
    const { client, calls } = harness({ replicas: [], behave: () => 'ok' });
    const error = await client.read({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    expect((error as ConnectError).rawMessage).toBe('no ready endpoint for echo');
    expect(calls).toEqual([]);
  });
});

describe('balanced transport: deadlines', () => {
  it('gives each call the default deadline, or the caller’s', async () => {
    const { client, calls } = harness({ behave: () => 'ok', timeoutMs: 1500 });
    await client.read({});
    await client.read({}, { timeoutMs: 300 });
    expect(calls.map((c) => c.timeoutMs)).toEqual([1500, 300]);
  });

  it('shares one deadline between attempts: a retry gets what is left', async () => {
    const { client, calls, clock } = harness({
      behave: (instance) => (instance === 'a' ? unavailable() : 'ok'),
      retry: { baseDelayMs: 100 },
      random: () => 0.5,
    });
    const answer = await drive(clock, client.read({}, { timeoutMs: 1000 }));
    expect(answer.replica).toBe('b');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBe(50); // full jitter: 0.5 × 100 ms
    expect(calls[1]!.timeoutMs).toBe(950);
  });

  it('does not retry when the back-off would outlast the deadline', async () => {
    const { client, calls, clock } = harness({
      behave: unavailable,
      retry: { baseDelayMs: 400, maxDelayMs: 400 },
      random: () => 0.99,
    });
    const error = await drive(clock, client.read({}, { timeoutMs: 200 })).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    expect(calls).toHaveLength(1);
  });
});

describe('balanced transport: retries', () => {
  it('retries an idempotent method on UNAVAILABLE on another replica', async () => {
    const { client, calls, clock } = harness({
      replicas: ['a', 'b', 'c'],
      behave: (instance) => (instance === 'c' ? 'ok' : unavailable()),
    });
    const answer = await drive(clock, client.put({}));
    expect(answer.replica).toBe('c');
    // Each attempt on a replica not tried yet, whatever the order the balancer chose.
    expect(calls.map((c) => c.instance).sort()).toEqual(['a', 'b', 'c']);
    expect(calls.at(-1)?.instance).toBe('c');
  });

  it('retries NO_SIDE_EFFECTS methods too, up to maxAttempts', async () => {
    const { client, calls, clock } = harness({ behave: unavailable, retry: { maxAttempts: 4 } });
    const error = await drive(clock, client.read({})).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    // Every replica once, then round again.
    expect(calls.map((c) => c.instance)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('never retries a method without idempotency_level', async () => {
    const { client, calls, clock } = harness({ behave: unavailable });
    const error = await drive(clock, client.charge({})).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['INTERNAL', Code.Internal],
    ['DEADLINE_EXCEEDED', Code.DeadlineExceeded],
    ['ABORTED', Code.Aborted],
    ['INVALID_ARGUMENT', Code.InvalidArgument],
    ['RESOURCE_EXHAUSTED', Code.ResourceExhausted],
  ])('does not retry %s', async (_name, code) => {
    const { client, calls, clock } = harness({ behave: () => new ConnectError('no', code) });
    const error = await drive(clock, client.read({})).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(code);
    expect(calls).toHaveLength(1);
  });

  it('uses full-jitter exponential back-off capped at maxDelayMs', async () => {
    const { client, calls, clock } = harness({
      replicas: ['a'],
      behave: unavailable,
      retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 },
      random: () => 0.999,
    });
    await drive(clock, client.read({}, { timeoutMs: 10_000 })).catch(() => {});
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps).toEqual([99, 199, 299, 299]);
  });

  it('honours gRPC server pushback: a delay, or "do not retry"', async () => {
    const wait = harness({
      behave: (instance) =>
        instance === 'a'
          ? new ConnectError('busy', Code.Unavailable, { 'grpc-retry-pushback-ms': '700' })
          : 'ok',
    });
    await drive(wait.clock, wait.client.read({}));
    expect(wait.calls[1]!.at - wait.calls[0]!.at).toBe(700);

    const stop = harness({
      behave: () => new ConnectError('go away', Code.Unavailable, { 'grpc-retry-pushback-ms': '-1' }),
    });
    await drive(stop.clock, stop.client.read({})).catch(() => {});
    expect(stop.calls).toHaveLength(1);
  });

  it('stops retrying when the caller cancels during the back-off', async () => {
    const { client, calls } = harness({ behave: unavailable, retry: { baseDelayMs: 1000 } });
    const controller = new AbortController();
    const call = client.read({}, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.Canceled);
    expect(calls).toHaveLength(1);
  });
});

describe('balanced transport: circuit breaker', () => {
  it('opens after consecutive unhealthy failures, fails fast, and recovers through a trial', async () => {
    let healthy = false;
    const { client, calls, clock, breaker } = harness({
      behave: () => (healthy ? 'ok' : new ConnectError('boom', Code.Internal)),
      failureThreshold: 3,
      openMs: 5000,
    });
    for (let i = 0; i < 3; i++) await client.charge({}).catch(() => {});
    expect(breaker.state()).toBe('open');
    const fast = await client.charge({}).catch((e: unknown) => e);
    expect((fast as ConnectError).code).toBe(Code.Unavailable);
    expect((fast as ConnectError).rawMessage).toBe('circuit open for echo');
    expect(calls).toHaveLength(3);

    clock.advance(5000);
    healthy = true;
    expect((await client.charge({})).replica).toBeDefined();
    expect(breaker.state()).toBe('closed');
  });

  it('counts answers such as NOT_FOUND as a healthy upstream', async () => {
    const { client, breaker } = harness({
      behave: () => new ConnectError('nope', Code.NotFound),
      failureThreshold: 2,
    });
    for (let i = 0; i < 5; i++) await client.read({}).catch(() => {});
    expect(breaker.state()).toBe('closed');
  });

  it('does not retry a call refused by the open breaker', async () => {
    const { client, calls, clock } = harness({
      replicas: ['a', 'b'],
      behave: unavailable,
      failureThreshold: 1,
    });
    const error = await drive(clock, client.read({})).catch((e: unknown) => e);
    expect((error as ConnectError).rawMessage).toBe('circuit open for echo');
    expect(calls).toHaveLength(1);
  });
});

describe('balanced transport: outlier ejection against real replicas', () => {
  const replicas: EchoReplica[] = [];
  const clients: RpcClient<typeof EchoService>[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(replicas.splice(0).map((replica) => replica.service.shutdown('test cleanup')));
  });

  it('stops sending calls to a replica that answers UNAVAILABLE, until its ejection time is over', async () => {
    const sick = await startEchoReplica('echo-sick');
    const well = await startEchoReplica('echo-well');
    replicas.push(sick, well);
    sick.failWith = Code.Unavailable;
    // Time of the ejection is a manual clock; Charge is never retried, so no back-off waits on it.
    const clock = createManualClock(1_000_000);
    const client = createRpcClient(EchoService, {
      target: 'echo',
      resolver: createStaticResolver(new Map([['echo', [sick.endpoint, well.endpoint]]])),
      clock,
      breaker: { failureThreshold: 100 },
    });
    clients.push(client);
    const charge = () =>
      client.charge({ text: 'x' }).then(
        (answer) => answer.replica,
        (error: unknown) => ConnectError.from(error).code,
      );

    // Idle replicas take turns: the sick one fails its fifth call on the ninth.
    for (let i = 0; i < 9; i++) await charge();
    expect(sick.calls.Charge).toBe(5);
    expect(well.calls.Charge).toBe(4);

    for (let i = 0; i < 20; i++) expect(await charge()).toBe('echo-well');
    clock.advance(29_999);
    for (let i = 0; i < 5; i++) expect(await charge()).toBe('echo-well');
    expect(sick.calls.Charge).toBe(5);

    clock.advance(1);
    const after = [await charge(), await charge()];
    expect(after).toContain(Code.Unavailable);
    expect(sick.calls.Charge).toBe(6);
  });
});
