/** ARTime's fixed hyper-parameters (ARTime.jl's `P`), the same for every series. */
export const ARTIME_PARAMS = {
  /** Downsampled values per feature window. */
  window: 8,
  /** Feature windows the probation period should hold (sets the downsampling step). */
  windowsPerProbation: 13,
  /** Quantisation levels of the scaled value. */
  levels: 80,
  /** Values within this distance (scaled) of the running median level snap to it. */
  chomp: 0.075,
  /** Vigilance of the scratch network that measures the starting vigilance. */
  initialRho: 0.8,
  /** Downsampled steps a detection masks (window · 1.5). */
  maskSteps: 12,
  /** NAB's probation cap, used when the series length is unknown (live). */
  defaultProbationRows: 750,
  /** Cap on remembered categories (the original has none): bounds memory and time per point. */
  maxCategories: 256,
  /**
   * Live mode: the probation range is widened by this multiple of its span on each side, leaving room for
   * excursions as large as the normal range (a known max usually includes them). 0.5, 1, 2 were tried.
   */
  liveRangeMargin: 1,
} as const;

export interface Schedule {
  /** Raw points learned in one batch before scoring starts (even, as in the original). */
  readonly probationRows: number;
  /** Raw points per downsampled value. */
  readonly step: number;
  /** Downsampled values in the probation batch; also the vigilance trend horizon. */
  readonly trendWindow: number;
}

/**
 * The original derives everything from NAB's probation length: 15% of the series up to 750 rows. The port
 * gives no series length, so unless one is given the cap (750) is used; a length reproduces NAB exactly.
 */
export function scheduleFor(seriesLength?: number): Schedule {
  const raw =
    seriesLength === undefined
      ? ARTIME_PARAMS.defaultProbationRows
      : seriesLength < 5000
        ? Math.floor(0.15 * seriesLength)
        : 750;
  return scheduleFromProbation(Math.max(2 * ARTIME_PARAMS.window, raw - (raw % 2)));
}

/** The rest of the schedule follows from the probation length (so a snapshot only stores that). */
export function scheduleFromProbation(probationRows: number): Schedule {
  const perWindowBatch = ARTIME_PARAMS.window * ARTIME_PARAMS.windowsPerProbation;
  const step = Math.max(1, Math.floor(probationRows / perWindowBatch));
  return { probationRows, step, trendWindow: Math.floor(probationRows / step) };
}
