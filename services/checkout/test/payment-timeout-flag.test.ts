import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBroker, createInProcessEventBus, type EmbeddedBroker } from '@opsloop/bus';
import { startTestFlagsServer, type TestFlagsServer } from '@opsloop/flags';
import { createService, type Service } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkoutService } from '../src/app.js';
import { PAYMENT_TIMEOUT_FLAG } from '../src/payment-timeout-flag.js';
import type { CheckoutTables } from '../src/tables.js';
import { addProduct, createFakeShop } from './fake-participants.js';

// The flag as opsloop.yaml declares it: `standard` is the configured deadline, `aggressive` a bad flip.
const document = {
  flags: {
    [PAYMENT_TIMEOUT_FLAG]: {
      state: 'ENABLED',
      variants: { standard: 5000, aggressive: 5 },
      defaultVariant: 'standard',
    },
  },
};

let service: Service;
let broker: EmbeddedBroker;
let flags: TestFlagsServer;
let dir: string;
const shop = createFakeShop();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checkout-flag-'));
  broker = await createEmbeddedBroker({ dir });
  flags = await startTestFlagsServer({ document });
  const template = await createPgliteTemplate();
  service = await createService(
    checkoutService({
      createDatabase: () =>
        createPgliteDatabase<CheckoutTables>({ dataDir: PGLITE_MEMORY, schema: 'checkout', template }),
      createBus: () => Promise.resolve(createInProcessEventBus(broker)),
      createParticipants: () => shop.participants,
      env: {
        LOG_LEVEL: 'silent',
        OPSLOOP_BUS_URL: 'http://127.0.0.1:1',
        OPSLOOP_FLAGS_URL: flags.url,
        CHECKOUT_RPC_TIMEOUT_MS: '5000',
        CHECKOUT_REQUEST_TIMEOUT_MS: '3000',
        CHECKOUT_MAX_BACKOFF_MS: '20',
      },
    }),
  );
});

afterAll(async () => {
  await service?.shutdown('test');
  await flags?.close();
  await broker?.close();
  await rm(dir, { recursive: true, force: true });
});

async function checkout(productId: string) {
  const res = await service.app.inject({
    method: 'POST',
    url: '/api/checkout',
    headers: {
      'x-user-id': `user-${randomUUID()}`,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    payload: JSON.stringify({ lines: [{ productId, quantity: 1 }] }),
  });
  return res.statusCode;
}

describe(`the ${PAYMENT_TIMEOUT_FLAG} flag`, () => {
  it('sets the deadline of each checkout’s authorization at run time; a bad flip fails checkouts, charging nothing', async () => {
    const product = addProduct(shop, 100);
    shop.setAuthorizeTime(50);
    expect(await checkout(product)).toBe(201);
    expect(shop.authorizeDeadlines.at(-1)).toBe(5000);

    flags.store.set(PAYMENT_TIMEOUT_FLAG, { defaultVariant: 'aggressive' });
    // The provider applies the change within moments; checkouts started after it fail (503, compensated).
    await vi.waitFor(
      async () => {
        expect(await checkout(product)).toBe(503);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(shop.authorizeDeadlines).toContain(5);
    const voided = [...shop.payments.values()].filter((p) => p.status === 'voided');
    expect(voided.length).toBeGreaterThan(0);
    expect([...shop.payments.values()].filter((p) => p.status === 'authorized')).toEqual([]);

    flags.store.set(PAYMENT_TIMEOUT_FLAG, { defaultVariant: 'standard' });
    await vi.waitFor(
      async () => {
        expect(await checkout(product)).toBe(201);
      },
      { timeout: 10_000, interval: 50 },
    );
  }, 30_000);
});
