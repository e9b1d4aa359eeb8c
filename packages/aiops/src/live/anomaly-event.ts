/** What live detection reports (docs/aiops.md, "Live detection"). */

/** One watched signal: a PromQL query returning one series per service (label `service`). */
export interface LiveSignal {
  /** Stable name (`latency_p95`, `errors`, …). */
  readonly name: string;
  /** Golden-signal family: latency, traffic, errors or saturation. */
  readonly kind: string;
  /** Unit of the values (`seconds`, `requests/s`, `ratio`, `cores`, …). */
  readonly unit: string;
  /** Human title (`Latency p95`). */
  readonly title: string;
  readonly query: string;
  /**
   * The smallest deviation from the expected value that is reported, in the signal's unit (besides 20 % of
   * the expected value and three robust standard deviations); 0 when absent.
   */
  readonly minDeviation?: number;
  /** The least value the signal can take (0 for rates and durations): the expected band stops there. */
  readonly lowerBound?: number;
}

/** Which side of the expectation an anomaly is on. */
export type AnomalyDirection = 'above' | 'below';

/**
 * One anomaly episode of one series: opened when a point's score reaches the threshold and its value is out
 * of the expected band; the peak score is kept; resolved when the series is back in the band, or its new
 * level has become normal to the detector.
 */
export interface AnomalyEvent {
  /** `<service>/<signal>@<start ms>`: stable for the episode. */
  readonly id: string;
  readonly service: string;
  readonly signal: string;
  readonly kind: string;
  readonly unit: string;
  /** The series' labels as the query returned them. */
  readonly labels: Readonly<Record<string, string>>;
  /** The query the series came from (to plot it). */
  readonly query: string;
  readonly state: 'firing' | 'resolved';
  readonly startsAtMs: number;
  /** The last point scored at or above the threshold. */
  readonly lastAnomalousAtMs: number;
  /** When it resolved. */
  readonly endsAtMs?: number;
  /** The peak score and the point it was reached at. */
  readonly score: number;
  readonly atMs: number;
  readonly value: number;
  /**
   * The value farthest from `expected` on the episode's side so far (a consumer lag still growing, a latency
   * still climbing): how bad it got, where `value` is where the detector was surest. Absent in episodes saved
   * before it existed.
   */
  readonly worst?: number;
  /** What was normal before the episode: the median of the recent points, and a robust band around it. */
  readonly expected: number;
  readonly expectedLow: number;
  readonly expectedHigh: number;
  readonly direction: AnomalyDirection;
  /** The detector that scored it. */
  readonly detector: string;
}

/** The live state of one watched series. */
export interface LiveSeriesStatus {
  readonly service: string;
  readonly signal: string;
  readonly kind: string;
  readonly unit: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Points scored (restored ones included). */
  readonly points: number;
  /** Non-finite values skipped. */
  readonly skipped: number;
  /** Still learning: anomalies are not reported before `warmupPoints` points. */
  readonly warmingUp: boolean;
  readonly lastAtMs: number | null;
  readonly lastValue: number | null;
  readonly lastScore: number | null;
  readonly expected: number | null;
  readonly expectedLow: number | null;
  readonly expectedHigh: number | null;
  /** The id of the episode in progress. */
  readonly firing: string | null;
}
