import { haarTransform } from './haar.js';
import { roundHalfEven } from './round-half-even.js';

/**
 * Turns downsampled values into ARTime's 2·window feature vectors: the value is scaled into [0,1] with the
 * series range, quantised to `levels` steps, snapped to a running median level when within `chomp` of it
 * (so small wobbles around the usual level vanish), then the last `window` values are presented both as
 * themselves and as the min-max normalised Haar transform of their min-max normalised shape.
 */
export interface EncoderState {
  /** Steps encoded so far (ARTime's dsi − 1). */
  steps: number;
  /** Histogram of quantised levels (levels + 1 bins) for the running median. */
  levelCounts: number[];
  medianLevel: number;
  below: number;
  above: number;
  /** The last `window` encoded values, oldest first. */
  recent: number[];
}

export interface EncoderParams {
  readonly window: number;
  readonly levels: number;
  readonly chomp: number;
}

export function emptyEncoder(params: EncoderParams): EncoderState {
  return {
    steps: 0,
    levelCounts: new Array<number>(params.levels + 1).fill(0),
    medianLevel: 0,
    below: 0,
    above: 0,
    recent: new Array<number>(params.window).fill(0),
  };
}

/** Encodes one value already scaled into [0,1] (out-of-range values are clamped); returns the features. */
export function encodeScaled(state: EncoderState, scaled: number, params: EncoderParams): number[] {
  const { levels, window } = params;
  state.steps += 1;
  const level = Math.min(levels, Math.max(0, roundHalfEven(scaled * levels)));
  let ds = level / levels;
  const median = trackMedian(state, level, levels);
  if (Math.abs(ds - median) < params.chomp) ds = median;
  state.recent.shift();
  state.recent.push(ds);
  if (state.steps < window) return new Array<number>(2 * window).fill(0);
  return [...haarFeatures(state.recent), ...state.recent];
}

/** The wavelet half of a window's features (the state codec predicts category weights with it). */
export function haarFeatures(recent: readonly number[]): number[] {
  return normalisedMinMax(haarTransform(normalisedMinMax(recent)));
}

/** ARTime's approximate running median over the level histogram ("not strictly a running median"). */
function trackMedian(state: EncoderState, level: number, levels: number): number {
  const counts = state.levelCounts;
  counts[level]! += 1;
  const medianPos = Math.floor(state.steps / 2);
  if (state.steps === 1) state.medianLevel = level;
  if (state.medianLevel > level) state.below += 1;
  else if (state.medianLevel < level) state.above += 1;
  if (medianPos < state.above) {
    state.below += counts[state.medianLevel]!;
    state.medianLevel += 1;
    while (state.medianLevel < levels && counts[state.medianLevel] === 0) state.medianLevel += 1;
    state.above -= counts[state.medianLevel]!;
  } else if (medianPos < state.below) {
    state.above += counts[state.medianLevel]!;
    state.medianLevel -= 1;
    while (state.medianLevel > 0 && counts[state.medianLevel] === 0) state.medianLevel -= 1;
    state.below -= counts[state.medianLevel]!;
  }
  return state.medianLevel / levels;
}

function normalisedMinMax(values: readonly number[]): number[] {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  const shifted = values.map((v) => v - min);
  let max = -Infinity;
  for (const v of shifted) if (v > max) max = v;
  return max !== 0 ? shifted.map((v) => v / max) : shifted;
}
