/**
 * Seasonal robust z-score: the residual after the best-fitting seasonal profile (none, daily or weekly,
 * chosen online by residual energy once a hypothesis has seen two cycles), standardised by a streaming
 * median/MAD, scored by its Gaussian tail probability.
 */
import { DetectorSnapshotError, type DetectorContext } from '../../detector.js';
import { RobustScale, type RobustScaleState } from '../common/robust-scale.js';
import { binsFor, DAY_MS, WEEK_MS } from '../common/seasonal-bins.js';
import { SamplingInterval, type SamplingIntervalState } from '../common/sampling-interval.js';
import { StateReader } from '../common/state-reader.js';
import type { StatsModel } from '../common/stats-detector.js';
import { tailScore } from '../common/tail-score.js';
import { ValueRange, type ValueRangeState } from '../common/value-range.js';
import { SeasonalProfile, type SeasonalProfileState } from './seasonal-profile.js';

const DECISION_POINTS = 12; // points before the sampling interval is trusted to size the profiles
/** A seasonal hypothesis must explain this much more energy than "no season" to be used (hysteresis). */
const SEASON_GAIN = 0.8;
const CLIP_SIGMAS = 6;

export interface SeasonalZState {
  n: number;
  active: number;
  hypotheses: SeasonalProfileState[];
  robust: RobustScaleState;
  range: ValueRangeState;
  interval: SamplingIntervalState;
}

export class SeasonalZModel implements StatsModel<SeasonalZState> {
  private readonly range: ValueRange;
  private readonly interval: SamplingInterval;
  private readonly robust: RobustScale;
  private hypotheses: SeasonalProfile[];

  constructor(private readonly s: SeasonalZState) {
    this.range = new ValueRange(s.range);
    this.interval = new SamplingInterval(s.interval);
    this.robust = new RobustScale(s.robust);
    this.hypotheses = s.hypotheses.map((h) => new SeasonalProfile(h));
  }

  static create(context: DetectorContext): SeasonalZModel {
    return new SeasonalZModel({
      n: 0,
      active: 0,
      hypotheses: [],
      robust: RobustScale.empty().state(),
      range: ValueRange.fromContext(context).state(),
      interval: SamplingInterval.empty().state(),
    });
  }

  static restore(state: unknown): SeasonalZModel {
    const r = new StateReader('seasonal-z', state);
    const hypotheses = r.object('hypotheses');
    if (!Array.isArray(hypotheses))
      throw new DetectorSnapshotError('seasonal-z: "hypotheses" is not an array');
    const robust = new StateReader('seasonal-z robust', r.object('robust'));
    const range = new StateReader('seasonal-z range', r.object('range'));
    const interval = new StateReader('seasonal-z interval', r.object('interval'));
    return new SeasonalZModel({
      n: r.number('n'),
      active: r.number('active'),
      hypotheses: hypotheses.map((h: unknown) => {
        const hr = new StateReader('seasonal-z hypothesis', h);
        const profile = hr.numbers('profile');
        return {
          periodMs: hr.number('periodMs'),
          level: hr.number('level'),
          profile,
          visits: hr.numbers('visits', profile.length),
          meanSquare: hr.number('meanSquare'),
          startedMs: hr.number('startedMs'),
          n: hr.number('n'),
        };
      }),
      robust: { warm: robust.numbers('warm'), median: robust.number('median'), mad: robust.number('mad') },
      range: { seen: range.number('seen'), min: range.number('min'), max: range.number('max') },
      interval: {
        lastMs: interval.number('lastMs'),
        seen: interval.number('seen'),
        intervalMs: interval.number('intervalMs'),
      },
    });
  }

  score(timestampMs: number, value: number): number {
    const s = this.s;
    this.interval.observe(timestampMs);
    this.range.observe(value);
    s.n += 1;
    if (this.hypotheses.length === 0) {
      this.hypotheses = [SeasonalProfile.empty(DAY_MS, 0, timestampMs, value)];
    }
    if (s.n === DECISION_POINTS) this.addSeasonalHypotheses(timestampMs);
    const floor = this.range.scaleFloor();
    const active = this.hypotheses[s.active] ?? this.hypotheses[0]!;
    const residual = active.residual(timestampMs, value);
    const sigma = this.robust.sigma(floor);
    const score = this.robust.ready() ? tailScore((residual - this.robust.median()) / sigma) : 0;

    this.robust.observe(residual, floor);
    const clip = CLIP_SIGMAS * sigma;
    for (const h of this.hypotheses) h.learn(timestampMs, value, this.robust.ready() ? clip : Infinity);
    s.active = this.choose(timestampMs);
    return score;
  }

  private addSeasonalHypotheses(timestampMs: number): void {
    const base = this.hypotheses[0]!;
    for (const periodMs of [DAY_MS, WEEK_MS]) {
      const bins = binsFor(periodMs, this.interval.intervalMs());
      if (bins > 0) this.hypotheses.push(SeasonalProfile.empty(periodMs, bins, timestampMs, base.s.level));
    }
  }

  private choose(timestampMs: number): number {
    let best = 0;
    let bestEnergy = this.hypotheses[0]!.meanSquare() * SEASON_GAIN;
    for (let i = 1; i < this.hypotheses.length; i += 1) {
      const h = this.hypotheses[i]!;
      if (h.mature(timestampMs) && h.meanSquare() < bestEnergy) {
        best = i;
        bestEnergy = h.meanSquare();
      }
    }
    return best;
  }

  state(): SeasonalZState {
    return {
      n: this.s.n,
      active: this.s.active,
      hypotheses: this.hypotheses.map((h) => h.state()),
      robust: this.robust.state(),
      range: this.range.state(),
      interval: this.interval.state(),
    };
  }
}
