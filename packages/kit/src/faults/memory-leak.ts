import type { TimerHandle } from '../clock.js';
import type { MemoryParams } from './fault-spec.js';
import type { ProcessEffect, ProcessEffectContext } from './process-effect.js';

/** How often the leak grows: ten steps a second keep the growth smooth. */
export const MEMORY_STEP_MS = 100;

const MIB = 1024 * 1024;

/** A running memory leak, with how much it holds (for tests and logs). */
export interface MemoryLeak extends ProcessEffect {
  /** Bytes retained right now. */
  retainedBytes(): number;
}

/**
 * Leaks `params.mbPerSecond` MiB per second, up to `params.maxMb`: Buffers kept in an array and filled, so
 * their pages are really resident (an untouched allocation may not be), until stopped: then they are
 * dropped for the garbage collector. Growth stops (the memory stays) when the fault expires; the registry
 * stops it then too.
 */
export function startMemoryLeak(params: MemoryParams, context: ProcessEffectContext): MemoryLeak {
  const step = Math.max(1024, Math.round((params.mbPerSecond * MIB * MEMORY_STEP_MS) / 1000));
  const max = params.maxMb * MIB;
  let retained: Buffer[] = [];
  let bytes = 0;
  let timer: TimerHandle | undefined;
  let stopped = false;
  const grow = () => {
    if (stopped || context.expired()) return;
    const size = Math.min(step, max - bytes);
    if (size > 0) {
      // allocUnsafeSlow: not from the shared pool, so dropping it really frees it; fill touches every page.
      retained.push(Buffer.allocUnsafeSlow(size).fill(0xa5));
      bytes += size;
    }
    if (bytes < max) timer = context.clock.after(MEMORY_STEP_MS, grow);
  };
  timer = context.clock.after(0, grow);
  return {
    stop() {
      stopped = true;
      timer?.cancel();
      retained = [];
      bytes = 0;
    },
    retainedBytes: () => bytes,
  };
}
