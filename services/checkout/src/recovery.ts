import {
  context,
  contextFromHeaders,
  SpanKind,
  SpanStatusCode,
  systemClock,
  trace,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@opsloop/kit';
import type { Lease, SagaRecord, SagaRepository } from './saga-repository.js';
import type { RunResult, SagaRunner } from './saga-runner.js';

/**
 * Runs a recovered saga in an INTERNAL span `checkout saga resume` whose parent is the request that started
 * the saga (its stored `traceparent`): the checkout stays one trace across a crash, and the resumed steps'
 * calls appear under it. A saga stored without one (started outside any trace) resumes in a new trace.
 */
function runInOriginalTrace(runner: SagaRunner, saga: SagaRecord, lease: Lease): Promise<RunResult> {
  const parent = contextFromHeaders(
    saga.traceparent === null ? undefined : { traceparent: saga.traceparent },
  );
  const span = trace.getTracer('@opsloop/checkout').startSpan(
    'checkout saga resume',
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'saga.id': saga.id,
        'saga.state': saga.state,
        'saga.step': saga.step,
        'saga.attempts': saga.attempts,
      },
    },
    parent,
  );
  return context
    .with(trace.setSpan(parent, span), () => runner.run(saga, lease))
    .then(
      (result) => {
        span.setAttribute('saga.run_result', result);
        return result;
      },
      (error: unknown) => {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      },
    )
    .finally(() => span.end());
}

/** Options of {@link createRecoveryLoop}. */
export interface RecoveryLoopOptions {
  repository: SagaRepository;
  runner: SagaRunner;
  log: Logger;
  /** This replica's name: the lease owner. */
  instance: string;
  /** Time between scans. */
  intervalMs: number;
  /** Most sagas the loop runs at once (claimed per scan up to this). */
  batchSize: number;
  /**
   * Whose leases a scan takes over at once (of sagas last written before this process started): `any` on
   * PGlite (one process per data directory: whoever held them is dead), `own` on PostgreSQL (only a
   * previous incarnation of this replica name; other replicas' leases are left to expire).
   */
  startupTakeover: 'any' | 'own';
  clock?: Clock;
}

/** The loop that resumes or compensates every saga left mid-way. */
export interface RecoveryLoop {
  /** Scans at once, then every `intervalMs`. */
  start(): void;
  /** Stops scanning and waits for the scan in progress (the runs it started are stopped by the runner). */
  stop(): Promise<void>;
  /** Resolves when every run started by the loop has ended (tests). */
  idle(): Promise<void>;
  /** One scan: claims due sagas and runs them; resolves with how many were claimed. */
  scan(): Promise<number>;
}

/**
 * Creates the recovery loop. A saga is due when nobody holds its lease (its runner parked it, or died and
 * the lease ran out) and its `next_attempt_at` has come. Claims use `for update skip locked` and write a new
 * lease in the same transaction, so replicas sharing a PostgreSQL database never run one saga twice.
 */
export function createRecoveryLoop(options: RecoveryLoopOptions): RecoveryLoop {
  const { repository, runner, log, instance, intervalMs, batchSize } = options;
  const clock = options.clock ?? systemClock;
  const startedAt = new Date(clock.now());
  let timer: TimerHandle | undefined;
  let running = false;
  let current: Promise<unknown> = Promise.resolve();

  const inFlight = new Set<Promise<unknown>>();

  async function scan(): Promise<number> {
    // Runs are not awaited here: a saga stuck on a slow participant must not hold back the others.
    const capacity = batchSize - inFlight.size;
    if (capacity <= 0) return 0;
    const claimed = await repository.claimDue({
      owner: instance,
      limit: capacity,
      // Sagas last written before this process started and leased by a dead process are taken at once
      // (their leases could otherwise hold them for a whole lease period).
      takeOver: { before: startedAt, anyOwner: options.startupTakeover === 'any' },
    });
    for (const { saga, lease } of claimed) {
      log.info(
        {
          saga_id: saga.id,
          state: saga.state,
          step: saga.step,
          attempts: saga.attempts,
          ...(saga.leaseOwner !== null && saga.leaseOwner !== instance
            ? { previous_owner: saga.leaseOwner }
            : {}),
        },
        'saga recovered',
      );
      const run = runInOriginalTrace(runner, saga, lease).finally(() => {
        inFlight.delete(run);
        // A full batch may mean a backlog (after an outage): look again soon rather than a period later.
        if (claimed.length === capacity && running && timer !== undefined) {
          timer.cancel();
          schedule(0);
        }
      });
      inFlight.add(run);
    }
    return claimed.length;
  }

  function schedule(delayMs: number): void {
    if (!running) return;
    timer = clock.after(delayMs, () => {
      timer = undefined;
      current = scan()
        .catch((error: unknown) => log.error({ err: error }, 'saga recovery scan failed'))
        .finally(() => schedule(intervalMs));
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
      await current;
    },
    scan,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
