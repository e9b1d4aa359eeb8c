// A flags endpoint served the way the runtime serves it (node:http on loopback, long-poll watches), so the
// service's real OpenFeature provider follows flag changes in tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerFlagsRequest, createFlagStore, type FlagStore } from '@opsloop/flags';

/** A running flags endpoint and the store behind it. */
export interface FlagsServer {
  /** The value of `OPSLOOP_FLAGS_URL`. */
  readonly url: string;
  readonly store: FlagStore;
  close(): Promise<void>;
}

/** Serves `document` (flagd) on 127.0.0.1. */
export async function startFlagsServer(document: unknown): Promise<FlagsServer> {
  const store = createFlagStore(document);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const disconnected = new AbortController();
    res.on('close', () => disconnected.abort());
    answerFlagsRequest(store, url.searchParams, disconnected.signal).then(
      (answer) => {
        if (res.destroyed) return;
        if (answer.status === 204) res.writeHead(204).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      },
      (error: unknown) => res.writeHead(400).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/flags`,
    store,
    async close() {
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
