import type { TapeReader, TapeWriter } from './tape.js';
import { haarFeatures } from './window-encoder.js';

/**
 * The category weights, which are most of ARTime's state, coded losslessly in about a tenth of their
 * float32 size. A category is [haar | values | 1 − haar | 1 − values] of `window` each, minima over the
 * windows it learned. The value halves are quantised levels (k / levels), so a byte each. A category that
 * never learned after it was founded has the Haar features of its own values as its Haar halves, and a
 * learned one still mostly shares them with its lower or upper value window: so each Haar weight is a
 * one-byte code naming its prediction, and only the rest travel as float32. Anything unexpected (a value
 * that is no level) falls back to the float32 itself, so the coding never relies on the invariants.
 */
const LITERAL = 255;
/** What a Haar weight's code byte says it is: the prediction from its own half's window, the other's, 0, 1, or a float32. */
const Haar = { Own: 0, Other: 1, Zero: 2, One: 3, Literal: 4 } as const;

export interface WeightsLayout {
  readonly count: number;
  readonly window: number;
  readonly levels: number;
}

export function writeWeights(tape: TapeWriter, weights: Float32Array, layout: WeightsLayout): void {
  const { count, window, levels } = layout;
  const width = 4 * window;
  const windows: { lower: number[]; upper: number[] }[] = [];
  for (let c = 0; c < count; c++) {
    const base = c * width;
    const lower: number[] = [];
    const upper: number[] = [];
    for (let k = 0; k < window; k++) lower.push(writeLevel(tape, weights[base + window + k]!, false, levels));
    for (let k = 0; k < window; k++)
      upper.push(writeLevel(tape, weights[base + 3 * window + k]!, true, levels));
    windows.push({ lower, upper });
  }
  for (let c = 0; c < count; c++) {
    const base = c * width;
    const { lower, upper } = predictions(windows[c]!);
    for (let k = 0; k < window; k++) writeHaar(tape, weights[base + k]!, lower[k]!, upper[k]!, false);
    for (let k = 0; k < window; k++)
      writeHaar(tape, weights[base + 2 * window + k]!, upper[k]!, lower[k]!, true);
  }
}

/** Reads `count` categories into a new array of room for at least one category. */
export function readWeights(tape: TapeReader, layout: WeightsLayout): Float32Array {
  const { count, window, levels } = layout;
  const width = 4 * window;
  const weights = new Float32Array(Math.max(count, 1) * width);
  const windows: { lower: number[]; upper: number[] }[] = [];
  for (let c = 0; c < count; c++) {
    const base = c * width;
    const lower: number[] = [];
    const upper: number[] = [];
    for (let k = 0; k < window; k++) lower.push(readLevel(tape, weights, base + window + k, false, levels));
    for (let k = 0; k < window; k++)
      upper.push(readLevel(tape, weights, base + 3 * window + k, true, levels));
    windows.push({ lower, upper });
  }
  for (let c = 0; c < count; c++) {
    const base = c * width;
    const { lower, upper } = predictions(windows[c]!);
    for (let k = 0; k < window; k++) weights[base + k] = readHaar(tape, lower[k]!, upper[k]!, false);
    for (let k = 0; k < window; k++)
      weights[base + 2 * window + k] = readHaar(tape, upper[k]!, lower[k]!, true);
  }
  return weights;
}

/** Haar features of a category's lower and upper value windows (the same window, unless it learned). */
function predictions(windows: { lower: number[]; upper: number[] }): { lower: number[]; upper: number[] } {
  const lower = haarFeatures(windows.lower);
  const same = windows.lower.every((v, k) => Object.is(v, windows.upper[k]));
  return { lower, upper: same ? lower : haarFeatures(windows.upper) };
}

/** Writes a value weight; returns the window value it stands for (what the Haar prediction is made from). */
function writeLevel(tape: TapeWriter, weight: number, complement: boolean, levels: number): number {
  // `+ 0` makes −0 into 0, so that a −0 weight is not taken for level 0 (it goes as a literal).
  const level = Math.round((complement ? 1 - weight : weight) * levels) + 0;
  if (level >= 0 && level <= levels && Object.is(levelWeight(level, complement, levels), weight)) {
    tape.byte(level);
    return level / levels;
  }
  tape.byte(LITERAL);
  tape.float32(weight);
  return complement ? 1 - weight : weight;
}

function readLevel(
  tape: TapeReader,
  weights: Float32Array,
  at: number,
  complement: boolean,
  levels: number,
): number {
  const level = tape.byte();
  if (level === LITERAL) {
    const weight = tape.float32();
    weights[at] = weight;
    return complement ? 1 - weight : weight;
  }
  if (level > levels) throw new Error(`weight level ${level} above ${levels}`);
  weights[at] = levelWeight(level, complement, levels);
  return level / levels;
}

/** The float32 weight a learned level leaves (the detector computes `1 − x` in double, then stores it). */
function levelWeight(level: number, complement: boolean, levels: number): number {
  return Math.fround(complement ? 1 - level / levels : level / levels);
}

function writeHaar(tape: TapeWriter, weight: number, own: number, other: number, complement: boolean): void {
  const predicted = (x: number) => Object.is(Math.fround(complement ? 1 - x : x), weight);
  if (predicted(own)) tape.byte(Haar.Own);
  else if (predicted(other)) tape.byte(Haar.Other);
  else if (Object.is(weight, 0)) tape.byte(Haar.Zero);
  else if (Object.is(weight, 1)) tape.byte(Haar.One);
  else {
    tape.byte(Haar.Literal);
    tape.float32(weight);
  }
}

function readHaar(tape: TapeReader, own: number, other: number, complement: boolean): number {
  const code = tape.byte();
  switch (code) {
    case Haar.Own:
      return Math.fround(complement ? 1 - own : own);
    case Haar.Other:
      return Math.fround(complement ? 1 - other : other);
    case Haar.Zero:
      return 0;
    case Haar.One:
      return 1;
    case Haar.Literal:
      return tape.float32();
    default:
      throw new Error(`unknown weight code ${code}`);
  }
}
