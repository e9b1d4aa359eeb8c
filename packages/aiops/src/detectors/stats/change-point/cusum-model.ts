/**
 * Two-sided CUSUM on robustly standardised values: small persistent shifts accumulate until they cross
 * the alarm level, large ones cross at once. On an alarm the in-control baseline is re-learned from the
 * points that follow, so the detector fires at the start of a change and then accepts the new level.
 */
import type { DetectorContext } from '../../detector.js';
import { RobustScale, type RobustScaleState } from '../common/robust-scale.js';
import { StateReader } from '../common/state-reader.js';
import type { StatsModel } from '../common/stats-detector.js';
import { ValueRange, type ValueRangeState } from '../common/value-range.js';

/** Slack per point in σ (half the smallest shift of interest, 2 σ): smaller shifts never accumulate. */
const SLACK = 1;
/** Alarm level of the cumulative sum, in σ; the score is 0.5 there. */
const ALARM = 16;
/** A single point adds at most this many σ, so that one wild value does not dominate the sum's scale. */
const MAX_STEP_SIGMAS = 1000;
/** Mean absolute deviation → σ for a Gaussian (√(π/2)). */
const MEAN_ABS_TO_SIGMA = 1.2533;
const MEAN_ABS_RATE = 0.02;
const CLIP_SIGMAS = 6;

export interface CusumState {
  up: number;
  down: number;
  meanAbs: number;
  learned: number;
  baseline: RobustScaleState;
  range: ValueRangeState;
}

export class CusumModel implements StatsModel<CusumState> {
  private readonly range: ValueRange;
  private baseline: RobustScale;

  constructor(private readonly s: CusumState) {
    this.range = new ValueRange(s.range);
    this.baseline = new RobustScale(s.baseline);
  }

  static create(context: DetectorContext): CusumModel {
    return new CusumModel({
      up: 0,
      down: 0,
      meanAbs: 0,
      learned: 0,
      baseline: RobustScale.empty().state(),
      range: ValueRange.fromContext(context).state(),
    });
  }

  static restore(state: unknown): CusumModel {
    const r = new StateReader('cusum', state);
    const baseline = new StateReader('cusum baseline', r.object('baseline'));
    const range = new StateReader('cusum range', r.object('range'));
    return new CusumModel({
      up: r.number('up'),
      down: r.number('down'),
      meanAbs: r.number('meanAbs'),
      learned: r.number('learned'),
      baseline: {
        warm: baseline.numbers('warm'),
        median: baseline.number('median'),
        mad: baseline.number('mad'),
      },
      range: { seen: range.number('seen'), min: range.number('min'), max: range.number('max') },
    });
  }

  score(_timestampMs: number, value: number): number {
    const s = this.s;
    this.range.observe(value);
    const floor = this.range.scaleFloor();
    if (!this.baseline.ready()) {
      this.baseline.observe(value, floor);
      return 0;
    }
    const deviation = value - this.baseline.median();
    // The MAD alone is blind to heavy tails (it would call every tail value a shift); the mean absolute
    // deviation sees them, so the larger of the two sets the scale.
    const sigma = Math.max(this.baseline.sigma(floor), MEAN_ABS_TO_SIGMA * s.meanAbs);
    const z = deviation / sigma;
    const step = Math.max(-MAX_STEP_SIGMAS, Math.min(MAX_STEP_SIGMAS, z));
    s.up = Math.max(0, s.up + step - SLACK);
    s.down = Math.max(0, s.down - step - SLACK);
    const sum = Math.max(s.up, s.down);
    if (sum >= ALARM) {
      // The change is reported once, scored by how far past the alarm level it went; the baseline is
      // re-learned from the next points.
      s.up = 0;
      s.down = 0;
      s.meanAbs = 0;
      s.learned = 0;
      this.baseline = RobustScale.empty();
      return sum / (sum + ALARM);
    }
    this.baseline.observe(value, floor);
    s.learned += 1;
    s.meanAbs +=
      Math.max(MEAN_ABS_RATE, 1 / s.learned) *
      (Math.min(Math.abs(deviation), CLIP_SIGMAS * sigma) - s.meanAbs);
    return 0;
  }

  state(): CusumState {
    return { ...this.s, baseline: this.baseline.state(), range: this.range.state() };
  }
}
