// CPU time of the calling thread in nanoseconds. Node 20 has no per-thread CPU clock and process.cpuUsage()
// counts every worker, so on Linux this reads the scheduler's run time of the thread
// (/proc/thread-self/schedstat); elsewhere it falls back to wall time (CPU time only on an idle core).
// The kernel refreshes that figure only at scheduling events and ticks (every few ms), so each reading is
// preceded by a 1 ms sleep: the context switch makes it exact (≈ 0.1 ms of syscall overhead per reading).
import { readFileSync } from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function schedstatNs() {
  try {
    return BigInt(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

const available = schedstatNs() !== undefined;

/** How the time is measured, for the results' details. */
export const clockKind = available
  ? 'thread CPU time (/proc/thread-self/schedstat, read after a context switch)'
  : 'wall clock';

/** Nanoseconds of this thread's CPU time (or wall time where unavailable), as a bigint. */
export function threadCpuNs() {
  if (!available) return process.hrtime.bigint();
  Atomics.wait(sleeper, 0, 0, 1);
  return schedstatNs();
}
