import { systemClock, type Clock } from '@opsloop/kit';
import type { SagaRecord } from './saga-repository.js';

/**
 * Wakes requests waiting for a saga's answer as soon as this process persists a change of it, handing them
 * the saga as written. Waiters also poll the database (a saga run by another replica changes without a
 * notification here).
 */
export interface SagaNotifier {
  /** Signals that `saga` changed. */
  notify(saga: SagaRecord): void;
  /** Resolves with the saga at its next change, or undefined after `ms`, whichever comes first. */
  next(sagaId: string, ms: number): Promise<SagaRecord | undefined>;
}

/** Creates an in-process {@link SagaNotifier}. */
export function createSagaNotifier(clock: Clock = systemClock): SagaNotifier {
  const waiters = new Map<string, Set<(saga: SagaRecord) => void>>();
  return {
    notify(saga) {
      const set = waiters.get(saga.id);
      if (set === undefined) return;
      waiters.delete(saga.id);
      for (const wake of set) wake(saga);
    },
    next(sagaId, ms) {
      return new Promise((resolve) => {
        let set = waiters.get(sagaId);
        if (set === undefined) waiters.set(sagaId, (set = new Set()));
        const wake = (saga: SagaRecord) => {
          timer.cancel();
          resolve(saga);
        };
        const timer = clock.after(ms, () => {
          const current = waiters.get(sagaId);
          current?.delete(wake);
          if (current?.size === 0) waiters.delete(sagaId);
          resolve(undefined);
        });
        set.add(wake);
      });
    },
  };
}
