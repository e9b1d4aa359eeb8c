import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startShop, type Shop } from './support/shop-processes.js';

// The checkout saga across real processes: inventory, payments, orders, catalog, users, cart and checkout,
// built, on 127.0.0.1 with static discovery and their own databases. One stack for the file.

const PROBLEMS = 'https://opsloop.dev/problems/';

let shop: Shop;
let products: string[] = [];

interface CheckoutAnswer {
  checkoutId: string;
  orderId: string;
  paymentId: string;
  state: string;
  total: { amountMinor: number; currency: string };
  type?: string;
  shortages?: { productId: string; requested: number; available: number }[];
}

beforeAll(async () => {
  shop = await startShop({
    services: ['catalog', 'users', 'cart', 'inventory', 'payments', 'orders', 'checkout'],
    env: {
      // Every request waits for its saga's answer here (200 at once on two cores take a while).
      checkout: { CHECKOUT_REQUEST_TIMEOUT_MS: '120000', LOG_LEVEL: 'warn' },
      inventory: { LOG_LEVEL: 'warn' },
      payments: { LOG_LEVEL: 'warn' },
      orders: { LOG_LEVEL: 'warn' },
      cart: { LOG_LEVEL: 'warn' },
    },
  });
  const page = await call<{ items: { id: string }[] }>(`${shop.url('catalog')}/api/products?limit=10`);
  products = page.body.items.map((item) => item.id);
  expect(products.length).toBeGreaterThanOrEqual(3);
}, 300_000);

afterAll(async () => {
  await shop?.stop();
}, 60_000);

function checkout(userId: string, key: string, lines: { productId: string; quantity: number }[]) {
  return call<CheckoutAnswer>(`${shop.url('checkout')}/api/checkout`, {
    method: 'POST',
    headers: { 'x-user-id': userId, 'idempotency-key': key },
    body: { lines },
  });
}

async function setStock(productId: string, onHand: number) {
  const res = await call(`${shop.url('inventory')}/api/inventory/${productId}`, {
    method: 'PUT',
    body: { onHand },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function stockOf(productId: string) {
  return (
    await call<{ onHand: number; reserved: number; available: number }>(
      `${shop.url('inventory')}/api/inventory/${productId}`,
    )
  ).body;
}

describe('checkout under contention', () => {
  it('sells exactly the 50 in stock to 200 parallel buyers: 50 × 201, 150 × 409 out-of-stock, stock 0/0', async () => {
    const product = products[0]!;
    await setStock(product, 50);
    // Watch the stock while the buyers race: it must never go negative or over-reserved.
    const samples: { onHand: number; reserved: number; available: number }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        samples.push(await stockOf(product));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        checkout(randomUUID(), randomUUID(), [{ productId: product, quantity: 1 }]),
      ),
    );
    watching = false;
    await watcher;

    const byStatus = new Map<number, number>();
    for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 50, 409: 150 });
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.body.type).toBe(`${PROBLEMS}out-of-stock`);
      expect(answer.body.shortages?.[0]).toMatchObject({ productId: product, requested: 1 });
    }
    expect(await stockOf(product)).toEqual({ productId: product, onHand: 0, reserved: 0, available: 0 });
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) {
      expect(sample.available).toBeGreaterThanOrEqual(0);
      expect(sample.reserved).toBeLessThanOrEqual(sample.onHand);
    }

    // 50 captured payments, 50 paid orders, one per completed checkout.
    const completed = answers.filter((a) => a.status === 201).map((a) => a.body);
    expect(new Set(completed.map((c) => c.orderId)).size).toBe(50);
    const payments = await Promise.all(
      completed.map((c) => call<{ status: string }>(`${shop.url('payments')}/api/payments/${c.paymentId}`)),
    );
    expect(payments.filter((p) => p.body.status === 'captured')).toHaveLength(50);
    const orders = await Promise.all(
      completed.map((c) => call<{ state: string }>(`${shop.url('orders')}/api/orders/${c.orderId}`)),
    );
    expect(orders.filter((o) => o.body.state === 'paid')).toHaveLength(50);
  }, 240_000);
});

describe('idempotency', () => {
  async function expectOneOrder(userId: string, answer: CheckoutAnswer) {
    const orders = await call<{ orders: { orderId: string; state: string }[] }>(
      `${shop.url('orders')}/api/orders?userId=${encodeURIComponent(userId)}`,
    );
    expect(orders.body.orders).toEqual([expect.objectContaining({ orderId: answer.orderId, state: 'paid' })]);
    const payment = await call<{ status: string; orderId: string }>(
      `${shop.url('payments')}/api/payments/${answer.paymentId}`,
    );
    expect(payment.body).toMatchObject({ status: 'captured', orderId: answer.orderId });
    const sagas = await call<{ sagas: { checkoutId: string }[] }>(
      `${shop.url('checkout')}/internal/checkout/sagas?userId=${encodeURIComponent(userId)}`,
    );
    expect(sagas.body.sagas.map((s) => s.checkoutId)).toEqual([answer.checkoutId]);
  }

  it('answers the same request sent 5 times in a row identically, with one order and one capture', async () => {
    const userId = randomUUID();
    const key = randomUUID();
    const lines = [
      { productId: products[1]!, quantity: 2 },
      { productId: products[2]!, quantity: 1 },
    ];
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await checkout(userId, key, lines));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
    expect(answers.map((a) => a.headers.get('idempotent-replayed'))).toEqual([
      null,
      'true',
      'true',
      'true',
      'true',
    ]);
    await expectOneOrder(userId, answers[0]!.body);

    const other = await checkout(userId, key, [{ productId: products[1]!, quantity: 1 }]);
    expect(other.status).toBe(409);
    expect(other.body.type).toBe(`${PROBLEMS}conflict`);
  }, 60_000);

  it('answers the same request sent 5 times at once identically, with one order and one capture', async () => {
    const userId = randomUUID();
    const key = randomUUID();
    // A slow provider keeps the first saga busy while the duplicates arrive.
    await call(`${shop.url('payments')}/api/payments/provider`, { method: 'PUT', body: { latencyMs: 300 } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => checkout(userId, key, [{ productId: products[1]!, quantity: 1 }])),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
      for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
      await expectOneOrder(userId, answers[0]!.body);
    } finally {
      await call(`${shop.url('payments')}/api/payments/provider`, { method: 'PUT', body: { latencyMs: 0 } });
    }
  }, 60_000);
});
