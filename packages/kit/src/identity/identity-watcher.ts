import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import {
  IdentityError,
  parseIdentity,
  readIdentityFiles,
  type IdentityFiles,
  type ServiceIdentity,
} from './load-identity.js';

/** The current identity of a replica, and news of its replacement (the runtime rotates it in place). */
export interface IdentitySource {
  /** The last good identity. */
  current(): ServiceIdentity;
  /** Calls `listener` with each new identity; returns the unsubscribe function. */
  onChange(listener: (identity: ServiceIdentity) => void): () => void;
}

/** An {@link IdentitySource} that polls an identity directory. */
export interface IdentityWatcher extends IdentitySource {
  /** Re-reads the directory now; true when a new identity was taken. Never throws. */
  refresh(): boolean;
  /** Stops polling. */
  close(): void;
}

/** Options of {@link watchIdentity}. */
export interface IdentityWatcherOptions {
  /** The identity directory (`OPSLOOP_TLS_DIR`). */
  dir: string;
  log: Logger;
  /** Schedules the polls; the system clock (unref'd timers) by default. */
  clock?: Clock;
  /** Time between polls; default 1000 ms (certificates are renewed at half of a lifetime of minutes at least). */
  intervalMs?: number;
}

const sameFiles = (a: IdentityFiles, b: IdentityFiles) =>
  a.cert === b.cert && a.key === b.key && a.ca === b.ca;

/** Tries a few reads in a row: the writer may be between two steps of a rotation. */
function loadFirst(dir: string): { files: IdentityFiles; identity: ServiceIdentity } {
  let failure: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const files = readIdentityFiles(dir);
      return { files, identity: parseIdentity(files) };
    } catch (error) {
      failure = error;
    }
  }
  throw failure instanceof IdentityError ? failure : new IdentityError(String(failure));
}

/**
 * Loads the identity in `options.dir` (throws {@link IdentityError} if there is none usable) and polls the
 * directory for replacements. A replacement that fails validation (a half-written rotation, a key not matching)
 * is skipped with a warning and the last good identity stays; an expired one in use is warned about once.
 */
export function watchIdentity(options: IdentityWatcherOptions): IdentityWatcher {
  const { dir, log } = options;
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 1000;
  let { files, identity } = loadFirst(dir);
  const listeners = new Set<(identity: ServiceIdentity) => void>();
  let lastFailure: string | undefined;
  let expiredWarned: string | undefined;
  let timer: TimerHandle | undefined;
  let closed = false;

  const warnIfExpired = () => {
    if (clock.now() < identity.notAfter || expiredWarned === identity.serial) return;
    expiredWarned = identity.serial;
    log.warn(
      { dir, serial: identity.serial, not_after: new Date(identity.notAfter).toISOString() },
      'service identity expired and not replaced: TLS handshakes with it fail',
    );
  };

  const refresh = (): boolean => {
    let next: ServiceIdentity;
    let read: IdentityFiles;
    try {
      read = readIdentityFiles(dir);
      if (sameFiles(read, files)) {
        warnIfExpired();
        return false;
      }
      next = parseIdentity(read);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // One line per distinct problem, not one a second.
      if (message !== lastFailure)
        log.warn({ dir, err_message: message }, 'service identity not reloaded: keeping the last good one');
      lastFailure = message;
      return false;
    }
    lastFailure = undefined;
    files = read;
    identity = next;
    log.info(
      { service: next.service, serial: next.serial, not_after: new Date(next.notAfter).toISOString() },
      'service identity reloaded',
    );
    warnIfExpired();
    for (const listener of listeners) {
      try {
        listener(next);
      } catch (error) {
        log.error({ err: error }, 'service identity listener failed');
      }
    }
    return true;
  };

  const schedule = () => {
    timer = clock.after(intervalMs, () => {
      if (closed) return;
      refresh();
      schedule();
    });
  };
  warnIfExpired();
  schedule();

  return {
    current: () => identity,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    refresh,
    close() {
      closed = true;
      timer?.cancel();
      listeners.clear();
    },
  };
}
