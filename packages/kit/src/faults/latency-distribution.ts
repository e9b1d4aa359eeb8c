import { MAX_FAULT_LATENCY_MS, type LatencyParams } from './fault-spec.js';

/** Shape of the Pareto tail: α = 3 keeps a finite mean and variance yet gives the long tail of real outliers. */
export const PARETO_SHAPE = 3;

const clamp = (ms: number) => Math.min(MAX_FAULT_LATENCY_MS, Math.max(0, ms));

/**
 * One delay drawn for a `latency` fault, in milliseconds (0 to one minute). `ms` is the mean of every
 * distribution: `fixed` is `ms` ± `jitterMs` (uniform), `uniform` spans `ms` ± `jitterMs` (default `ms`, so
 * 0 to 2·ms), `exponential` has mean `ms`, `pareto` has mean `ms` and a heavy tail ({@link PARETO_SHAPE}).
 * `random` is uniform in [0, 1).
 */
export function sampleLatency(
  params: Pick<LatencyParams, 'ms' | 'jitterMs' | 'distribution'>,
  random: () => number,
): number {
  const { ms } = params;
  switch (params.distribution) {
    case 'fixed': {
      const jitter = params.jitterMs ?? 0;
      return clamp(jitter === 0 ? ms : ms + (random() * 2 - 1) * jitter);
    }
    case 'uniform': {
      const half = params.jitterMs ?? ms;
      return clamp(ms + (random() * 2 - 1) * half);
    }
    case 'exponential':
      // 1 - u is in (0, 1]: the logarithm stays finite.
      return clamp(-ms * Math.log(1 - random()));
    case 'pareto': {
      const scale = (ms * (PARETO_SHAPE - 1)) / PARETO_SHAPE;
      return clamp(scale / Math.pow(1 - random(), 1 / PARETO_SHAPE));
    }
  }
}
