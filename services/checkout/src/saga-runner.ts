import { systemClock, type Clock, type Logger } from '@opsloop/kit';
import { enqueue } from '@opsloop/outbox';
import type { Transaction } from 'kysely';
import { completedAnswer, failureAnswer } from './answers.js';
import { noCrash, type CrashHook } from './crash-points.js';
import { cancelledEvent, paymentFailedEvent, placedEvent } from './saga-events.js';
import type { SagaMetrics } from './saga-metrics.js';
import { decide, isTerminal, type Decision, type RetryPolicy, type SagaStep } from './saga-machine.js';
import {
  LeaseLostError,
  type Lease,
  type SagaPatch,
  type SagaRecord,
  type SagaRepository,
} from './saga-repository.js';
import { executeStep, type StepResult, type StepSettings } from './saga-steps.js';
import type { Participants } from './participants.js';
import type { CheckoutTables } from './tables.js';

/** How a run of a saga ended. */
export type RunResult =
  /** The saga is completed or compensated. */
  | 'finished'
  /** A step keeps failing: the saga is left to the recovery loop (due at `next_attempt_at`). */
  | 'parked'
  /** Another runner took the saga over (this one's lease expired): it stopped without writing. */
  | 'lease-lost'
  /** The runner is shutting down: the saga is released for a restart or another replica. */
  | 'stopped'
  /** This process is already running the saga. */
  | 'busy';

/** Options of {@link createSagaRunner}. */
export interface SagaRunnerOptions {
  repository: SagaRepository;
  participants: Participants;
  log: Logger;
  policy: RetryPolicy;
  settings: Omit<StepSettings, 'now'>;
  clock?: Clock;
  /** The test hook: called before and after every step. */
  crashHook?: CrashHook;
  /** Called after every persisted change of a saga (wakes requests waiting for its answer). */
  onChange?: (saga: SagaRecord) => void;
  /** Called after a transaction that enqueued events committed (wakes the outbox relay). */
  onEvents?: () => void;
  metrics?: SagaMetrics;
}

/** Runs sagas step by step, persisting every outcome under the saga's lease. */
export interface SagaRunner {
  /** Runs `saga` (whose lease the caller holds) until it finishes, parks, loses its lease or is stopped. */
  run(saga: SagaRecord, lease: Lease): Promise<RunResult>;
  /** Whether this process is running the saga now. */
  isRunning(sagaId: string): boolean;
  /** Number of sagas running now. */
  running(): number;
  /** Makes every run stop at its next step boundary (releasing its saga) and waits for them. */
  stop(): Promise<void>;
}

/** Creates a {@link SagaRunner}. */
export function createSagaRunner(options: SagaRunnerOptions): SagaRunner {
  const { repository, participants, log, policy, metrics } = options;
  const clock = options.clock ?? systemClock;
  const crashHook = options.crashHook ?? noCrash;
  const settings: StepSettings = { ...options.settings, now: () => clock.now() };
  const active = new Map<string, Promise<RunResult>>();
  let stopping = false;
  let wakeSleepers: (() => void)[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || stopping) return resolve();
      const timer = clock.after(ms, () => {
        wakeSleepers = wakeSleepers.filter((w) => w !== wake);
        resolve();
      });
      const wake = () => {
        timer.cancel();
        resolve();
      };
      wakeSleepers.push(wake);
    });

  function patchFor(saga: SagaRecord, decision: Decision, result: StepResult, attempts: number): SagaPatch {
    const facts: SagaPatch = {
      lease: 'renew',
      ...(result.paymentId === undefined ? {} : { paymentId: result.paymentId }),
      ...(result.reservationExpiresAt === undefined
        ? {}
        : { reservationExpiresAt: result.reservationExpiresAt }),
      ...(result.error === undefined ? {} : { lastError: result.error }),
    };
    switch (decision.kind) {
      case 'advance':
        return {
          ...facts,
          state: decision.state,
          step: decision.step,
          attempts: 0,
          nextAttemptAt: null,
          ...(isTerminal(decision.state) ? { finished: true, lease: 'release' as const } : {}),
        };
      case 'compensate': {
        const detail = result.failureDetail ?? null;
        const learned = {
          ...saga,
          ...(result.paymentId === undefined ? {} : { paymentId: result.paymentId }),
        };
        return {
          ...facts,
          state: 'compensating',
          step: decision.step,
          failure: decision.failure,
          failureDetail: detail,
          attempts: 0,
          nextAttemptAt: null,
          // The answer is decided now: compensation runs to its end whatever happens to the request.
          answer: failureAnswer(learned, decision.failure, detail),
        };
      }
      case 'retry':
        return { ...facts, attempts };
      case 'park':
        return {
          ...facts,
          attempts,
          nextAttemptAt: new Date(clock.now() + decision.delayMs),
          lease: 'release',
        };
    }
  }

  /** The events and answer of a saga reaching a terminal state, written in the transaction that marks it. */
  function finalWrites(step: SagaStep) {
    if (step === 'complete') {
      return async (trx: Transaction<CheckoutTables>, saga: SagaRecord) => {
        await enqueue(trx, 'orders', placedEvent(saga, clock.now()));
      };
    }
    if (step === 'compensate') {
      return async (trx: Transaction<CheckoutTables>, saga: SagaRecord) => {
        await enqueue(trx, 'orders', cancelledEvent(saga, clock.now()));
        const paymentFailed = paymentFailedEvent(saga, clock.now());
        if (paymentFailed !== undefined) await enqueue(trx, 'payments', paymentFailed);
      };
    }
    return undefined;
  }

  function logOutcome(decision: Decision, result: StepResult): string {
    switch (decision.kind) {
      case 'advance':
        return result.outcome.kind === 'transient' ? 'skipped' : 'done';
      case 'compensate':
        return result.outcome.kind === 'failed' ? `failed:${result.outcome.reason}` : 'gave-up';
      case 'retry':
        return 'retry';
      case 'park':
        return 'parked';
    }
  }

  async function runSaga(initial: SagaRecord, lease: Lease): Promise<RunResult> {
    let saga = initial;
    let runAttempts = 0;
    while (!isTerminal(saga.state)) {
      const step = saga.step;
      if (stopping) {
        saga = await repository.update(
          saga.id,
          lease,
          { lease: 'release', nextAttemptAt: null },
          { step, outcome: 'released', attempt: saga.attempts, error: null, durationMs: 0 },
        );
        return 'stopped';
      }
      const started = clock.now();
      crashHook(`before:${step}`, saga.id);
      const result = await executeStep(saga, participants, settings);
      crashHook(`after:${step}`, saga.id);
      runAttempts += 1;
      const attempts = saga.attempts + 1;
      const decision = decide(
        { state: saga.state, step, source: saga.source, failure: saga.failure },
        result.outcome,
        attempts,
        runAttempts,
        policy,
      );
      let patch = patchFor(saga, decision, result, attempts);
      const also = decision.kind === 'advance' && isTerminal(decision.state) ? finalWrites(step) : undefined;
      if (decision.kind === 'advance' && decision.state === 'completed') {
        patch = { ...patch, answer: completedAnswer(saga) };
      }
      const durationMs = clock.now() - started;
      const outcome = logOutcome(decision, result);
      saga = await repository.update(
        saga.id,
        lease,
        patch,
        { step, outcome, attempt: attempts, error: result.error ?? null, durationMs },
        also,
      );
      if (also !== undefined) options.onEvents?.();
      options.onChange?.(saga);
      metrics?.step(step, outcome, durationMs / 1000);
      const line = {
        saga_id: saga.id,
        step,
        outcome,
        attempt: attempts,
        duration_ms: durationMs,
        state: saga.state,
        next_step: saga.step,
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(result.note === undefined ? {} : { note: result.note }),
      };
      if (decision.kind === 'park' || result.note !== undefined) log.warn(line, 'saga step');
      else log.info(line, 'saga step');
      if (isTerminal(saga.state)) metrics?.finished(saga.state, saga.failure?.reason ?? 'none');

      if (decision.kind === 'retry') {
        await sleep(decision.delayMs);
      } else if (decision.kind === 'park') {
        return 'parked';
      } else {
        runAttempts = 0;
      }
    }
    return 'finished';
  }

  return {
    run(saga, lease) {
      if (active.has(saga.id)) return Promise.resolve('busy');
      const running = runSaga(saga, lease)
        .catch((error: unknown): RunResult => {
          if (error instanceof LeaseLostError) {
            log.warn({ saga_id: saga.id }, 'saga lease lost: another runner has it');
            return 'lease-lost';
          }
          // A database error: the lease runs out and the recovery loop takes the saga again.
          log.error({ saga_id: saga.id, err: error }, 'saga run failed; the recovery loop will resume it');
          return 'parked';
        })
        .finally(() => active.delete(saga.id));
      active.set(saga.id, running);
      return running;
    },
    isRunning: (sagaId) => active.has(sagaId),
    running: () => active.size,
    async stop() {
      stopping = true;
      for (const wake of wakeSleepers) wake();
      wakeSleepers = [];
      await Promise.allSettled([...active.values()]);
    },
  };
}
