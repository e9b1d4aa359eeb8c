/**
 * Turns a value into CAD OSE's sensor facts: the value is quantised into 2^bits levels over [min, max] and
 * each bit of the level is one fact (65536 + 2·bit position + bit value), so near levels share facts.
 *
 * With a known range (NAB mode) this is the original's encoding. Without one (live mode), the range starts
 * at the first value and expands past every new extreme (by `margin` of the range): each expansion re-bins later values (learned contexts
 * keep their old meaning and fade out through the memory's LRU cap), and a new extreme is itself the kind of
 * event worth a score. A known range is expanded the same way if a value falls outside it.
 */
export const SENSOR_FACT_BASE = 65536;

export interface EncoderState {
  min: number;
  max: number;
  /** Whether min/max hold anything yet (live mode starts empty). */
  initialised: boolean;
}

export class ValueEncoder {
  readonly maxLevel: number;

  constructor(
    readonly bits: number,
    readonly state: EncoderState,
    /** Share of the range added beyond a new extreme, so that a drift climbs through levels. */
    readonly margin: number,
  ) {
    this.maxLevel = 2 ** bits - 1;
  }

  /**
   * The sensor facts of `value` as a bit mask (bit i is fact SENSOR_FACT_BASE + i), after widening the range
   * to include it: a mask keeps the hot path free of per-point arrays, and set operations are bit operations.
   */
  encode(value: number): number {
    const s = this.state;
    if (!s.initialised) {
      s.min = value;
      s.max = value;
      s.initialised = true;
    } else if (value < s.min) {
      s.min = value - this.margin * (s.max - value);
    } else if (value > s.max) {
      s.max = value + this.margin * (value - s.min);
    }
    // A flat range gets the original's fallback: one level per unit.
    const range = s.max - s.min === 0 ? this.maxLevel : s.max - s.min;
    const level = Math.min(this.maxLevel, Math.max(0, Math.trunc((value - s.min) / (range / this.maxLevel))));
    let mask = 0;
    for (let bit = 0; bit < this.bits; bit++) mask |= 1 << (bit * 2 + ((level >> bit) & 1));
    return mask;
  }

  /** The original's weight of the unpredicted facts: the sum of their bits' place values. */
  unpredictedWeight(mask: number, predicted: number): number {
    let weight = 0;
    for (let bit = 0; bit < this.bits; bit++) if (mask & ~predicted & (3 << (bit * 2))) weight += 2 ** bit;
    return weight;
  }
}

/** Sensor facts cover bits 0..2·bits-1 of a 31-bit mask. */
export const MAX_NUM_NORM_VALUE_BITS = 15;
