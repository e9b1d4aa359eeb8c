import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** True if a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file held by this process. */
export interface PidLock {
  release(): void;
}

/**
 * Takes the lock file `lockPath` for this process (its pid inside, created exclusively). A lock left by a
 * dead process is replaced; one held by a live process (this one included) is not: the answer names it.
 * For one-writer directories (an embedded database, a broker) on one machine.
 */
export function tryPidLock(lockPath: string): PidLock | { holder: number } {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rmSync(lockPath, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      continue; // Removed meanwhile: try again.
    }
    if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) return { holder };
    rmSync(lockPath, { force: true });
  }
  throw new Error(`could not take the lock file ${lockPath}`);
}
