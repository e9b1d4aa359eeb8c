import { randomUUID } from 'node:crypto';
import { createLogger, type Clock, type Logger } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { expect } from 'vitest';
import type { CrashHook, CrashPoint } from '../src/crash-points.js';
import { sagaIds, uuidv7 } from '../src/ids.js';
import type { Line } from '../src/participants.js';
import { createRecoveryLoop, type RecoveryLoop } from '../src/recovery.js';
import { FIRST_STEP } from '../src/saga-machine.js';
import { createSagaRepository, type SagaRecord, type SagaRepository } from '../src/saga-repository.js';
import { createSagaRunner, type SagaRunner } from '../src/saga-runner.js';
import type { StepSettings } from '../src/saga-steps.js';
import type { CheckoutTables } from '../src/tables.js';
import type { FakeShop } from './fake-participants.js';

/** Thrown by the simulated crash hook: the run stops where it is, its lease left behind, as a dead process. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** A clock whose time is real time plus an offset the test moves forward (timers are real). */
export interface ShiftedClock extends Clock {
  shift(ms: number): void;
}

/** Creates a {@link ShiftedClock}. */
export function shiftedClock(): ShiftedClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    after(ms, fn) {
      const timer = setTimeout(fn, ms);
      timer.unref();
      return { cancel: () => clearTimeout(timer) };
    },
    shift(ms) {
      offset += ms;
    },
  };
}

/** A silent logger for tests. */
export const silentLog: Logger = createLogger({
  service: 'checkout-test',
  version: '0',
  instance: 't',
  level: 'silent',
});

/** One simulated checkout process: its runner and recovery loop over the shared database. */
export interface SagaProcess {
  instance: string;
  repository: SagaRepository;
  runner: SagaRunner;
  recovery: RecoveryLoop;
  /** Points reached, in order. */
  reached: CrashPoint[];
}

/** Options of {@link startProcess}. */
export interface ProcessOptions {
  database: Database<CheckoutTables>;
  shop: FakeShop;
  clock: Clock;
  /** Simulate a crash at this point (once). */
  crashAt?: CrashPoint;
  leaseMs?: number;
  attemptsPerRun?: number;
  ttlSeconds?: number;
  instance?: string;
  /** The recovery loop's start-up takeover (default `any`, as on PGlite). */
  takeover?: 'any' | 'own';
  /** The deadline of each forward authorization (the `checkout-payment-timeout-ms` flag). */
  authorizeTimeoutMs?: StepSettings['authorizeTimeoutMs'];
}

/** Starts a simulated checkout process (nothing runs until a saga is started or recovery scans). */
export function startProcess(options: ProcessOptions): SagaProcess {
  const instance = options.instance ?? `checkout-${randomUUID().slice(0, 8)}`;
  const reached: CrashPoint[] = [];
  let crashed = false;
  const crashHook: CrashHook = (point) => {
    reached.push(point);
    if (point === options.crashAt && !crashed) {
      crashed = true;
      throw new SimulatedCrash(point);
    }
  };
  const repository = createSagaRepository({
    database: options.database,
    now: () => options.clock.now(),
    leaseMs: options.leaseMs ?? 30_000,
    newToken: randomUUID,
  });
  const runner = createSagaRunner({
    repository,
    participants: options.shop.participants,
    log: silentLog,
    clock: options.clock,
    crashHook,
    policy: { attemptsPerRun: options.attemptsPerRun ?? 3, backoffMs: [0], maxBackoffMs: 0 },
    settings: {
      reservationTtlSeconds: options.ttlSeconds ?? 900,
      expiryMarginMs: 1_000,
      ...(options.authorizeTimeoutMs ? { authorizeTimeoutMs: options.authorizeTimeoutMs } : {}),
    },
  });
  const recovery = createRecoveryLoop({
    repository,
    runner,
    log: silentLog,
    clock: options.clock,
    instance,
    intervalMs: 1_000,
    batchSize: 8,
    startupTakeover: options.takeover ?? 'any',
  });
  return { instance, repository, runner, recovery, reached };
}

/** Inserts a saga for `lines` (priced by the fake shop) holding a lease of `process`; returns it and its lease. */
export async function insertSaga(
  process: SagaProcess,
  shop: FakeShop,
  lines: Line[],
  options: { source?: 'cart' | 'lines'; userId?: string; cartVersion?: number; traceparent?: string } = {},
) {
  const priced = await shop.participants.cart.price('u', lines);
  const id = uuidv7();
  const ids = sagaIds(id);
  const lease = { owner: process.instance, token: randomUUID() };
  const saga = await process.repository.insert(
    {
      id,
      userId: options.userId ?? `user-${randomUUID()}`,
      idempotencyKey: randomUUID(),
      requestHash: 'h',
      source: options.source ?? 'lines',
      cartVersion: options.cartVersion ?? null,
      lines: priced.lines,
      currency: 'EUR',
      subtotalMinor: priced.subtotal.amountMinor,
      discountMinor: priced.discount.amountMinor,
      totalMinor: priced.total.amountMinor,
      orderId: ids.orderId,
      reservationId: ids.reservationId,
      step: FIRST_STEP,
      traceparent: options.traceparent ?? null,
    },
    lease,
  );
  if (saga === undefined) throw new Error('insert failed');
  return { saga, lease };
}

/**
 * Checks the participants against a finished saga: completed means paid order, committed stock, one
 * captured payment; compensated means no order left open, no stock held or committed, no money taken.
 */
export function expectConsistent(shop: FakeShop, saga: SagaRecord): void {
  const order = shop.orders.get(saga.orderId);
  const reservation = shop.reservations.get(saga.reservationId);
  const payments = [...shop.payments.values()].filter((p) => p.orderId === saga.orderId);
  const context = JSON.stringify({
    saga: { state: saga.state, step: saga.step, failure: saga.failure },
    order,
    reservation,
    payments,
  });
  if (saga.state === 'completed') {
    expect(order?.state, context).toBe('paid');
    expect(reservation?.state, context).toBe('committed');
    expect(
      payments.filter((p) => p.status === 'captured'),
      context,
    ).toHaveLength(1);
    expect(
      payments.filter((p) => p.status === 'authorized'),
      context,
    ).toHaveLength(0);
  } else {
    expect(saga.state, context).toBe('compensated');
    expect(order === undefined || order.state === 'cancelled', context).toBe(true);
    expect(
      reservation === undefined || reservation.state === 'released' || reservation.state === 'expired',
      context,
    ).toBe(true);
    for (const payment of payments)
      expect(['declined', 'voided', 'refunded'], context).toContain(payment.status);
  }
}
