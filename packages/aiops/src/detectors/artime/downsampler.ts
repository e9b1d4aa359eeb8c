/**
 * ARTime's downsampler: every `step` raw points become one value. The block's max (or its min, when the min
 * lies further from a slow moving average) keeps short spikes visible; a block whose extreme is within 10%
 * of its mean is represented by the mean.
 */
export interface DownsamplerState {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Moving average of block means (halved each block); null before the first block. */
  movingAverage: number | null;
}

export function emptyDownsampler(): DownsamplerState {
  return { count: 0, sum: 0, min: 0, max: 0, movingAverage: null };
}

/** Adds a raw value; returns the block's representative when the block of `step` values is complete. */
export function pushRaw(state: DownsamplerState, value: number, step: number): number | undefined {
  if (state.count === 0) {
    state.min = value;
    state.max = value;
    state.sum = 0;
  }
  state.count += 1;
  state.sum += value;
  if (value < state.min) state.min = value;
  if (value > state.max) state.max = value;
  if (state.count < step) return undefined;
  const mean = state.sum / step;
  const { min, max } = state;
  state.count = 0;
  const moving = ((state.movingAverage ?? mean) + mean) / 2;
  state.movingAverage = moving;
  let ds = Math.abs(max - moving) < Math.abs(min - moving) ? min : max;
  // The original's rule, kept as is: relative to the raw mean (never true for negative means).
  if (Math.abs(ds - mean) < 0.1 * mean) ds = mean;
  return ds;
}
