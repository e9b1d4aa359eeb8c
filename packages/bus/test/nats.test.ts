import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { createNatsEventBus } from '../src/index.js';
import { describeEventBusContract } from './contract.js';

/** Set to a NATS server with JetStream (CI: nats://127.0.0.1:4222) to run the contract against it. */
const url = process.env.OPSLOOP_TEST_NATS_URL;

describe.skipIf(!url)('NATS JetStream adapter', () => {
  // A plain test as well as the suite's beforeAll: an unreachable server shows up as a failed test.
  it('reaches the server named by OPSLOOP_TEST_NATS_URL', async () => {
    const bus = await createNatsEventBus({ servers: url!, timeoutMs: 3_000 });
    await bus.close();
    expect(bus).toBeDefined();
  });

  describeEventBusContract('NATS JetStream', async () => {
    const servers = url!;
    // Fails the suite (not skips it) when the variable is set but the server is unreachable.
    const probe = await createNatsEventBus({ servers, timeoutMs: 3_000 });
    await probe.close();
    return {
      createBus: (options) => createNatsEventBus({ servers, name: 'opsloop-bus-contract', ...options }),
      restart: () => Promise.resolve(),
      ackWaitMs: 1_000,
      async dispose(streams) {
        const nc = await connect({ servers, timeout: 3_000 });
        try {
          const jsm = await jetstreamManager(nc);
          for (const stream of streams) {
            await jsm.streams.delete(stream.replace(/\.dlq$/, '_dlq')).catch(() => false);
          }
        } finally {
          await nc.drain();
        }
      },
    };
  });
});
