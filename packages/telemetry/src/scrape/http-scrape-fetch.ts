import type { ScrapeFetch } from './scrape-target.js';

/** Options of {@link createHttpScrapeFetch}. */
export interface HttpScrapeFetchOptions {
  /** A page larger than this fails the scrape (Prometheus's `body_size_limit`); 16 MiB by default. */
  maxBodyBytes?: number;
  /** Extra request headers (e.g. a bearer token). */
  headers?: Record<string, string>;
}

/**
 * Scrapes over HTTP with Node's fetch: asks for the text format 0.0.4 as Prometheus does, bounded in time
 * (one deadline for headers and body) and in size.
 */
export function createHttpScrapeFetch(options: HttpScrapeFetchOptions = {}): ScrapeFetch {
  const maxBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  return async (url, timeoutMs) => {
    const response = await fetch(url, {
      headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', ...options.headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`server returned HTTP status ${response.status}`);
    }
    if (response.body === null) return '';
    const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new Error(`body size limit exceeded (${maxBytes} bytes)`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  };
}
