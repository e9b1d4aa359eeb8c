/**
 * Additive Holt-Winters (error-correction form, damped trend, daily calendar season) whose one-step
 * forecast error is standardised by an exponentially weighted variance. Smoothing constants are fixed
 * for every series; the season is switched on only when the sampling is fine enough to see a day.
 */
import type { DetectorContext } from '../../detector.js';
import { binOf, binsFor, DAY_MS } from '../common/seasonal-bins.js';
import { SamplingInterval, type SamplingIntervalState } from '../common/sampling-interval.js';
import { StateReader } from '../common/state-reader.js';
import type { StatsModel } from '../common/stats-detector.js';
import { tailScore } from '../common/tail-score.js';
import { ValueRange, type ValueRangeState } from '../common/value-range.js';

const ALPHA = 0.1; // level
const BETA = 0.005; // trend
const PHI = 0.98; // trend damping per step: a trend is believed for ~50 steps, not forever
const GAMMA = 0.1; // seasonal bin, per visit
const VARIANCE_RATE = 0.01; // ~100 points of error variance memory
const CLIP_SIGMAS = 5; // an error counts at most 5 σ into the variance, so one spike does not blind it
const WARM_UP = 12; // points scored 0 while level and variance settle
const SEASON_DECISION = 12; // points observed before deciding whether a daily season is visible
const MAX_STEPS = 50; // a long gap advances the damped trend at most this many steps

export interface HoltWintersState {
  n: number;
  level: number;
  trend: number;
  variance: number;
  season: number[];
  visits: number[];
  range: ValueRangeState;
  interval: SamplingIntervalState;
}

export class HoltWintersModel implements StatsModel<HoltWintersState> {
  private readonly range: ValueRange;
  private readonly interval: SamplingInterval;

  constructor(private readonly s: HoltWintersState) {
    this.range = new ValueRange(s.range);
    this.interval = new SamplingInterval(s.interval);
  }

  static create(context: DetectorContext): HoltWintersModel {
    return new HoltWintersModel({
      n: 0,
      level: 0,
      trend: 0,
      variance: 0,
      season: [],
      visits: [],
      range: ValueRange.fromContext(context).state(),
      interval: SamplingInterval.empty().state(),
    });
  }

  static restore(state: unknown): HoltWintersModel {
    const r = new StateReader('holt-winters', state);
    const season = r.numbers('season');
    const range = new StateReader('holt-winters range', r.object('range'));
    const interval = new StateReader('holt-winters interval', r.object('interval'));
    return new HoltWintersModel({
      n: r.number('n'),
      level: r.number('level'),
      trend: r.number('trend'),
      variance: r.number('variance'),
      season,
      visits: r.numbers('visits', season.length),
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
    const elapsed = this.interval.observe(timestampMs);
    this.range.observe(value);
    if (s.n === 0) {
      s.level = value;
      s.n = 1;
      return 0;
    }
    if (s.n === SEASON_DECISION && s.season.length === 0) {
      const bins = binsFor(DAY_MS, this.interval.intervalMs());
      s.season = new Array<number>(bins).fill(0);
      s.visits = new Array<number>(bins).fill(0);
    }
    const steps = this.interval.steps(elapsed, MAX_STEPS);
    const damp = dampedSteps(steps);
    const bin = s.season.length > 0 ? binOf(timestampMs, DAY_MS, s.season.length) : -1;
    const seasonal = bin >= 0 ? s.season[bin]! : 0;
    const forecast = s.level + s.trend * damp + seasonal;
    const error = value - forecast;
    const sigma = Math.max(Math.sqrt(s.variance), this.range.scaleFloor());
    const score = s.n > WARM_UP ? tailScore(error / sigma) : 0;

    // Error-correction updates: level and trend absorb the deseasonalised error, the bin the rest.
    s.level = s.level + s.trend * damp + ALPHA * error;
    s.trend = s.trend * Math.pow(PHI, steps) + ALPHA * BETA * error;
    if (bin >= 0) {
      s.visits[bin] = Math.min(s.visits[bin]! + 1, 1 / GAMMA);
      // The first visits of a bin learn fast (1/visits), then settle at GAMMA.
      s.season[bin] = seasonal + (1 - ALPHA) * Math.max(GAMMA, 1 / s.visits[bin]) * error;
    }
    const clipped =
      s.n > WARM_UP ? Math.min(error * error, CLIP_SIGMAS * CLIP_SIGMAS * s.variance) : error * error;
    const rate = Math.max(VARIANCE_RATE, 1 / s.n);
    s.variance += rate * (clipped - s.variance);
    s.n += 1;
    return score;
  }

  state(): HoltWintersState {
    return {
      ...this.s,
      season: [...this.s.season],
      visits: [...this.s.visits],
      range: this.range.state(),
      interval: this.interval.state(),
    };
  }
}

/** Σ_{k=1..steps} φ^k: how far a damped trend carries over `steps` sampling intervals. */
function dampedSteps(steps: number): number {
  return (PHI * (1 - Math.pow(PHI, steps))) / (1 - PHI);
}
