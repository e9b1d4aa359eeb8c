import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import type { Endpoint } from '@opsloop/contracts';
import { createManualClock, createStaticResolver, type ManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { EchoResponseSchema, EchoService } from '../test/gen/opsloop/rpctest/v1/echo_pb.js';
import { createBalancedTransport } from './balanced-transport.js';
import { createCircuitBreaker } from './circuit-breaker.js';
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
  it('spreads calls round-robin over the replicas', async () => {
    const { client, calls } = harness({ replicas: ['a', 'b', 'c'], behave: () => 'ok' });
    for (let i = 0; i < 6; i++) await client.read({});
    expect(calls.map((c) => c.instance)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
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
    expect(calls.map((c) => c.instance)).toEqual(['a', 'b', 'c']);
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
