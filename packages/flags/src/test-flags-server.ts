// Test support, exported for the suites of the services (which may import @opsloop/flags but not the runtime):
// the flags endpoint served the way the runtime serves it, so a real OpenFeature provider follows flag changes.
// No test framework here: production code imports this package's index too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlagsArgumentError } from './flag-errors.js';
import { createFlagStore, type FlagStore } from './flag-store.js';
import { answerFlagsRequest } from './flags-endpoint.js';

/** Where the served flags come from: a document (the server owns its store) or a store the caller owns. */
export type TestFlagsSource =
  | {
      /** A flagd document; the server makes a store of it and closes that store in `close()`. */
      readonly document: unknown;
      readonly store?: never;
    }
  | {
      /** A store the caller owns: it outlives the server (e.g. across a restart on the same port). */
      readonly store: FlagStore;
      readonly document?: never;
    };

/** Options of {@link startTestFlagsServer}. */
export type TestFlagsServerOptions = TestFlagsSource & {
  /** Demands `Authorization: Bearer <token>` (401 otherwise); unset: every request is answered. */
  readonly token?: string;
  /** The port to listen on (to come back where a provider already points); default any free one. */
  readonly port?: number;
};

/** A running test flags endpoint on 127.0.0.1. */
export interface TestFlagsServer {
  /** The value of `OPSLOOP_FLAGS_URL`: `http://127.0.0.1:<port>/v1/flags`. */
  readonly url: string;
  readonly port: number;
  /** The store served: change flags through it. */
  readonly store: FlagStore;
  /** The path and query of every request received, in order. */
  readonly requests: readonly string[];
  /**
   * Stops listening and drops open connections (the runtime going away), then closes the store if the
   * server made it. Safe to call again.
   */
  close(): Promise<void>;
  /** Stops listening and waits for every connection to end by itself (leaves the store open). */
  drain(): Promise<void>;
}

/**
 * Test support: serves flags on 127.0.0.1 like the runtime's `/v1/flags` (plain GET and long-poll watches).
 * @throws FlagsArgumentError when neither or both of `document` and `store` are given, or for a bad `port`.
 */
export async function startTestFlagsServer(options: TestFlagsServerOptions): Promise<TestFlagsServer> {
  const hasDocument = 'document' in options && options.document !== undefined;
  const hasStore = 'store' in options && options.store !== undefined;
  if (hasDocument === hasStore) {
    throw new FlagsArgumentError('options', 'expected exactly one of document and store');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new FlagsArgumentError('port', `expected an integer 0..65535, got ${port}`);
  }
  const owned = options.store === undefined;
  const store = options.store ?? createFlagStore(options.document);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"title":"Unauthorized"}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const disconnected = new AbortController();
    res.on('close', () => disconnected.abort());
    answerFlagsRequest(store, url.searchParams, disconnected.signal).then(
      (answer) => {
        if (res.destroyed) return;
        if (answer.status === 204) res.writeHead(204).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      },
      (error: unknown) => {
        res.writeHead(400, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: error instanceof Error ? error.message : String(error) }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  // Resolves even when the server was already closed: a test may close it, then its cleanup again.
  const drain = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    url: `http://127.0.0.1:${bound}/v1/flags`,
    port: bound,
    store,
    requests,
    drain,
    async close() {
      // Ends the store's pending long-poll waits, so no request handler is left waiting on it.
      if (owned) store.close();
      const closed = drain();
      server.closeAllConnections();
      await closed;
    },
  };
}
