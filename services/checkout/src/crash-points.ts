import { SAGA_STEPS, type SagaStep } from './saga-machine.js';

/**
 * A point in the saga where the test hook may kill the process: `before:<step>` (nothing of the step done)
 * and `after:<step>` (the participant answered, its result not yet persisted).
 */
export type CrashPoint = `${'before' | 'after'}:${SagaStep}`;

/** Every crash point, in saga order. */
export const CRASH_POINTS: readonly CrashPoint[] = SAGA_STEPS.flatMap((step) => [
  `before:${step}` as const,
  `after:${step}` as const,
]);

/** Whether `value` names a crash point. */
export function isCrashPoint(value: string): value is CrashPoint {
  return (CRASH_POINTS as readonly string[]).includes(value);
}

/** Called by the runner at every crash point; the production hook does nothing. */
export type CrashHook = (point: CrashPoint, sagaId: string) => void;

/** The hook of a process without test hooks. */
export const noCrash: CrashHook = () => {};

/**
 * The test hook (`OPSLOOP_TEST_HOOKS=1` with `CHECKOUT_CRASH_AT=<point>`): SIGKILLs this process when any saga
 * reaches `point` — no shutdown hook, no flush, exactly what a power cut or the OOM killer does.
 */
export function crashAt(point: CrashPoint, beforeDying: (sagaId: string) => void): CrashHook {
  return (reached, sagaId) => {
    if (reached !== point) return;
    beforeDying(sagaId);
    process.kill(process.pid, 'SIGKILL');
  };
}
