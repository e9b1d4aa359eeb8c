/**
 * One CAD OSE step (the original's ContextualAnomalyDetectorOSE): sensor facts in, anomaly score out.
 * The score is 0 when every sensor fact was predicted; otherwise it is the mean of the share of selected
 * contexts that did not fully come true and the share of candidate new contexts that really were new. After a
 * score above `baseThreshold`, scores stay 0 for `restPeriod` points so that one event raises one alarm.
 */
import { ActiveNeurons } from './active-neurons.js';
import { ContextMemory, type FactSet } from './context-memory.js';
import { MAX_NUM_NORM_VALUE_BITS, ValueEncoder, type EncoderState } from './value-encoder.js';

export interface CadOseParams {
  readonly baseThreshold: number;
  readonly restPeriod: number;
  readonly maxLeftSemiContextLength: number;
  readonly maxActiveNeurons: number;
  /** At most 15: sensor facts are bits of a 31-bit mask. */
  readonly numNormValueBits: number;
  readonly maxContexts: number;
  /** Live-range headroom added past a new extreme (share of the range). */
  readonly rangeMargin: number;
}

export class CadOseEngine {
  readonly encoder: ValueEncoder;
  readonly memory: ContextMemory;
  private readonly neurons: ActiveNeurons;
  /** The latest left facts group: this step's sensor facts and active neurons, the next step's left side. */
  leftFactsGroup: FactSet = { mask: 0, ids: [] };
  /** Sensor facts predicted for the next point (mask). */
  lastPredicted = 0;
  /** Index of the next scored point (the original's score history starts with one 1.0 at index 0). */
  nextIndex = 1;
  /** Index of the latest raw score >= baseThreshold. */
  lastHigh = 0;

  constructor(
    readonly params: CadOseParams,
    encoderState: EncoderState,
  ) {
    const bits = params.numNormValueBits;
    if (!Number.isInteger(bits) || bits < 1 || bits > MAX_NUM_NORM_VALUE_BITS) {
      throw new RangeError(`numNormValueBits must be an integer in 1..${MAX_NUM_NORM_VALUE_BITS}: ${bits}`);
    }
    this.encoder = new ValueEncoder(bits, encoderState, params.rangeMargin);
    this.memory = new ContextMemory(params.maxLeftSemiContextLength, params.maxContexts);
    this.neurons = new ActiveNeurons(params.maxActiveNeurons);
  }

  score(value: number): number {
    const facts = this.encoder.encode(value);
    const unpredicted = this.encoder.unpredictedWeight(facts, this.lastPredicted);
    const stepScore = this.step(facts);
    const raw = unpredicted > 0 ? stepScore : 0;
    const index = this.nextIndex++;
    const resting = this.lastHigh >= index - Math.trunc(this.params.restPeriod);
    if (raw >= this.params.baseThreshold) this.lastHigh = index;
    return resting ? 0 : raw;
  }

  /**
   * Learns from the sensor facts and predicts the next ones (`lastPredicted`); returns the score the point
   * gets if some of its facts were not predicted (a number, not a record: no allocation per point).
   */
  private step(sensorFacts: number): number {
    const memory = this.memory;
    const stepStartSeq = memory.nextSemiSeq;
    const previous = this.leftFactsGroup;
    // The original skips the zero-level pair while its left facts group is empty (the first point).
    const newContext =
      (previous.mask !== 0 || previous.ids.length > 0) && memory.addZeroLevel(previous, sensorFacts);
    const numSelected = memory.crossRight(sensorFacts, newContext, stepStartSeq);
    const activeCount = memory.activeCount;
    const selectedActiveShare = numSelected > 0 ? activeCount / numSelected : 0;
    this.leftFactsGroup = { mask: sensorFacts, ids: this.neurons.pick(memory.active, activeCount) };

    this.lastPredicted = memory.crossLeft(this.leftFactsGroup);
    const numNew = memory.added + (newContext ? 1 : 0);
    const addedShare = newContext && memory.distinct > 0 ? numNew / memory.distinct : 0;
    memory.evict();
    return (1 - selectedActiveShare + addedShare) / 2;
  }
}
