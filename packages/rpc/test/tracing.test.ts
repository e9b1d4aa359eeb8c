import {
  createStaticResolver,
  createTestTracing,
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type TestTracing,
} from '@opsloop/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Code, createRpcClient, rpcErrorOf, type RpcClient } from '../src/index.js';
import { startEchoReplica, type EchoReplica } from './echo-replica.js';
import { EchoService } from './gen/opsloop/rpctest/v1/echo_pb.js';

const READ = 'opsloop.rpctest.v1.EchoService/Read';
const COUNT = 'opsloop.rpctest.v1.EchoService/Count';

let tracing: TestTracing;
let replica: EchoReplica;
let client: RpcClient<typeof EchoService>;

beforeAll(async () => {
  tracing = createTestTracing('checkout');
  replica = await startEchoReplica('echo-1', { LOG_LEVEL: 'info' });
  const resolver = createStaticResolver(new Map([['echo', [replica.endpoint]]]));
  client = createRpcClient(EchoService, { target: 'echo', resolver, retry: { maxAttempts: 1 } });
});
afterAll(async () => {
  await client.close();
  await replica.service.shutdown('test');
  await tracing.shutdown();
});
afterEach(() => {
  tracing.reset();
  replica.failWith = undefined;
});

/** Runs `fn` in a new active span; returns that span's context. */
async function inSpan(fn: () => Promise<unknown>) {
  const parent = trace.getTracer('test').startSpan('handle checkout');
  await context.with(trace.setSpan(context.active(), parent), fn);
  parent.end();
  return parent.spanContext();
}

const byKind = (name: string, kind: SpanKind) => tracing.spansNamed(name).find((span) => span.kind === kind);

describe('gRPC tracing', () => {
  it('makes CLIENT → SERVER spans of one trace over loopback, the server a child of the client', async () => {
    const parent = await inSpan(() => client.read({ text: 'hi' }));
    const clientSpan = byKind(READ, SpanKind.CLIENT);
    const serverSpan = byKind(READ, SpanKind.SERVER);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(serverSpan?.spanContext().traceId).toBe(parent.traceId);
    for (const span of [clientSpan, serverSpan]) {
      expect(span?.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'opsloop.rpctest.v1.EchoService',
        'rpc.method': 'Read',
        'rpc.grpc.status_code': 0,
      });
      expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(clientSpan?.attributes).toMatchObject({ 'peer.service': 'echo', 'server.address': '127.0.0.1' });
  });

  it('marks failures: any code on the client, server faults only on the server', async () => {
    replica.failWith = Code.InvalidArgument;
    await inSpan(() => rpcErrorOf(client.read({ text: 'bad' })));
    expect(byKind(READ, SpanKind.CLIENT)?.status.code).toBe(SpanStatusCode.ERROR);
    expect(byKind(READ, SpanKind.SERVER)?.status.code).toBe(SpanStatusCode.UNSET);
    expect(byKind(READ, SpanKind.SERVER)?.attributes['rpc.grpc.status_code']).toBe(Code.InvalidArgument);

    tracing.reset();
    replica.failWith = undefined;
    const parent = await inSpan(() => rpcErrorOf(client.read({ text: 'throw' })));
    const server = byKind(READ, SpanKind.SERVER);
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
    expect(server?.attributes['rpc.grpc.status_code']).toBe(Code.Internal);
    // The server's log line of the failure is in the trace.
    const failure = replica.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'rpc failed with an unexpected error' && line.trace_id === parent.traceId);
    expect(failure?.span_id).toBe(server?.spanContext().spanId);
  });

  it('ends stream spans when the stream ends', async () => {
    await inSpan(async () => {
      const texts: string[] = [];
      for await (const message of client.count({ text: '3' })) texts.push(message.text);
      expect(texts).toEqual(['1', '2', '3']);
    });
    expect(byKind(COUNT, SpanKind.CLIENT)).toBeDefined();
    expect(byKind(COUNT, SpanKind.SERVER)?.parentSpanContext?.spanId).toBe(
      byKind(COUNT, SpanKind.CLIENT)?.spanContext().spanId,
    );
  });

  it('outside a trace: no CLIENT span, the server starts its own trace', async () => {
    await client.read({ text: 'background' });
    expect(byKind(READ, SpanKind.CLIENT)).toBeUndefined();
    expect(byKind(READ, SpanKind.SERVER)?.parentSpanContext).toBeUndefined();
  });

  it('replaces a traceparent the caller put in the headers with the client span’s', async () => {
    const stale = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    const parent = await inSpan(() => client.read({ text: 'x' }, { headers: { traceparent: stale } }));
    expect(byKind(READ, SpanKind.SERVER)?.spanContext().traceId).toBe(parent.traceId);
  });
  it('records a failed CLIENT span for a call that could not leave (no ready endpoint of its target)', async () => {
    // The per-endpoint interceptor never runs for such a call; without this span the service graph would
    // show no failing edge to the unreachable dependency.
    const nowhere = createRpcClient(EchoService, {
      target: 'payments',
      resolver: createStaticResolver(new Map([['payments', []]])),
      retry: { maxAttempts: 1 },
    });
    try {
      const parent = await inSpan(() => rpcErrorOf(nowhere.read({ text: 'hi' })));
      const span = byKind(READ, SpanKind.CLIENT);
      expect(span?.parentSpanContext?.spanId).toBe(parent.spanId);
      expect(span?.status.code).toBe(SpanStatusCode.ERROR);
      expect(span?.attributes).toMatchObject({
        'peer.service': 'payments',
        'rpc.grpc.status_code': Code.Unavailable,
      });
      expect(byKind(READ, SpanKind.SERVER)).toBeUndefined();
      // Outside a trace, still nothing.
      tracing.reset();
      await rpcErrorOf(nowhere.read({ text: 'hi' }));
      expect(tracing.spans()).toEqual([]);
    } finally {
      await nowhere.close();
    }
  });
});
