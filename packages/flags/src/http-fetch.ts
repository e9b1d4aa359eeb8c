import http from 'node:http';
import https from 'node:https';

/** A fetch for GETs over node:http(s) with its own connection pool, and the way to close that pool. */
export interface HttpFetch {
  readonly fetch: typeof globalThis.fetch;
  /** Destroys every pooled connection, so the server sees them end now rather than at an idle timeout. */
  close(): void;
}

/** Largest body accepted; a flag document is a few kB, so anything near this is a wrong endpoint. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Creates a minimal GET-only fetch on node:http(s) with a private keep-alive pool. The global fetch shares
 * one pool per process that the provider cannot close, and may keep a connection open for seconds after
 * its last request; owning the pool lets `onClose()` end every connection at once.
 */
export function createHttpFetch(): HttpFetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 2 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 2 }),
  };
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const signal = init?.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: 'GET', headers: Object.fromEntries(new Headers(init?.headers)), agent, signal },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              request.destroy(new Error(`response body larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const empty = status === 204 || status === 304;
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (typeof value === 'string') headers.set(name, value);
            }
            try {
              resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      // An abort surfaces as a generic AbortError: report the signal's own reason (e.g. the deadline).
      request.on('error', (error) => reject(signal?.aborted ? (signal.reason as Error) : error));
      request.end();
    });
  return {
    fetch,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
