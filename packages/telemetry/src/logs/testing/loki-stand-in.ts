/**
 * Test support: a Loki stand-in, our embedded Loki API over a real log store, listening on 127.0.0.1 (a
 * random port), and a push helper that feeds it as Promtail/Alloy would (`POST /loki/api/v1/push`, JSON).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { lokiApiPlugin } from '../loki-api.js';
import type { LogAppendEntry } from '../log-source.js';
import { createLogStore, type LogStore } from '../log-store.js';

/** A running stand-in. */
export interface LokiStandIn {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly store: LogStore;
  close(): Promise<void>;
}

/** Starts the stand-in with a fresh store; `now` (ms) is the API's clock for default query times. */
export async function startLokiStandIn(now: () => number): Promise<LokiStandIn> {
  const dir = mkdtempSync(join(tmpdir(), 'loki-stand-in-'));
  const store = await createLogStore({ dir, now });
  // fetch keeps sockets alive, which would hold close() for seconds.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(lokiApiPlugin({ store, now }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    store,
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pushes entries as one JSON push request (one stream per entry, as their labels may all differ). */
export async function pushToLoki(url: string, entries: readonly LogAppendEntry[]): Promise<void> {
  const streams = entries.map((e) => ({
    stream: e.labels,
    values: [[String(e.timestampNs ?? 0n), e.line]],
  }));
  const response = await fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams }),
  });
  if (response.status !== 204) throw new Error(`push answered ${response.status}: ${await response.text()}`);
}
