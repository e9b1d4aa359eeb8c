import { systemClock, type Clock, type TimerHandle } from '@opsloop/kit';
import {
  asFlagSet,
  changeFlag,
  emptyFlagSet,
  type FlagChange,
  type FlagDefinition,
  type FlagSet,
} from './flag-definitions.js';
import type { FlagdDocument } from './flag-document.js';
import { FlagsArgumentError } from './flag-errors.js';

/** The flags at one point in time: what `GET <flags endpoint>` answers. */
export interface FlagSnapshot {
  /** Grows by one with every change; a different value means a different document. */
  readonly resourceVersion: number;
  readonly document: FlagdDocument;
}

/** Options of {@link createFlagStore}. */
export interface FlagStoreOptions {
  /** Times `waitForChange`; the system clock by default. */
  clock?: Clock;
  /**
   * The first resourceVersion (default 1). A runtime that restarts while services keep running should start
   * from a value it never used before (e.g. the start time in ms), so no watcher mistakes a new document
   * for one it has seen.
   */
  firstVersion?: number;
}

/** The runtime's current flags, changed atomically and watched by long-polls. */
export interface FlagStore {
  /** The current resourceVersion. */
  readonly resourceVersion: number;
  /** The current validated flag set. */
  flagSet(): FlagSet;
  /** Replaces the whole document (JSON text, a parsed document or a FlagSet). @throws FlagDefinitionError */
  replace(document: unknown): FlagSnapshot;
  /** Changes one flag's defaultVariant and/or state. @throws UnknownFlagError, FlagDefinitionError */
  set(key: string, change: FlagChange): FlagSnapshot;
  /** One flag, or undefined. */
  get(key: string): FlagDefinition | undefined;
  /** Every flag, in document order. */
  list(): FlagDefinition[];
  /** The current version and document. */
  snapshot(): FlagSnapshot;
  /**
   * Resolves with the current snapshot as soon as its resourceVersion differs from `afterVersion`
   * (immediately if it already does), or with undefined after `timeoutMs`, when `signal` aborts, or when
   * the store closes. Never rejects for those; leaves no timer or listener behind once settled.
   * @throws FlagsArgumentError for a bad `afterVersion` or `timeoutMs`.
   */
  waitForChange(
    afterVersion: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<FlagSnapshot | undefined>;
  /** How many `waitForChange` calls are pending (for metrics and leak tests). */
  waiting(): number;
  /** Ends every pending wait with undefined; later waits answer undefined at once. */
  close(): void;
}

// setTimeout fires at once for longer delays.
const MAX_TIMEOUT_MS = 2_147_483_647;

interface Waiter {
  settle(snapshot: FlagSnapshot | undefined): void;
}

/**
 * Creates the runtime-side flag store, holding `initial` (a document, its JSON text or a FlagSet; no flags
 * when omitted).
 * @throws FlagDefinitionError when `initial` is invalid.
 */
export function createFlagStore(initial?: unknown, options: FlagStoreOptions = {}): FlagStore {
  const clock = options.clock ?? systemClock;
  const firstVersion = options.firstVersion ?? 1;
  if (!Number.isSafeInteger(firstVersion) || firstVersion < 0) {
    throw new FlagsArgumentError(
      'firstVersion',
      `expected a non-negative integer, got ${String(firstVersion)}`,
    );
  }
  let current = initial === undefined ? emptyFlagSet() : asFlagSet(initial);
  let currentText = JSON.stringify(current.document);
  let version = firstVersion;
  let closed = false;
  const waiters = new Set<Waiter>();

  const snapshot = (): FlagSnapshot => ({ resourceVersion: version, document: current.document });

  function commit(next: FlagSet): FlagSnapshot {
    const text = JSON.stringify(next.document);
    // An unchanged document keeps its version, so watchers are not woken for nothing.
    if (text === currentText) return snapshot();
    current = next;
    currentText = text;
    version += 1;
    const changed = snapshot();
    for (const waiter of [...waiters]) waiter.settle(changed);
    return changed;
  }

  return {
    get resourceVersion() {
      return version;
    },
    flagSet: () => current,
    replace: (document) => commit(asFlagSet(document)),
    set: (key, change) => commit(changeFlag(current, key, change)),
    get: (key) => current.flags.get(key),
    list: () => [...current.flags.values()],
    snapshot,
    waitForChange(afterVersion, timeoutMs, signal) {
      if (!Number.isSafeInteger(afterVersion)) {
        throw new FlagsArgumentError('afterVersion', `expected an integer, got ${String(afterVersion)}`);
      }
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
        throw new FlagsArgumentError(
          'timeoutMs',
          `expected milliseconds between 0 and ${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`,
        );
      }
      if (version !== afterVersion) return Promise.resolve(snapshot());
      if (closed || signal?.aborted) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const onAbort = (): void => waiter.settle(undefined);
        const waiter: Waiter = {
          settle(result) {
            if (!waiters.delete(waiter)) return;
            timer.cancel();
            signal?.removeEventListener('abort', onAbort);
            resolve(result);
          },
        };
        // Neither the clock nor the signal calls back synchronously, so `timer` is set before any settle.
        const timer: TimerHandle = clock.after(timeoutMs, () => waiter.settle(undefined));
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
      });
    },
    waiting: () => waiters.size,
    close() {
      closed = true;
      for (const waiter of [...waiters]) waiter.settle(undefined);
    },
  };
}
