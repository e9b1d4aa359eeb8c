/**
 * One CAD OSE step (the original's ContextualAnomalyDetectorOSE): sensor facts in, anomaly score out.
 * The score is 0 when every sensor fact was predicted; otherwise it is the mean of the share of selected
 * contexts that did not fully come true and the share of candidate new contexts that really were new. After a
 * score above `baseThreshold`, scores stay 0 for `restPeriod` points so that one event raises one alarm.
 */
import { ContextMemory } from './context-memory.js';
import { ValueEncoder, type EncoderState } from './value-encoder.js';

/** Neuron facts (active contexts fed back as input) live above every sensor fact. */
const NEURON_FACT_BASE = 2 ** 31;

export interface CadOseParams {
  readonly baseThreshold: number;
  readonly restPeriod: number;
  readonly maxLeftSemiContextLength: number;
  readonly maxActiveNeurons: number;
  readonly numNormValueBits: number;
  readonly maxContexts: number;
  /** Live-range headroom added past a new extreme (share of the range). */
  readonly rangeMargin: number;
}

export class CadOseEngine {
  readonly encoder: ValueEncoder;
  readonly memory: ContextMemory;
  leftFactsGroup: number[] = [];
  lastPredicted = new Set<number>();
  /** Index of the next scored point (the original's score history starts with one 1.0 at index 0). */
  nextIndex = 1;
  /** Index of the latest raw score >= baseThreshold. */
  lastHigh = 0;

  constructor(
    readonly params: CadOseParams,
    encoderState: EncoderState,
  ) {
    this.encoder = new ValueEncoder(params.numNormValueBits, encoderState, params.rangeMargin);
    this.memory = new ContextMemory(params.maxLeftSemiContextLength, params.maxContexts);
  }

  score(value: number): number {
    const facts = this.encoder.encode(value);
    let unpredicted = 0;
    for (const fact of facts) if (!this.lastPredicted.has(fact)) unpredicted += ValueEncoder.weight(fact);
    const { predictions, selectedActiveShare, addedShare } = this.step(facts);
    this.lastPredicted = predictions;
    const raw = unpredicted > 0 ? (1 - selectedActiveShare + addedShare) / 2 : 0;
    const index = this.nextIndex++;
    const resting = this.lastHigh >= index - Math.trunc(this.params.restPeriod);
    if (raw >= this.params.baseThreshold) this.lastHigh = index;
    return resting ? 0 : raw;
  }

  private step(sensorFacts: number[]): {
    predictions: Set<number>;
    selectedActiveShare: number;
    addedShare: number;
  } {
    const memory = this.memory;
    const uniquePotential = new Set<string>();
    let newContext = false;
    if (this.leftFactsGroup.length > 0 && sensorFacts.length > 0) {
      uniquePotential.add(pairKey(this.leftFactsGroup, sensorFacts));
      newContext = memory.getContextByFacts([[this.leftFactsGroup, sensorFacts]], true) === 1;
    }
    const { active, numSelected, potential } = memory.crossRight(sensorFacts, newContext);
    for (const [left, right] of potential) uniquePotential.add(pairKey(left, right));
    const selectedActiveShare = numSelected > 0 ? active.length / numSelected : 0;

    // The original keeps the most often active contexts, ties broken by the hashes of their two sides.
    active.sort((a, b) => a[1] - b[1] || cmpBig(a[2], b[2]) || cmpBig(a[3], b[3]));
    const neurons = active
      .slice(Math.max(0, active.length - this.params.maxActiveNeurons))
      .map((a) => NEURON_FACT_BASE + a[0])
      .sort((a, b) => a - b);
    this.leftFactsGroup = [...sensorFacts, ...new Set(neurons)];

    const { added, predictions } = memory.crossLeft(this.leftFactsGroup, potential);
    const numNew = added + (newContext ? 1 : 0);
    const addedShare = newContext && uniquePotential.size > 0 ? numNew / uniquePotential.size : 0;
    memory.evict();
    return { predictions, selectedActiveShare, addedShare };
  }
}

function pairKey(left: readonly number[], right: readonly number[]): string {
  return `${left.join(',')}|${right.join(',')}`;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
