import type { ScrapeBody, ScrapeFetch } from './scrape-target.js';

/** Prometheus's scrape `Accept`: OpenMetrics (the format with exemplars) first, the 0.0.4 text as fallback. */
export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Options of {@link createHttpScrapeFetch}. */
export interface HttpScrapeFetchOptions {
  /** A page larger than this fails the scrape (Prometheus's `body_size_limit`); 16 MiB by default. */
  maxBodyBytes?: number;
  /** Extra request headers (e.g. a bearer token). */
  headers?: Record<string, string>;
}

/**
 * Scrapes over HTTP with Node's fetch: asks for OpenMetrics, then the text format 0.0.4, as Prometheus does
 * (the answer's `Content-Type` picks the parser), bounded in time (one deadline for headers and body) and
 * in size.
 */
export function createHttpScrapeFetch(options: HttpScrapeFetchOptions = {}): ScrapeFetch {
  const maxBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  return async (url, timeoutMs): Promise<ScrapeBody> => {
    const response = await fetch(url, {
      headers: { accept: SCRAPE_ACCEPT, ...options.headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`server returned HTTP status ${response.status}`);
    }
    const contentType = response.headers.get('content-type') ?? undefined;
    if (response.body === null) return { text: '', contentType };
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
    return { text: Buffer.concat(chunks).toString('utf8'), contentType };
  };
}
