/**
 * One CAD OSE step (the original's ContextualAnomalyDetectorOSE): sensor facts in, anomaly score out.
 * The score is 0 when every sensor fact was predicted; otherwise it is the mean of the share of selected
 * contexts that did not fully come true and the share of candidate new contexts that really were new. After a
 * score above `baseThreshold`, scores stay 0 for `restPeriod` points so that one event raises one alarm.
 */
import { ContextMemory, compareHashKeys, type Context, type FactSet } from './context-memory.js';
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
  }

  score(value: number): number {
    const facts = this.encoder.encode(value);
    const unpredicted = this.encoder.unpredictedWeight(facts, this.lastPredicted);
    const { predictions, selectedActiveShare, addedShare } = this.step(facts);
    this.lastPredicted = predictions;
    const raw = unpredicted > 0 ? (1 - selectedActiveShare + addedShare) / 2 : 0;
    const index = this.nextIndex++;
    const resting = this.lastHigh >= index - Math.trunc(this.params.restPeriod);
    if (raw >= this.params.baseThreshold) this.lastHigh = index;
    return resting ? 0 : raw;
  }

  private step(sensorFacts: number): {
    predictions: number;
    selectedActiveShare: number;
    addedShare: number;
  } {
    const memory = this.memory;
    const stepStartSeq = memory.nextSemiSeq;
    const previous = this.leftFactsGroup;
    // The original skips the zero-level pair while its left facts group is empty (the first point).
    const newContext =
      (previous.mask !== 0 || previous.ids.length > 0) && memory.addZeroLevel(previous, sensorFacts);
    const crossed = memory.crossRight(sensorFacts, newContext, stepStartSeq);
    const { activeCount, numSelected, potential } = crossed;
    const selectedActiveShare = numSelected > 0 ? activeCount / numSelected : 0;
    this.leftFactsGroup = { mask: sensorFacts, ids: this.neurons(crossed.active, activeCount) };

    const { added, distinct, predictions } = memory.crossLeft(this.leftFactsGroup, potential);
    const numNew = added + (newContext ? 1 : 0);
    const addedShare = newContext && distinct > 0 ? numNew / distinct : 0;
    memory.evict();
    return { predictions, selectedActiveShare, addedShare };
  }

  /** Ids of the most often active contexts (ascending), ties broken by the hashes of their two sides. */
  private neurons(all: readonly Context[], count: number): number[] {
    const max = this.params.maxActiveNeurons;
    const ids: number[] = [];
    if (count <= max) {
      for (let i = 0; i < count; i++) insertSorted(ids, all[i]!.id);
      return ids;
    }
    if (max <= 0) return ids;
    // The last `max` of the contexts stably sorted by (times active, left hash, right hash), like the
    // original, without sorting them all: the counts above the cut are in for sure, and only the contexts
    // tied at the cut may need their hashes.
    const cut = largest(all, count, max);
    let room = max;
    const tied: Context[] = [];
    for (let i = 0; i < count; i++) {
      const a = all[i]!;
      if (a.active > cut) {
        insertSorted(ids, a.id);
        room -= 1;
      } else if (a.active === cut) tied.push(a);
    }
    if (tied.length > room) {
      tied.sort(
        (a, b) => compareHashKeys(a.left.hash, b.left.hash) || compareHashKeys(a.right.hash, b.right.hash),
      );
      tied.splice(0, tied.length - room);
    }
    for (const a of tied) insertSorted(ids, a.id);
    return ids;
  }
}

/** Inserts into an ascending list (short lists: at most maxActiveNeurons ids, often nearly sorted). */
function insertSorted(ids: number[], id: number): void {
  let i = ids.length;
  ids.push(id);
  for (; i > 0 && ids[i - 1]! > id; i--) ids[i] = ids[i - 1]!;
  ids[i] = id;
}

const SCRATCH = new Float64Array(64);

/** The `k`-th largest times-active count of the first `count` (1 <= k < count): a sorted top-k list. */
function largest(all: readonly Context[], count: number, k: number): number {
  const top = k <= SCRATCH.length ? SCRATCH : new Float64Array(k);
  let filled = 0;
  for (let j = 0; j < count; j++) {
    const v = all[j]!.active;
    if (filled < k) {
      let i = filled++;
      for (; i > 0 && top[i - 1]! > v; i--) top[i] = top[i - 1]!;
      top[i] = v;
    } else if (v > top[0]!) {
      let i = 0;
      for (; i + 1 < k && top[i + 1]! < v; i++) top[i] = top[i + 1]!;
      top[i] = v;
    }
  }
  return top[0]!;
}
