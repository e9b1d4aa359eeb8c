import type { TimerHandle } from '../clock.js';
import type { HangParams } from './fault-spec.js';
import { busyWait, type ProcessEffect, type ProcessEffectContext } from './process-effect.js';

/** Pause between two blocked chunks: long enough for the loop to poll I/O once (a DELETE may get through). */
export const HANG_GAP_MS = 1;

/**
 * Blocks the event loop `params.ms` at a time (a synchronous busy wait), again and again after a short gap,
 * until stopped or expired, so probes time out and a liveness probe restarts the replica. The first chunk
 * starts on a later tick, after the answer that injected the fault went out. The busy wait reads the
 * clock itself: a fault that expires in the middle of a chunk ends there, though no timer could fire.
 */
export function startHang(params: HangParams, context: ProcessEffectContext): ProcessEffect {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const chunk = () => {
    if (stopped || context.expired()) return;
    busyWait(params.ms, () => context.expired());
    if (!stopped && !context.expired()) timer = context.clock.after(HANG_GAP_MS, chunk);
  };
  timer = context.clock.after(HANG_GAP_MS, chunk);
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
