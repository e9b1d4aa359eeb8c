/**
 * The series' value range, used to floor scales so that a constant (or quantised) series does not turn
 * a tiny wobble into an infinite z-score. NAB's min/max are used when given; live mode learns the range.
 */
import type { DetectorContext } from '../../detector.js';

/** Fraction of the range below which a deviation is never considered meaningful. */
const RANGE_FLOOR_FRACTION = 1e-2;
/** Absolute floor for series whose range is still 0 (a constant so far). */
const ABSOLUTE_FLOOR = 1e-9;

export interface ValueRangeState {
  seen: number;
  min: number;
  max: number;
}

export class ValueRange {
  constructor(private readonly s: ValueRangeState) {}

  static fromContext(context: DetectorContext): ValueRange {
    const { inputMin, inputMax } = context;
    if (
      inputMin !== undefined &&
      inputMax !== undefined &&
      Number.isFinite(inputMin) &&
      Number.isFinite(inputMax) &&
      inputMax >= inputMin
    ) {
      return new ValueRange({ seen: 1, min: inputMin, max: inputMax });
    }
    return new ValueRange({ seen: 0, min: 0, max: 0 });
  }

  observe(value: number): void {
    if (this.s.seen === 0) {
      this.s.min = value;
      this.s.max = value;
    } else if (value < this.s.min) this.s.min = value;
    else if (value > this.s.max) this.s.max = value;
    this.s.seen = 1;
  }

  /** The smallest scale worth standardising by. */
  scaleFloor(): number {
    return Math.max(ABSOLUTE_FLOOR, RANGE_FLOOR_FRACTION * (this.s.max - this.s.min));
  }

  span(): number {
    return this.s.max - this.s.min;
  }

  state(): ValueRangeState {
    return { ...this.s };
  }
}
