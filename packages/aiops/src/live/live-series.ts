import type { Detector, DetectorFactory, DetectorSnapshot } from '../detectors/detector.js';
import type { AnomalyEvent, LiveSeriesStatus, LiveSignal } from './anomaly-event.js';
import { ExpectedBand, type Expectation, type ExpectedBandSnapshot } from './expected-band.js';

/** See {@link EpisodeRules.decisiveDeviations}. */
const DEFAULT_DECISIVE_DEVIATIONS = 10;

/** How a series turns scores into episodes. */
export interface EpisodeRules {
  /** A point at or above this score is anomalous. */
  readonly threshold: number;
  /** Points a series must have been scored on before its anomalies are reported (its detector learns). */
  readonly warmupPoints: number;
  /** Consecutive points back in the expected band that resolve an episode. */
  readonly clearAfter: number;
  /** Consecutive points scored below the threshold that resolve an episode (the level is the new normal). */
  readonly quietAfter: number;
  /**
   * Errors or latency this many band half-widths above the expected value are anomalous whatever the
   * detector scores (10 by default; Infinity turns it off). A detector that learns contexts takes a fault it
   * has seen before for a known pattern — the recovery benchmark's checkout at 100 % errors, minutes after
   * an earlier fault had taught it 70 % — while the recent past (the band) says it is not normal now.
   */
  readonly decisiveDeviations?: number;
}

/** Signal kinds users feel, where a departure far out of the recent band is never a pattern to learn. */
const HARM_KINDS = new Set(['errors', 'latency']);

/** One series' state as plain JSON (for the snapshot file). */
export interface LiveSeriesSnapshot {
  readonly service: string;
  readonly signal: string;
  readonly labels: Record<string, string>;
  readonly detector: DetectorSnapshot;
  readonly band: ExpectedBandSnapshot;
  readonly lastAtMs: number | null;
  readonly lastValue: number | null;
  readonly lastScore: number | null;
  readonly episode: AnomalyEvent | null;
  readonly inBand: number;
  readonly quiet: number;
}

/** What one point did to the series' episode. */
export type EpisodeChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'opened' | 'updated' | 'resolved'; readonly event: AnomalyEvent };

/** The key of a series: `<service>/<signal>`, then its labels besides `service`, if any, in PromQL style. */
export function seriesKey(service: string, signal: string, labels: Readonly<Record<string, string>>): string {
  const extra = Object.keys(labels)
    .filter((k) => k !== 'service')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return extra.length === 0 ? `${service}/${signal}` : `${service}/${signal}{${extra.join(',')}}`;
}

/** One watched series: its detector, its expectation band and its episode in progress. */
export class LiveSeries {
  private readonly detector: Detector;
  private readonly band: ExpectedBand;
  private lastAtMs: number | null;
  private lastValue: number | null;
  private lastScore: number | null;
  private episode: AnomalyEvent | null;
  private inBand: number;
  private quiet: number;

  constructor(
    readonly signal: LiveSignal,
    readonly service: string,
    readonly labels: Record<string, string>,
    private readonly factory: DetectorFactory,
    private readonly rules: EpisodeRules,
    snapshot?: LiveSeriesSnapshot,
  ) {
    this.detector = snapshot ? factory.restore(snapshot.detector) : factory.create();
    this.band = new ExpectedBand(
      {
        minAbsolute: signal.minDeviation ?? 0,
        ...(signal.lowerBound === undefined ? {} : { lowerBound: signal.lowerBound }),
      },
      snapshot?.band,
    );
    this.lastAtMs = snapshot?.lastAtMs ?? null;
    this.lastValue = snapshot?.lastValue ?? null;
    this.lastScore = snapshot?.lastScore ?? null;
    this.episode = snapshot?.episode ?? null;
    this.inBand = snapshot?.inBand ?? 0;
    this.quiet = snapshot?.quiet ?? 0;
  }

  /** The series' key: service and signal, and its other labels when it has some (`orders/log_rate{template_id="…"}`). */
  get key(): string {
    return seriesKey(this.service, this.signal.name, this.labels);
  }

  /** Time of the newest point seen. */
  get lastAt(): number | null {
    return this.lastAtMs;
  }

  /** Feeds a point without reporting (catching up on history after a start); older points are ignored. */
  learn(atMs: number, value: number): void {
    if (this.lastAtMs !== null && atMs <= this.lastAtMs) return;
    this.score(atMs, value);
  }

  /**
   * Scores a point and moves the episode; points not newer than the last are ignored. A point opens an
   * episode when its score reaches the threshold and its value is out of the expected band. The episode
   * keeps the band it opened with as "expected" (what was normal before it), and resolves when the value
   * is back in that band for `clearAfter` points, or when the detector has scored `quietAfter` points in a
   * row below the threshold (it has learnt the new level: the new normal).
   */
  observe(atMs: number, value: number): EpisodeChange {
    if (this.lastAtMs !== null && atMs <= this.lastAtMs) return { kind: 'none' };
    const expectation = this.band.expectation();
    const outside = this.band.outside(value);
    const score = this.score(atMs, value);
    if (score === null) return { kind: 'none' };
    const high = score >= this.rules.threshold || this.decisive(value, expectation);
    if (this.episode === null) {
      const warm = this.detector.stats().points > this.rules.warmupPoints;
      if (!high || !warm || !outside || expectation === undefined) return { kind: 'none' };
      this.inBand = 0;
      this.quiet = 0;
      this.episode = {
        id: `${this.key}@${atMs}`,
        service: this.service,
        signal: this.signal.name,
        kind: this.signal.kind,
        unit: this.signal.unit,
        labels: this.labels,
        query: this.signal.query,
        state: 'firing',
        startsAtMs: atMs,
        lastAnomalousAtMs: atMs,
        detector: this.factory.name,
        score,
        atMs,
        value,
        worst: value,
        expected: expectation.expected,
        expectedLow: expectation.low,
        expectedHigh: expectation.high,
        direction: value >= expectation.expected ? 'above' : 'below',
      };
      return { kind: 'opened', event: this.episode };
    }
    const episode = this.episode;
    const backInBand = value >= episode.expectedLow && value <= episode.expectedHigh;
    const worsened = !backInBand && this.worsens(episode, value);
    this.inBand = backInBand ? this.inBand + 1 : 0;
    // A series still moving away from normal has not settled at a new level, whatever the detector has
    // learnt of its slope (a stalled consumer's lag grows every point): it does not resolve as "quiet".
    this.quiet = high || worsened ? 0 : this.quiet + 1;
    if (this.inBand >= this.rules.clearAfter || this.quiet >= this.rules.quietAfter) {
      const resolved: AnomalyEvent = { ...episode, state: 'resolved', endsAtMs: atMs };
      this.episode = null;
      return { kind: 'resolved', event: resolved };
    }
    if (backInBand || (!high && !worsened)) return { kind: 'none' };
    this.episode = {
      ...episode,
      ...(high ? { lastAnomalousAtMs: atMs } : {}),
      ...(score > episode.score
        ? { score, atMs, value, direction: value >= episode.expected ? 'above' : 'below' }
        : {}),
      ...(worsened ? { worst: value } : {}),
    };
    return { kind: 'updated', event: this.episode };
  }

  /**
   * Whether `value` is a new worst of the episode by a step worth telling (a quarter further from the
   * expected value than the last worst): how bad an episode got is reported as it grows, in a few events.
   */
  private worsens(episode: AnomalyEvent, value: number): boolean {
    const worst = episode.worst ?? episode.value;
    const sign = episode.direction === 'above' ? 1 : -1;
    const before = sign * (worst - episode.expected);
    const now = sign * (value - episode.expected);
    return now > before && now - before >= Math.max(0.25 * before, this.signal.minDeviation ?? 0);
  }

  /** Whether `value` is harm far above what the recent past expected (see {@link EpisodeRules}). */
  private decisive(value: number, expectation: Expectation | undefined): boolean {
    if (expectation === undefined || !HARM_KINDS.has(this.signal.kind)) return false;
    const halfWidth = expectation.high - expectation.expected;
    const times = this.rules.decisiveDeviations ?? DEFAULT_DECISIVE_DEVIATIONS;
    return halfWidth > 0 && value - expectation.expected >= times * halfWidth;
  }

  /** The episode in progress. */
  firing(): AnomalyEvent | null {
    return this.episode;
  }

  status(): LiveSeriesStatus {
    const stats = this.detector.stats();
    const e = this.band.expectation();
    return {
      service: this.service,
      signal: this.signal.name,
      kind: this.signal.kind,
      unit: this.signal.unit,
      labels: this.labels,
      points: stats.points,
      skipped: stats.skipped,
      warmingUp: stats.points <= this.rules.warmupPoints,
      lastAtMs: this.lastAtMs,
      lastValue: this.lastValue,
      lastScore: this.lastScore,
      expected: e?.expected ?? null,
      expectedLow: e?.low ?? null,
      expectedHigh: e?.high ?? null,
      firing: this.episode?.id ?? null,
    };
  }

  snapshot(): LiveSeriesSnapshot {
    return {
      service: this.service,
      signal: this.signal.name,
      labels: this.labels,
      detector: this.detector.snapshot(),
      band: this.band.snapshot(),
      lastAtMs: this.lastAtMs,
      lastValue: this.lastValue,
      lastScore: this.lastScore,
      episode: this.episode,
      inBand: this.inBand,
      quiet: this.quiet,
    };
  }

  /** The point's score, or null when the value is not finite (skipped by the detector, counted). */
  private score(atMs: number, value: number): number | null {
    const score = this.detector.update(atMs, value);
    this.lastAtMs = atMs;
    if (!Number.isFinite(value)) return null;
    this.band.push(value);
    this.lastValue = value;
    this.lastScore = score;
    return score;
  }
}
