import type { TimerHandle } from '../clock.js';
import type { CpuParams } from './fault-spec.js';
import { busyWait, type ProcessEffect, type ProcessEffectContext } from './process-effect.js';

/** Length of one burn slice: `percent` ms of every 100 ms are spent busy. */
export const CPU_SLICE_MS = 100;

/**
 * Burns `params.percent` of one core: in every {@link CPU_SLICE_MS} slice the event loop is busy for that
 * share, then idle for the rest (a timer), until stopped or expired. The service keeps serving between
 * bursts, only slower: the saturation a hot loop in real code would cause.
 */
export function startCpuBurn(params: CpuParams, context: ProcessEffectContext): ProcessEffect {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const busyMs = (CPU_SLICE_MS * params.percent) / 100;
  const slice = () => {
    if (stopped || context.expired()) return;
    const spent = busyWait(busyMs, () => context.expired());
    if (!stopped && !context.expired()) timer = context.clock.after(Math.max(0, CPU_SLICE_MS - spent), slice);
  };
  timer = context.clock.after(0, slice);
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
