/**
 * The spectral residual saliency map of Ren et al. (KDD 2019, "Time-Series Anomaly Detection Service at
 * Microsoft"): the log amplitude spectrum minus its local average, transformed back with the original
 * phase. Points that the smooth part of the spectrum cannot explain stand out in the map.
 */
import { fft } from './fft.js';

/** Width of the moving average over the log amplitude spectrum (the paper's q). */
const SPECTRUM_AVERAGE = 3;
/** Points extrapolated past the newest one, so that it sits away from the window's edge (paper: κ = 5). */
export const EXTENSION = 5;
/** Points used for the extrapolation gradient (paper: m = 5). */
const GRADIENT_POINTS = 5;

/**
 * Fills `re` with `history` (oldest first) followed by the paper's extrapolated tail. Streaming variant:
 * the tail extrapolates the points *before* the newest one, so the newest point sits between where the
 * series was heading and that heading; extrapolating through it (as in the batch paper) would continue a
 * spike into a plateau and hide it. `re.length` = history + EXTENSION.
 */
export function extend(history: readonly number[], re: Float64Array): void {
  const n = history.length;
  for (let i = 0; i < n; i += 1) re[i] = history[i]!;
  const lastBefore = n - 2;
  const anchor = history[lastBefore]!;
  let gradient = 0;
  for (let i = 1; i <= GRADIENT_POINTS; i += 1) gradient += (anchor - history[lastBefore - i]!) / i;
  gradient /= GRADIENT_POINTS;
  const next = history[lastBefore - GRADIENT_POINTS + 1]! + gradient * GRADIENT_POINTS;
  for (let i = n; i < re.length; i += 1) re[i] = next;
}

/** Overwrites `re` with the saliency map of the series in `re` (`im`, `amp`, `logAmp` are scratch). */
export function saliencyMap(
  re: Float64Array,
  im: Float64Array,
  amp: Float64Array,
  logAmp: Float64Array,
): void {
  const n = re.length;
  im.fill(0);
  fft(re, im, false);
  let maxAmp = 0;
  for (let k = 0; k < n; k += 1) {
    const a = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
    if (k > 0) maxAmp = Math.max(maxAmp, a);
    amp[k] = a;
  }
  // A constant window has only rounding noise outside DC: normalising that noise would invent shape.
  if (maxAmp <= 1e-9 * amp[0]! || maxAmp === 0) {
    re.fill(0);
    return;
  }
  // A relative epsilon keeps log(0) finite for pure-tone windows.
  const eps = maxAmp * 1e-12;
  for (let k = 0; k < n; k += 1) logAmp[k] = Math.log(amp[k]! + eps);
  // The DC term carries the level, not the shape: it is dropped from the saliency map and from its
  // neighbours' spectrum average (otherwise a huge level makes the map a constant offset, and a zero
  // level makes it a single low-frequency wave).
  const half = SPECTRUM_AVERAGE >> 1;
  for (let k = 1; k < n; k += 1) {
    let sum = 0;
    let count = 0;
    for (let d = -half; d <= half; d += 1) {
      const j = (k + d + n) % n;
      if (j === 0) continue;
      sum += logAmp[j]!;
      count += 1;
    }
    const residual = logAmp[k]! - sum / count;
    // exp(residual + i·phase) = exp(residual) · F / |F|
    const factor = amp[k]! > 0 ? Math.exp(residual) / amp[k]! : 0;
    re[k] = re[k]! * factor;
    im[k] = im[k]! * factor;
  }
  re[0] = 0;
  im[0] = 0;
  fft(re, im, true);
  for (let k = 0; k < n; k += 1) re[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
}
