import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput, ProblemError } from '@opsloop/kit';
import type { EventLog } from '../observe/event-log.js';
import type { Role } from './tokens.js';

/** Options of {@link registerEventStream}. */
export interface EventStreamOptions {
  events: EventLog;
  roles: readonly Role[];
  /** Milliseconds between two `: keep-alive` comments (proxies drop silent connections); 15 s by default. */
  keepAliveMs?: number;
  /** Streams open at once on this server; one more is refused with 429. 32 by default. */
  maxStreams?: number;
}

/** How long one wait for new events lasts; a wait that ends much sooner with nothing new means a closed log. */
const WAIT_MS = 60_000;

/**
 * `GET /v1/stream`: the runtime event log as server-sent events (`id: <seq>`, `event: runtime`, the recorded
 * event as `data`), from `after` (default: the current last, so only new events) for as long as the client
 * stays. Open streams are counted (a tab left open must not pin the server) and ended when the server closes.
 */
export function registerEventStream(app: FastifyInstance, options: EventStreamOptions): void {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const maxStreams = options.maxStreams ?? 32;
  /** How to end each open stream when the server closes. */
  const open = new Set<() => void>();

  // preClose runs before the server waits for in-flight requests: a stream never finishes on its own.
  app.addHook('preClose', (done) => {
    for (const end of open) end();
    done();
  });

  app.get('/v1/stream', { config: { roles: options.roles } }, (request, reply) => {
    const query = parseInput(
      // Digits only: coercion would read `after=` as 0 and replay the whole log.
      z.strictObject({
        after: z
          .string()
          .regex(/^\d{1,15}$/, 'expected a sequence number')
          .transform(Number)
          .optional(),
      }),
      request.query,
      'query',
    );
    if (open.size >= maxStreams)
      throw new ProblemError('rateLimited', {
        detail: `at most ${maxStreams} event streams may be open at once; close one (another tab?) and retry`,
        headers: { 'retry-after': '10' },
      });
    const log = options.events;
    const last = log.last();
    // A seq beyond the last comes from an earlier run of the runtime (numbers restart): only new events then.
    let after = query.after === undefined || query.after > last ? last : query.after;

    const abort = new AbortController();
    const out = new PassThrough();
    const write = async (chunk: string) => {
      if (!out.write(chunk)) await once(out, 'drain', { signal: abort.signal });
    };
    const keepAlive = setInterval(() => void out.write(': keep-alive\n\n'), keepAliveMs);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      abort.abort();
      open.delete(closing);
      clearInterval(keepAlive);
      out.end();
    };
    // The server closes idle connections only when it starts closing, before this response has ended: the
    // connection is closed once the stream's end is written, or close() would wait for the keep-alive timeout.
    const closing = () => {
      reply.raw.once('finish', () => request.raw.socket.destroy());
      finish();
    };
    open.add(closing);
    reply.raw.once('close', finish);

    void (async () => {
      // A comment first: it sends the headers now, so the client is connected before the first event.
      await write(': connected\n\n');
      while (!abort.signal.aborted) {
        for (const event of log.since(after)) {
          await write(`id: ${event.seq}\nevent: runtime\ndata: ${JSON.stringify(event)}\n\n`);
          after = event.seq;
        }
        const began = performance.now();
        await log.waitFor(after, WAIT_MS, abort.signal);
        if (abort.signal.aborted) break;
        // A closed log answers every wait at once: end the stream rather than spin.
        if (log.last() <= after && performance.now() - began < WAIT_MS / 2) break;
      }
    })()
      .catch(() => undefined)
      .finally(finish);

    return reply
      .header('content-type', 'text/event-stream')
      .header('cache-control', 'no-cache')
      .header('x-accel-buffering', 'no')
      .send(out);
  });
}
