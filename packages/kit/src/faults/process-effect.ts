import type { Clock } from '../clock.js';
import type { CpuParams, HangParams, MemoryParams } from './fault-spec.js';

/** A running process fault; `stop()` ends it (idempotent). */
export interface ProcessEffect {
  stop(): void;
}

/** What a process effect is started with. */
export interface ProcessEffectContext {
  /** Schedules its slices; the registry's clock. */
  clock: Clock;
  /** True once the fault has expired: checked inside busy loops, where no timer can fire. */
  expired(): boolean;
}

/** Starts the effect of each process kind; the registry's defaults are the real ones, tests may fake them. */
export interface ProcessEffects {
  hang(params: HangParams, context: ProcessEffectContext): ProcessEffect;
  cpu(params: CpuParams, context: ProcessEffectContext): ProcessEffect;
  memory(params: MemoryParams, context: ProcessEffectContext): ProcessEffect;
}

/** Burns the CPU (the event loop is blocked) for `ms` of real time, or until `expired()`; returns ms spent. */
export function busyWait(ms: number, expired: () => boolean): number {
  const started = performance.now();
  const end = started + ms;
  let now = started;
  while (now < end) {
    if (expired()) break;
    now = performance.now();
  }
  return now - started;
}
