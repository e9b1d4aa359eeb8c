import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { Clock } from '@opsloop/kit';
import { downstreamResponseHeaders } from '../headers.js';
import type { Proxy, UpstreamRequest, UpstreamResponse } from '../proxy.js';
import { ifNoneMatchMatches, parseCacheControl, sharedMaxAge } from './cache-control.js';
import type { CachedResponse, ResponseCache } from './response-cache.js';

/** How a cached GET was answered (`x-cache`). */
export type CacheOutcome = 'hit' | 'miss' | 'revalidated';

/** A GET answered through the cache: either a stored representation or the upstream's own answer. */
export type CachedFetch =
  | { kind: 'stored'; entry: CachedResponse; outcome: CacheOutcome; ageSeconds: number }
  | { kind: 'upstream'; upstream: UpstreamResponse };

/** Options of {@link createCachedProxy}. */
export interface CachedProxyOptions {
  proxy: Proxy;
  cache: ResponseCache;
  clock: Pick<Clock, 'now'>;
}

/** GETs through the response cache. */
export interface CachedProxy {
  /** Fetches `request` (a GET without client validators) through the cache. */
  fetch(
    service: string,
    request: UpstreamRequest,
    clientCacheControl: string | undefined,
    log?: FastifyBaseLogger,
  ): Promise<CachedFetch>;
  /**
   * Answers a client's GET through the cache, with 304 for its matching `If-None-Match`. Returns the
   * outcome with the reply: once sent, a reply's headers are not the place to read it back from.
   */
  serve(
    service: string,
    request: UpstreamRequest,
    clientHeaders: IncomingHttpHeaders,
    reply: FastifyReply,
    log?: FastifyBaseLogger,
  ): Promise<{ reply: FastifyReply; outcome: CacheOutcome }>;
}

// Fields of a stored answer that are recomputed on every reply.
const NOT_STORED = new Set(['content-length', 'date', 'age', 'x-cache']);
// Fields a 304 carries (RFC 9110 §15.4.5): a cache answering 304 sends these, never the body's.
const NOT_MODIFIED_FIELDS = ['cache-control', 'content-location', 'etag', 'expires', 'vary'];

function storableHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const out = downstreamResponseHeaders(upstream);
  for (const name of NOT_STORED) delete out[name];
  return out;
}

/**
 * The lifetime in ms of an upstream 200 a shared cache may keep, or undefined. Refused: no explicit
 * `max-age`/`s-maxage`, `no-store`/`private`/`no-cache`, a `Set-Cookie` (personal), a `Vary` (one entry
 * per URL here), or no `Content-Length` within the entry limit (the body is only buffered when it fits).
 */
function storableFor(upstream: UpstreamResponse, cache: ResponseCache): number | undefined {
  if (upstream.statusCode !== 200) return undefined;
  const headers = upstream.headers;
  if (headers['set-cookie'] !== undefined || headers.vary !== undefined) return undefined;
  const length = Number(headers['content-length']);
  if (!Number.isInteger(length) || !cache.fits(length)) return undefined;
  const seconds = sharedMaxAge(parseCacheControl(headers['cache-control']));
  return seconds === undefined ? undefined : seconds * 1000;
}

/**
 * A small shared HTTP cache (RFC 9111 subset) in front of the catalogue: fresh entries are served without
 * asking; stale ones are revalidated with `If-None-Match` (a 304 makes them fresh again); anything not
 * storable passes through untouched. Callers decide what may use it (anonymous GETs only).
 */
export function createCachedProxy(options: CachedProxyOptions): CachedProxy {
  const { proxy, cache } = options;

  const fetchCached: CachedProxy['fetch'] = async (service, request, clientCacheControl, log) => {
    const key = request.url;
    const found = cache.lookup(key);
    // A client's `no-cache` / `max-age=0` asks for a revalidated answer, not necessarily a new body.
    const client = clientCacheControl === undefined ? undefined : parseCacheControl(clientCacheControl);
    const mustAsk = client !== undefined && (client.noCache || client.maxAge === 0);
    if (found?.fresh === true && !mustAsk) {
      return { kind: 'stored', entry: found.entry, outcome: 'hit', ageSeconds: found.ageSeconds };
    }
    const etag = found?.entry.etag;
    const upstream = await proxy.send(
      service,
      etag === undefined ? request : { ...request, headers: { ...request.headers, 'if-none-match': etag } },
      log,
    );
    if (upstream.statusCode === 304 && found !== undefined) {
      await upstream.body.dump();
      const directives = parseCacheControl(upstream.headers['cache-control']);
      const seconds = sharedMaxAge(directives);
      const updates: Record<string, string | string[]> = {};
      for (const name of NOT_MODIFIED_FIELDS) {
        const value = upstream.headers[name];
        if (value !== undefined) updates[name] = value;
      }
      cache.revalidated(key, seconds === undefined ? found.entry.maxAgeMs : seconds * 1000, updates);
      return { kind: 'stored', entry: found.entry, outcome: 'revalidated', ageSeconds: 0 };
    }
    const maxAgeMs = storableFor(upstream, cache);
    if (maxAgeMs === undefined) {
      cache.delete(key);
      return { kind: 'upstream', upstream };
    }
    const body = Buffer.from(await upstream.body.arrayBuffer());
    const headers = storableHeaders(upstream.headers);
    const entryEtag = typeof upstream.headers.etag === 'string' ? upstream.headers.etag : undefined;
    const entry = { headers, body, etag: entryEtag, maxAgeMs };
    if (!cache.store(key, entry)) cache.delete(key);
    return {
      kind: 'stored',
      entry: { ...entry, storedAt: options.clock.now() },
      outcome: 'miss',
      ageSeconds: 0,
    };
  };

  return {
    fetch: fetchCached,
    async serve(service, request, clientHeaders, reply, log) {
      const cacheControl = clientHeaders['cache-control'];
      const result = await fetchCached(service, request, cacheControl, log);
      if (result.kind === 'upstream') {
        const { upstream } = result;
        const sent = reply
          .code(upstream.statusCode)
          .headers(downstreamResponseHeaders(upstream.headers))
          .header('x-cache', 'miss')
          .send(upstream.body);
        return { reply: sent, outcome: 'miss' };
      }
      const { entry } = result;
      void reply.header('x-cache', result.outcome).header('age', String(result.ageSeconds));
      if (ifNoneMatchMatches(clientHeaders['if-none-match'], entry.etag)) {
        for (const name of NOT_MODIFIED_FIELDS) {
          const value = entry.headers[name];
          if (value !== undefined) void reply.header(name, value);
        }
        return { reply: reply.code(304).send(), outcome: result.outcome };
      }
      return { reply: reply.code(200).headers(entry.headers).send(entry.body), outcome: result.outcome };
    },
  };
}
