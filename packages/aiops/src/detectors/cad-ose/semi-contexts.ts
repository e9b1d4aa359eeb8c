/**
 * The context memory's records (see context-memory.ts): a context is a pair (left facts → right facts) split
 * into shared left and right "semi-contexts". Sensor facts are a bit mask (see value-encoder.ts) and neuron
 * facts are ascending context ids; a right side only ever holds sensor facts, so it is just a mask.
 */
import { pythonTupleHash } from './python-tuple-hash.js';
import { SENSOR_FACT_BASE } from './value-encoder.js';

/** Neuron facts (active contexts fed back as input) live above every sensor fact. */
export const NEURON_FACT_BASE = 2 ** 31;

/**
 * A fact tuple's CPython hash as two numbers that compare like the signed 64-bit value: the high half
 * (signed) first, then the low half (unsigned). Sorting by numbers is much faster than by bigints.
 */
export interface HashKey {
  readonly high: number;
  readonly low: number;
}

function hashKey(facts: readonly number[]): HashKey {
  const hash = pythonTupleHash(facts);
  return { high: Number(hash >> 32n), low: Number(BigInt.asUintN(32, hash)) };
}

export function compareHashKeys(a: HashKey, b: HashKey): number {
  return a.high - b.high || a.low - b.low;
}

/** A fact set: sensor facts as a mask, neuron facts as ascending context ids. */
export interface FactSet {
  readonly mask: number;
  readonly ids: readonly number[];
}

export class LeftSemi {
  /** Contexts with this left side, in creation (= id) order. */
  readonly contexts: Context[] = [];
  alive = true;
  /** How many of its contexts are zero-level (only those can yield potential pairs from a partial match). */
  zeroLevels = 0;
  /** The number of the latest crossing that matched it fully. */
  fullAt = -1;
  /** How many of its neurons are not in the latest crossing (kept up to date as the crossing changes). */
  missing = 0;
  /** Its place in the crossing's list of left sides (creation order; see crossing.ts). */
  index = 0;
  /**
   * The best prediction record of its contexts (selected share that came true) and the union of the right
   * sides that have it: the prediction only needs these per left side. Recomputed by every selection (the
   * only change to the records); a new context (record 0) updates it, an eviction marks it stale.
   */
  bestWeight = 0;
  bestMask = 0;
  bestStale = true;
  /** How many facts it has. */
  readonly size: number;
  /** The original's tie-break key (see {@link HashKey}); computed only when a tie needs it. */
  private cachedHash: HashKey | undefined;

  constructor(
    /** Creation order. */
    readonly seq: number,
    readonly mask: number,
    readonly ids: readonly number[],
  ) {
    this.size = popcount(mask) + ids.length;
  }

  get hash(): HashKey {
    return (this.cachedHash ??= hashKey([...maskFacts(this.mask), ...this.ids.map(neuronFact)]));
  }

  /** Recomputes the best prediction record from scratch (after an eviction or a restore). */
  refreshBest(): void {
    let best = 0;
    let mask = 0;
    for (const context of this.contexts) {
      const weight = context.selected > 0 ? context.predicted / context.selected : 0;
      if (weight > best) {
        best = weight;
        mask = context.rightMask;
      } else if (weight === best) {
        mask |= context.rightMask;
      }
    }
    this.bestWeight = best;
    this.bestMask = mask;
    this.bestStale = false;
  }
}

export class RightSemi {
  /** How many contexts use it. */
  refs = 0;
  readonly size: number;
  private cachedHash: HashKey | undefined;

  constructor(readonly mask: number) {
    this.size = popcount(mask);
  }

  get hash(): HashKey {
    return (this.cachedHash ??= hashKey(maskFacts(this.mask)));
  }
}

export class Context {
  /** How many facts it was asked to predict (sum of its right side's size when selected). */
  selected = 0;
  /** How many of those facts came true. */
  predicted = 0;
  /** How many times it matched entirely. */
  active = 0;
  /** When it was last created or selected (the memory's clock): least recently used = smallest. */
  used = 0;
  /** Its place in the list of all contexts (context-clock.ts). */
  slot = 0;
  /** The latest crossLeft that counted it as one of the step's distinct pairs. */
  pairAt = 0;
  /** The right side's mask and size, copied here so that the hot loops read one object per context. */
  readonly rightMask: number;
  readonly rightSize: number;

  constructor(
    readonly id: number,
    readonly left: LeftSemi,
    readonly right: RightSemi,
    public zeroLevel: boolean,
  ) {
    this.rightMask = right.mask;
    this.rightSize = right.size;
  }
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The sensor facts of a mask, ascending. */
export function maskFacts(mask: number): number[] {
  const facts: number[] = [];
  for (let i = 0; mask >>> i !== 0; i++) if ((mask >>> i) & 1) facts.push(SENSOR_FACT_BASE + i);
  return facts;
}

export const neuronFact = (id: number): number => NEURON_FACT_BASE + id;
