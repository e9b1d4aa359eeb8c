/**
 * One seasonality hypothesis (none, daily or weekly): a level, a calendar profile around it, and the
 * exponentially weighted mean squared residual that tells how well the hypothesis explains the series.
 */
import { binOf } from '../common/seasonal-bins.js';

const LEVEL_RATE = 0.1;
const BIN_RATE = 0.2; // per visit of the bin: a profile remembers ~5 cycles
const FIT_RATE = 0.005; // ~200 points of fit memory

export interface SeasonalProfileState {
  periodMs: number;
  level: number;
  profile: number[];
  visits: number[];
  meanSquare: number;
  startedMs: number;
  n: number;
}

export class SeasonalProfile {
  constructor(readonly s: SeasonalProfileState) {}

  /** `bins` 0 is the "no season" hypothesis. */
  static empty(periodMs: number, bins: number, startedMs: number, level: number): SeasonalProfile {
    return new SeasonalProfile({
      periodMs,
      level,
      profile: new Array<number>(bins).fill(0),
      visits: new Array<number>(bins).fill(0),
      meanSquare: 0,
      startedMs,
      n: 0,
    });
  }

  /** Whether the hypothesis has watched the series long enough (two cycles) to be compared. */
  mature(timestampMs: number): boolean {
    return this.s.profile.length === 0 || timestampMs - this.s.startedMs >= 2 * this.s.periodMs;
  }

  meanSquare(): number {
    return this.s.meanSquare;
  }

  /** The residual of `value` under this hypothesis, before learning from it. */
  residual(timestampMs: number, value: number): number {
    const bins = this.s.profile.length;
    const seasonal = bins > 0 ? this.s.profile[binOf(timestampMs, this.s.periodMs, bins)]! : 0;
    return value - this.s.level - seasonal;
  }

  /** Learns from the point; `clip` bounds how much one residual moves the fit (outliers). */
  learn(timestampMs: number, value: number, clip: number): void {
    const s = this.s;
    const residual = this.residual(timestampMs, value);
    const bins = s.profile.length;
    if (bins > 0) {
      const bin = binOf(timestampMs, s.periodMs, bins);
      s.visits[bin] = Math.min(s.visits[bin]! + 1, 1 / BIN_RATE);
      s.profile[bin]! += (1 - LEVEL_RATE) * Math.max(BIN_RATE, 1 / s.visits[bin]) * residual;
    }
    s.level += LEVEL_RATE * residual;
    const square = Math.min(residual * residual, clip * clip);
    s.n += 1;
    s.meanSquare += Math.max(FIT_RATE, 1 / s.n) * (square - s.meanSquare);
  }

  state(): SeasonalProfileState {
    return { ...this.s, profile: [...this.s.profile], visits: [...this.s.visits] };
  }
}
