/**
 * Test support shared by the backend stand-ins: listening on 127.0.0.1 port 0, and grouping spans by trace.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TraceSpan } from '../span.js';

/** A running stand-in server. */
export interface FixtureServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Query strings of the requests received, by path (to check what an adapter asked). */
  readonly requests: { path: string; query: Record<string, string> }[];
  close(): Promise<void>;
}

/** Listens with `app` on a random loopback port, recording every request. */
export async function startFixtureServer(app: FastifyInstance): Promise<FixtureServer> {
  const requests: FixtureServer['requests'] = [];
  app.addHook('onRequest', (request, _reply, done) => {
    const url = new URL(request.url, 'http://fixture');
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fixture server has no port');
  return { url: `http://127.0.0.1:${address.port}`, requests, close: () => app.close() };
}

/** Spans grouped by trace id, in input order. */
export function groupTraces(spans: readonly TraceSpan[]): Map<string, TraceSpan[]> {
  const traces = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    let trace = traces.get(span.traceId);
    if (trace === undefined) {
      trace = [];
      traces.set(span.traceId, trace);
    }
    trace.push(span);
  }
  return traces;
}

/** Sets the status of a reply and returns `body` (for synchronous route handlers). */
export function withStatus<T>(reply: FastifyReply, status: number, body: T): T {
  void reply.code(status);
  return body;
}
