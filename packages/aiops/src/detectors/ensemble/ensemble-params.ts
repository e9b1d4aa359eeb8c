/**
 * The opsloop ensemble's fixed, corpus-wide hyper-parameters (no per-series settings). How they were
 * chosen: each from a short grid on the whole NAB corpus (all three profiles, with and without the range),
 * taking a value whose neighbours score within about a point on the standard profile rather than a sharp
 * optimum, so that it carries over to other data; see /work/reports/ensemble.md.
 */
export interface EnsembleParams {
  /**
   * Power applied to ARTime's score before it competes with CAD OSE's. ARTime reports few, mostly small
   * scores; a square root (grid: 1/4, 1/2, 1) puts its confident detections on CAD OSE's scale.
   */
  readonly artimePower: number;
  /**
   * How long (points) a corroborating member's detection keeps counting: the decayed peak's half-life
   * (grid: 25, 50, 100 points; NAB's windows span a few hundred points).
   */
  readonly supportHalfLifePoints: number;
  /**
   * Relative boost a fully corroborated score gets: score × (1 + gain × support), support in [0, 1] the mean
   * decayed peak of the sparse members (ARTime, Relative Entropy). Small, so corroboration reorders
   * detections without creating new ones out of nothing (grid: 0, 0.1, 0.2, 0.3).
   */
  readonly supportGain: number;
  /**
   * Weight of Relative Entropy's own score in the competition when the series' range is not known in advance
   * (live mode; 0 would leave it to corroborate only). CAD OSE must then learn its range from the data and
   * its scores degrade much more than Relative Entropy's (NAB: 44 vs 58 standard), so Relative Entropy's
   * detections compete directly, just below the strongest CAD OSE / ARTime scores. With a known range it
   * only corroborates (weight 0): there CAD OSE is the stronger one (grid: 0, 0.8, 0.9).
   */
  readonly liveRelativeEntropyWeight: number;
}

export const OPSLOOP_PARAMS: EnsembleParams = {
  artimePower: 0.5,
  supportHalfLifePoints: 50,
  supportGain: 0.1,
  liveRelativeEntropyWeight: 0.8,
};
