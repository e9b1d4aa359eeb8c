import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLokiLogSource } from './adapters/loki-log-source.js';
import { logSourceContract } from './log-source.contract.js';
import { createLogStore } from './log-store.js';
import { LOG_T0 } from './testing/contract-logs.js';
import { pushToLoki, startLokiStandIn } from './testing/loki-stand-in.js';

// The clock of every source: an hour after the data, so default look-backs cover it.
const NOW = () => LOG_T0 + 3_600_000;

logSourceContract('embedded store', async (entries) => {
  const dir = mkdtempSync(join(tmpdir(), 'log-contract-'));
  const store = await createLogStore({ dir, now: NOW });
  for (const entry of entries) store.append(entry);
  await store.flush();
  return {
    source: store,
    append: async (more) => {
      for (const entry of more) store.append(entry);
      await store.flush();
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

logSourceContract('Loki adapter (embedded Loki API as the stand-in)', async (entries) => {
  const server = await startLokiStandIn(NOW);
  await pushToLoki(server.url, entries);
  return {
    // A small page size makes trace look-ups and tail replays page.
    source: createLokiLogSource({ baseUrl: server.url, now: NOW, tailPollIntervalMs: 10, pageSize: 3 }),
    append: (more) => pushToLoki(server.url, more),
    close: server.close,
  };
});
