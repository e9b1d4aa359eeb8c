import type { Clock } from '@opsloop/kit';

/** A stored 200 answer. */
export interface CachedResponse {
  /** Response headers to replay (no hop-by-hop fields, no length, no `age`). */
  headers: Record<string, string | string[]>;
  body: Buffer;
  etag: string | undefined;
  /** When it was stored or last revalidated (epoch ms). */
  storedAt: number;
  /** Freshness lifetime from `max-age` / `s-maxage`. */
  maxAgeMs: number;
}

/** A lookup result: the entry and whether it may be served without asking upstream. */
export interface CacheLookup {
  entry: CachedResponse;
  fresh: boolean;
  /** Whole seconds since it was stored or revalidated (the `Age` header). */
  ageSeconds: number;
}

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  maxEntries: number;
  /** Total body bytes kept. */
  maxBytes: number;
  /** Largest body kept; bigger answers are passed through uncached. */
  maxEntryBytes: number;
  clock: Pick<Clock, 'now'>;
}

/** A bounded in-memory HTTP cache, least recently used out first. */
export interface ResponseCache {
  lookup(key: string): CacheLookup | undefined;
  /** Stores `entry` unless it is too big; evicts least recently used entries to stay within bounds. */
  store(key: string, entry: Omit<CachedResponse, 'storedAt'>): boolean;
  /** Marks a stale entry fresh again after a 304, with the lifetime (and validators) the 304 carried. */
  revalidated(key: string, maxAgeMs: number, headers: Record<string, string | string[]>): void;
  delete(key: string): void;
  /** Entries and body bytes held. */
  stats(): { entries: number; bytes: number };
  /** Whether a body of `bytes` could be stored at all. */
  fits(bytes: number): boolean;
}

/**
 * The gateway's response cache: a Map in least-recently-used order (a hit is re-inserted at the end),
 * bounded by entries and by body bytes. Stale entries are kept for revalidation (`If-None-Match`) until
 * evicted: a 304 is cheaper than the body again.
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const entries = new Map<string, CachedResponse>();
  let bytes = 0;

  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    bytes -= entry.body.length;
  };

  const fits = (size: number): boolean =>
    options.maxEntries > 0 && size <= options.maxEntryBytes && size <= options.maxBytes;

  return {
    lookup(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      const age = Math.max(0, options.clock.now() - entry.storedAt);
      return { entry, fresh: age < entry.maxAgeMs, ageSeconds: Math.floor(age / 1000) };
    },
    store(key, entry) {
      if (!fits(entry.body.length)) return false;
      remove(key);
      while (
        entries.size > 0 &&
        (entries.size >= options.maxEntries || bytes + entry.body.length > options.maxBytes)
      ) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        remove(oldest.value);
      }
      entries.set(key, { ...entry, storedAt: options.clock.now() });
      bytes += entry.body.length;
      return true;
    },
    revalidated(key, maxAgeMs, headers) {
      const entry = entries.get(key);
      if (entry === undefined) return;
      entry.storedAt = options.clock.now();
      entry.maxAgeMs = maxAgeMs;
      // RFC 9111 §4.3.4: the 304's header fields update the stored ones.
      for (const name in headers) {
        const value = headers[name];
        if (value !== undefined) entry.headers[name] = value;
      }
      if (typeof headers.etag === 'string') entry.etag = headers.etag;
    },
    delete: remove,
    stats: () => ({ entries: entries.size, bytes }),
    fits,
  };
}
