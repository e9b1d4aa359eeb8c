import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS, FORWARD_STEPS, type CrashPoint } from '@opsloop/service-checkout';
import { call, startShop, type Shop } from './support/shop-processes.js';
import { waitFor } from './support/stack.js';

// Crash safety of the checkout saga across real processes: checkout SIGKILLs itself at every crash point
// (test hook), or a participant is SIGKILLed mid-saga; after a restart every saga ends completed or
// compensated, with the participants agreeing. One stack for the file; checkout restarts on its data.

let shop: Shop;
let products: string[] = [];

/** Checkout settings for quick recovery in tests (defaults are minutes-scale). */
const CHECKOUT_ENV = {
  CHECKOUT_REQUEST_TIMEOUT_MS: '1500',
  CHECKOUT_RECOVERY_INTERVAL_MS: '200',
  CHECKOUT_MAX_BACKOFF_MS: '500',
  LOG_LEVEL: 'warn',
};

interface SagaView {
  checkoutId: string;
  state: string;
  step: string;
  orderId: string;
  reservationId: string;
  paymentId: string | null;
  failure: { step: string; reason: string } | null;
  lastError: string | null;
}

beforeAll(async () => {
  shop = await startShop({
    services: ['catalog', 'users', 'cart', 'inventory', 'payments', 'orders', 'checkout'],
    env: {
      checkout: CHECKOUT_ENV,
      inventory: { LOG_LEVEL: 'warn', RESERVATION_SWEEP_MS: '500' },
      payments: { LOG_LEVEL: 'warn' },
      orders: { LOG_LEVEL: 'warn' },
      cart: { LOG_LEVEL: 'warn' },
    },
  });
  const page = await call<{ items: { id: string }[] }>(`${shop.url('catalog')}/api/products?limit=5`);
  products = page.body.items.map((item) => item.id);
}, 300_000);

afterAll(async () => {
  await shop?.stop();
}, 60_000);

const provider = (settings: { latencyMs?: number; failureRate?: number; declineRate?: number }) =>
  call(`${shop.url('payments')}/api/payments/provider`, { method: 'PUT', body: settings });

/**
 * Puts `productId` × 2 in the user's cart, then checks the cart out without waiting for (or needing) an
 * answer: the process may die under it.
 */
async function postCheckout(userId: string, productId: string): Promise<unknown> {
  // The cart prices what it holds with the catalogue; under load a first call may find it slow: retry.
  await waitFor('the cart to take the product', async () => {
    const filled = await call(`${shop.url('cart')}/api/cart/items/${productId}`, {
      method: 'PUT',
      headers: { 'x-user-id': userId },
      body: { quantity: 2 },
    });
    return filled.status === 200 ? true : undefined;
  });
  return call(`${shop.url('checkout')}/api/checkout`, {
    method: 'POST',
    headers: { 'x-user-id': userId, 'idempotency-key': randomUUID() },
  }).catch((error: unknown) => error);
}

async function sagaOf(userId: string): Promise<SagaView | undefined> {
  const list = await call<{ sagas: SagaView[] }>(
    `${shop.url('checkout')}/internal/checkout/sagas?userId=${encodeURIComponent(userId)}`,
  );
  return list.body.sagas?.[0];
}

/** The saga with its step log, as an operator sees it (for failure messages). */
async function history(sagaId: string): Promise<string> {
  const view = await call<{ steps?: { step: string; outcome: string; error: string | null }[] }>(
    `${shop.url('checkout')}/internal/checkout/sagas/${sagaId}`,
  ).catch(() => undefined);
  return JSON.stringify(
    view?.body.steps?.map((s) => `${s.step}:${s.outcome}${s.error ? ` (${s.error})` : ''}`),
  );
}

async function finished(userId: string, timeoutMs = 30_000): Promise<SagaView> {
  let last: SagaView | undefined;
  try {
    return await waitFor(
      `the saga of ${userId} to finish`,
      async () => {
        last = await sagaOf(userId);
        return last?.state === 'completed' || last?.state === 'compensated' ? last : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify(last)}`,
    );
  }
}

/**
 * What the participants say about a finished saga. Completed: paid order, committed stock, captured payment.
 * Compensated: no order left open, nothing reserved or committed, nothing charged (voided, declined,
 * refunded or never authorized). Never a capture without a paid order.
 */
async function expectConsistent(saga: SagaView): Promise<void> {
  const order = await call<{ state?: string }>(`${shop.url('orders')}/api/orders/${saga.orderId}`);
  const reservation = await call<{ state?: string }>(
    `${shop.url('inventory')}/api/inventory/reservations/${saga.reservationId}`,
  );
  const payment =
    saga.paymentId === null
      ? undefined
      : await call<{ status?: string }>(`${shop.url('payments')}/api/payments/${saga.paymentId}`);
  const context = JSON.stringify({
    saga,
    order: order.body,
    reservation: reservation.body,
    payment: payment?.body,
    steps: await history(saga.checkoutId),
  });
  if (saga.state === 'completed') {
    expect(order.body.state, context).toBe('paid');
    expect(reservation.body.state, context).toBe('committed');
    expect(payment?.body.status, context).toBe('captured');
  } else {
    expect(saga.state, context).toBe('compensated');
    expect(order.status === 404 || order.body.state === 'cancelled', context).toBe(true);
    expect(
      reservation.status === 404 || ['released', 'expired'].includes(reservation.body.state ?? ''),
      context,
    ).toBe(true);
    if (payment !== undefined)
      expect(['declined', 'voided', 'refunded'], context).toContain(payment.body.status);
  }
  if (payment?.body.status === 'captured') expect(order.body.state, context).toBe('paid');
}

/** Whether the running checkout was started with a hook or other non-default settings. */
let special = false;

/**
 * Restarts checkout, armed at `point` when given. A process armed to die during its start-up recovery (before
 * it is ready) is not waited for: `ready: false`.
 */
async function restartCheckout(
  point?: CrashPoint,
  env: Record<string, string> = {},
  ready = true,
): Promise<void> {
  await shop.kill('checkout');
  special = point !== undefined || Object.keys(env).length > 0;
  await shop.start('checkout', { OPSLOOP_TEST_HOOKS: '1', CHECKOUT_CRASH_AT: point, ...env }, ready);
}

/** Waits for checkout to die at `point` (its hook says so on stderr before the SIGKILL). */
async function diesAt(point: CrashPoint): Promise<void> {
  expect(await shop.exited('checkout', 60_000), shop.output('checkout')).toBe('SIGKILL');
  expect(shop.output('checkout')).toContain(`SIGKILL at ${point}`);
}

/** The crash points of `steps`, in the order a saga meets them. */
const pointsOf = (steps: readonly string[]): CrashPoint[] =>
  CRASH_POINTS.filter((point) => steps.includes(point.slice(point.indexOf(':') + 1)));

/** How a chain sets its scene: before its first crash, and checkout settings for every run. */
interface Chain {
  /** Runs before the first crash (sets the scene), and after it (clears it). */
  arm?: () => Promise<unknown>;
  disarm?: () => Promise<unknown>;
  env?: Record<string, string>;
}

/**
 * Walks one checkout through `points`, dying at each: checkout starts armed at the first point and the
 * checkout is posted; it dies there. It restarts armed at the next point: its start-up recovery resumes the
 * saga, which dies there in turn — and so on, so that every point is both where a process died and where the
 * next one picked up. A last restart without the hook must finish the saga, consistently.
 */
async function crashChain(userId: string, productId: string, points: CrashPoint[], chain: Chain = {}) {
  const [first, ...rest] = points;
  if (first === undefined) throw new Error('an empty chain');
  await restartCheckout(first, chain.env);
  await chain.arm?.();
  try {
    await Promise.all([postCheckout(userId, productId), diesAt(first)]);
  } finally {
    await chain.disarm?.();
  }
  return recoverThrough(userId, rest, chain.env);
}

/** Restarts checkout armed at each of `points` in turn (each run recovers the saga and dies), then unarmed. */
async function recoverThrough(userId: string, points: CrashPoint[], env: Record<string, string> = {}) {
  for (const point of points) {
    await restartCheckout(point, env, false);
    await diesAt(point);
  }
  await restartCheckout(undefined, env);
  const saga = await finished(userId);
  await expectConsistent(saga);
  return saga;
}

async function cartOf(userId: string) {
  return (
    await call<{ lines: unknown[] }>(`${shop.url('cart')}/api/cart`, { headers: { 'x-user-id': userId } })
  ).body;
}

describe('checkout SIGKILLed at every crash point', () => {
  it('completes a cart checkout that died at every forward point in turn (reserve … complete)', async () => {
    const userId = randomUUID();
    const points = pointsOf(FORWARD_STEPS);
    expect(points).toHaveLength(18);
    const saga = await crashChain(userId, products[0]!, points);
    expect(saga.state).toBe('completed');
    expect((await cartOf(userId)).lines).toHaveLength(0);
  }, 300_000);

  it('compensates a declined checkout that died at every compensation point in turn', async () => {
    const userId = randomUUID();
    const saga = await crashChain(
      userId,
      products[1]!,
      pointsOf(['release-reservation', 'cancel-order', 'compensate']),
      {
        arm: () => provider({ declineRate: 1 }),
        disarm: () => provider({ declineRate: 0 }),
      },
    );
    expect(saga).toMatchObject({
      state: 'compensated',
      failure: { step: 'authorize', reason: 'payment-declined' },
    });
    // A compensated cart checkout leaves the cart for another try.
    expect((await cartOf(userId)).lines).toHaveLength(1);
  }, 180_000);

  it('voids the authorization of a checkout that gave up on payments, dying before and after the void', async () => {
    const userId = randomUUID();
    // Every authorization fails: the saga gives up before the pivot and voids whatever may exist.
    const saga = await crashChain(userId, products[2]!, pointsOf(['void-payment']), {
      arm: () => provider({ failureRate: 1 }),
      disarm: () => provider({ failureRate: 0 }),
    });
    expect(saga).toMatchObject({
      state: 'compensated',
      failure: { step: 'authorize', reason: 'unavailable' },
    });
    const payment = await call<{ status: string }>(`${shop.url('payments')}/api/payments/${saga.paymentId!}`);
    expect(payment.body.status).toBe('voided');
  }, 180_000);

  it('refunds a capture whose reservation expired while checkout was down, dying before and after the refund', async () => {
    const userId = randomUUID();
    // A 2 s reservation, and a crash right after the capture: the restart finds the reservation expired.
    const env = { CHECKOUT_RESERVATION_TTL_SECONDS: '2' };
    await restartCheckout('after:capture', env);
    await Promise.all([postCheckout(userId, products[3]!), diesAt('after:capture')]);
    await new Promise((r) => setTimeout(r, 2_500));
    const saga = await recoverThrough(userId, pointsOf(['refund-payment']), env);
    expect(saga).toMatchObject({
      state: 'compensated',
      failure: { step: 'commit-reservation', reason: 'reservation-expired' },
    });
    const payment = await call<{ status: string }>(`${shop.url('payments')}/api/payments/${saga.paymentId!}`);
    expect(payment.body.status).toBe('refunded');
  }, 180_000);
});

describe('a participant SIGKILLed mid-saga', () => {
  async function whenAt(userId: string, step: string): Promise<SagaView> {
    return waitFor(`the saga to reach ${step}`, async () => {
      const saga = await sagaOf(userId);
      return saga?.step === step ? saga : undefined;
    });
  }

  async function unhookedCheckout() {
    if (special || shop.pid('checkout') === undefined) await restartCheckout();
  }

  it('payments, during an authorization and a capture: both sagas end consistently once payments is back', async () => {
    await unhookedCheckout();
    // A slow provider keeps both calls inside payments when it dies.
    await provider({ latencyMs: 1_500 });
    const capturing = randomUUID();
    const authorizing = randomUUID();
    const first = postCheckout(capturing, products[4]!);
    await whenAt(capturing, 'capture');
    const second = postCheckout(authorizing, products[4]!);
    await whenAt(authorizing, 'authorize');
    await shop.kill('payments');
    // A restarted payments has its provider settings back to their defaults (no latency).
    await shop.start('payments');
    await Promise.all([first, second]);
    // The restarted replica (same name) released the claims its predecessor died with, so the sagas' retries
    // (forward at the capture, compensating at the authorization) go through without waiting 2 min for
    // those claims to turn stale.
    const [captured, authorized] = await Promise.all([
      finished(capturing, 120_000),
      finished(authorizing, 120_000),
    ]);
    expect(captured.state, await history(captured.checkoutId)).toBe('completed');
    await expectConsistent(captured);
    await expectConsistent(authorized);
  }, 180_000);

  it('inventory, while the saga waits on payments: the commit waits for inventory, then completes', async () => {
    await unhookedCheckout();
    await provider({ latencyMs: 1_500 });
    const userId = randomUUID();
    const posted = postCheckout(userId, products[3]!);
    await whenAt(userId, 'authorize');
    await shop.kill('inventory');
    await waitFor('the saga to wait on inventory', async () => {
      const saga = await sagaOf(userId);
      if (saga?.state !== 'running')
        throw new Error(`${JSON.stringify(saga)} ${await history(saga!.checkoutId)}`);
      return saga.step === 'commit-reservation' && saga.lastError !== null ? saga : undefined;
    });
    await provider({ latencyMs: 0 });
    await shop.start('inventory');
    await posted;
    const saga = await finished(userId);
    expect(saga.state).toBe('completed');
    await expectConsistent(saga);
  }, 120_000);
});
