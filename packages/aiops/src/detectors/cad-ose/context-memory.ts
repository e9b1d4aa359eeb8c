/**
 * CAD OSE's context memory (the original's ContextOperator): a context is a pair (left facts → right facts)
 * split into shared left and right "semi-contexts".
 *
 * Facts come in two kinds, kept apart so that the hot path is integer work: sensor facts (a bit mask, see
 * value-encoder.ts) and neuron facts (ids of contexts that were active, ascending). A right side only ever
 * holds sensor facts, so it is just a mask. The fully matched left sides of a crossing are found
 * incrementally (consecutive crossings share most neurons), and only they are walked on the common path;
 * every left side is walked only at a step that made a new context (a few per cent of the points).
 *
 * Every order the original's results depend on is kept: left semi-contexts in creation order, each one's
 * contexts in creation (= id) order, and the least-recently-used order of contexts (a clock per context).
 *
 * Unlike the original, the memory is bounded: past `maxContexts` the least recently used context (created or
 * selected, i.e. its left side fully matched) is forgotten, with semi-contexts no context uses any more.
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
  /** How many facts it has. */
  readonly size: number;
  /** The original's tie-break key (see {@link HashKey}); computed only when a tie needs it. */
  private cachedHash: HashKey | undefined;

  constructor(
    /** Creation order. */
    readonly seq: number,
    readonly mask: number,
    readonly ids: readonly number[],
    readonly key: string,
  ) {
    this.size = popcount(mask) + ids.length;
  }

  get hash(): HashKey {
    return (this.cachedHash ??= hashKey([...maskFacts(this.mask), ...this.ids.map(neuronFact)]));
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
  /** Its place in the memory's list of all contexts. */
  slot = 0;

  constructor(
    readonly id: number,
    readonly left: LeftSemi,
    readonly right: RightSemi,
    public zeroLevel: boolean,
  ) {}
}

/** A pair worth remembering as a new context: left facts and a right mask. */
export interface Potential {
  readonly left: FactSet;
  readonly right: number;
}

/** How many eviction candidates one scan keeps. */
const OLDEST_KEPT = 32;

const NO_POTENTIAL: readonly Potential[] = [];

/** No new zero-level context at this step (the original's `False`, which also equals context id 0). */
export const NONE = -1;

export class ContextMemory {
  /** Live left semi-contexts in creation order (dead ones are swept out after evictions). */
  lefts: LeftSemi[] = [];
  private readonly leftByKey = new Map<string, LeftSemi>();
  private readonly rightByMask = new Map<number, RightSemi>();
  /** Neuron id → the left semi-contexts holding it. */
  private readonly byNeuron = new Map<number, LeftSemi[]>();
  /** Left semi-contexts none of whose neurons is missing from the latest crossing. */
  private readonly complete = new Set<LeftSemi>();
  /**
   * Every context, in no order, and the clock of their last use: a selection is one write (selections are
   * many per point, evictions rare), and eviction looks for the smallest stamp.
   */
  private readonly all: Context[] = [];
  private clock = 0;
  /** Eviction candidates: the oldest contexts at the latest scan, with their clocks then (see below). */
  private oldest: Context[] = [];
  private oldestUsed: number[] = [];
  private oldestAt = 0;
  nextSemiSeq = 0;
  nextContextId = 0;
  newContextId = NONE;
  /** This step's zero-level pair, if any (one of the distinct pairs the added share is counted over). */
  private zeroLeft: LeftSemi | null = null;
  private zeroRight: RightSemi | null = null;
  /** The fact set of the latest crossing (the left facts group). */
  private crossedMask = 0;
  private crossedIds: readonly number[] = [];
  /** Left semi-contexts fully matched by the latest crossing, in creation order. */
  private full: LeftSemi[] = [];
  /**
   * The active contexts of the latest crossRight: the first `activeCount` entries (the buffer is reused from
   * point to point and never shrinks, so the hot loop does not allocate; stale entries past the count).
   */
  private readonly active: Context[] = [];
  private activeCount = 0;
  /** Counts crossings (see LeftSemi.fullAt). */
  private crossing = 0;
  /** The left semi-context equal to the latest crossing's facts, if there is one. */
  private crossedSemi: LeftSemi | null = null;

  constructor(
    readonly maxLeftSemiContextLength: number,
    readonly maxContexts: number,
  ) {}

  /**
   * Finds or stores the zero-level pair (the previous left facts group, i.e. the latest crossing's facts →
   * the sensor facts): true when new.
   */
  addZeroLevel(left: FactSet, right: number): boolean {
    // The crossing found the left side if it exists (and eviction may have dropped it since).
    const l = this.crossedSemi?.alive ? this.crossedSemi : this.newLeft(left);
    const r = this.rightFor(right);
    this.zeroLeft = l;
    this.zeroRight = r;
    const existing = findContext(l, r);
    if (existing) {
      if (!existing.zeroLevel) l.zeroLevels += 1;
      existing.zeroLevel = true;
      return false;
    }
    this.newContextId = this.addContext(l, r, true).id;
    return true;
  }

  /**
   * Updates every context whose left side matched the previous crossing against the current sensor facts:
   * returns the fully matched (active) contexts, the number of selected contexts and the partially matched
   * pairs worth remembering as new contexts (only looked for when `newContextFlag`).
   */
  crossRight(
    facts: number,
    newContextFlag: boolean,
    stepStartSeq: number,
  ): {
    active: readonly Context[];
    activeCount: number;
    numSelected: number;
    potential: readonly Potential[];
  } {
    const active = this.active;
    this.activeCount = 0;
    const skipId = this.newContextId === NONE ? 0 : this.newContextId;
    this.newContextId = NONE;
    // Without a new context only fully matched left sides do anything: the crossing listed them already.
    if (!newContextFlag) {
      const numSelected = this.selectFull(facts, skipId, active);
      return { active, activeCount: this.activeCount, numSelected, potential: NO_POTENTIAL };
    }
    const potential: Potential[] = [];
    let numSelected = 0;
    for (const left of this.lefts) {
      // Left semi-contexts made in this step were not there at the crossing.
      if (left.seq >= stepStartSeq) continue;
      const leftFull = left.fullAt === this.crossing;
      if (!leftFull && left.zeroLevels === 0) continue;
      const matched = leftFull ? left.size : this.matched(left);
      if (matched === 0) continue;
      // The matched facts (the potential pairs' left side), made once per left side if needed.
      const short = matched <= this.maxLeftSemiContextLength;
      let matchedFacts: FactSet | null = null;
      for (const context of left.contexts) {
        if (context.id === skipId) continue;
        const right = context.right;
        const rightMatched = popcount(right.mask & facts);
        if (leftFull) {
          numSelected += 1;
          this.touch(context);
          context.selected += right.size;
          if (rightMatched > 0) {
            context.predicted += rightMatched;
            if (rightMatched === right.size) {
              context.active += 1;
              active[this.activeCount++] = context;
            } else if (context.zeroLevel && short) {
              potential.push({ left: (matchedFacts ??= this.matchedFacts(left)), right: right.mask & facts });
            }
          }
        } else if (context.zeroLevel && rightMatched > 0 && short) {
          potential.push({ left: (matchedFacts ??= this.matchedFacts(left)), right: right.mask & facts });
        }
      }
    }
    return { active, activeCount: this.activeCount, numSelected, potential };
  }

  /** crossRight's common case (no new context, so no potential pairs): only the fully matched left sides. */
  private selectFull(facts: number, skipId: number, active: Context[]): number {
    let numSelected = 0;
    for (const left of this.full) {
      for (const context of left.contexts) {
        if (context.id === skipId) continue;
        numSelected += 1;
        this.touch(context);
        const right = context.right;
        context.selected += right.size;
        const matched = right.mask & facts;
        if (matched !== 0) {
          context.predicted += popcount(matched);
          if (matched === right.mask) {
            context.active += 1;
            active[this.activeCount++] = context;
          }
        }
      }
    }
    return numSelected;
  }

  /**
   * Stores the potential new contexts, crosses the left facts group with the left semi-contexts and predicts
   * the next sensor facts: the right sides of the fully matched contexts with the best prediction record.
   * `distinct` counts the distinct pairs among this step's zero-level pair and the potential ones (the
   * original's set of pair keys: equal facts are one semi-context).
   */
  crossLeft(
    facts: FactSet,
    potential: readonly Potential[],
  ): { added: number; distinct: number; predictions: number } {
    let added = 0;
    const pairs: (LeftSemi | RightSemi)[] = [];
    if (this.zeroLeft && this.zeroRight) pairs.push(this.zeroLeft, this.zeroRight);
    this.zeroLeft = this.zeroRight = null;
    // Potential pairs from one left side share its fact set: look its semi-context up once.
    let lastFacts: FactSet | null = null;
    let lastLeft: LeftSemi | null = null;
    for (const { left, right } of potential) {
      const l: LeftSemi = left === lastFacts && lastLeft ? lastLeft : this.leftFor(left);
      lastFacts = left;
      lastLeft = l;
      const r = this.rightFor(right);
      if (!hasPair(pairs, l, r)) pairs.push(l, r);
      if (!findContext(l, r)) {
        this.addContext(l, r, false);
        added += 1;
      }
    }
    this.cross(facts);
    let best = 0;
    let predictions = 0;
    for (const left of this.full) {
      for (const context of left.contexts) {
        const weight = context.selected > 0 ? context.predicted / context.selected : 0;
        if (weight > best) {
          best = weight;
          predictions = context.right.mask;
        } else if (weight === best) {
          predictions |= context.right.mask;
        }
      }
    }
    return { added, distinct: pairs.length / 2, predictions };
  }

  /** Forgets least recently used contexts beyond the cap (called between steps, never during one). */
  evict(): void {
    let dropped = false;
    while (this.all.length > this.maxContexts && this.all.length > 0) {
      const context = this.leastRecentlyUsed();
      const last = this.all.pop()!;
      if (last !== context) {
        this.all[context.slot] = last;
        last.slot = context.slot;
      }
      const { left, right } = context;
      left.contexts.splice(left.contexts.indexOf(context), 1);
      if (context.zeroLevel) left.zeroLevels -= 1;
      if (left.contexts.length === 0) {
        this.dropLeft(left);
        dropped = true;
      }
      right.refs -= 1;
      if (right.refs === 0) this.rightByMask.delete(right.mask);
    }
    if (dropped) {
      this.lefts = this.lefts.filter((l) => l.alive);
      this.full = this.full.filter((l) => l.alive);
    }
  }

  /** Contexts, least recently used first. */
  contextsByAge(): Context[] {
    return this.all.slice().sort((a, b) => a.used - b.used);
  }

  get contextCount(): number {
    return this.all.length;
  }

  /** Rebuilds a memory (snapshot restore): left semi-contexts in creation order, contexts oldest first. */
  load(lefts: readonly FactSet[], contexts: readonly RestoredContext[], crossed: FactSet): void {
    const made = lefts.map((facts) => this.leftFor(facts));
    if (new Set(made).size !== made.length) throw new Error('duplicate left semi-context');
    for (const c of contexts) {
      const left = made[c.left];
      if (!left) throw new Error(`context ${c.id} has no left semi-context ${c.left}`);
      const right = this.rightFor(c.right);
      if (findContext(left, right)) throw new Error(`context ${c.id} duplicates a pair`);
      const context = this.link(new Context(c.id, left, right, c.zeroLevel), left, right);
      context.selected = c.selected;
      context.predicted = c.predicted;
      context.active = c.active;
    }
    for (const left of made) {
      if (left.contexts.length === 0) throw new Error(`left semi-context ${left.seq} has no context`);
      left.contexts.sort((a, b) => a.id - b.id);
    }
    this.cross(crossed);
  }

  private addContext(left: LeftSemi, right: RightSemi, zeroLevel: boolean): Context {
    return this.link(new Context(this.nextContextId++, left, right, zeroLevel), left, right);
  }

  private link(context: Context, left: LeftSemi, right: RightSemi): Context {
    left.contexts.push(context);
    if (context.zeroLevel) left.zeroLevels += 1;
    right.refs += 1;
    context.used = ++this.clock;
    context.slot = this.all.length;
    this.all.push(context);
    return context;
  }

  /** The number of the left semi-context's facts in the latest crossing. */
  private matched(left: LeftSemi): number {
    return popcount(left.mask & this.crossedMask) + left.ids.length - left.missing;
  }

  /**
   * Crosses the facts with the left semi-contexts. The neurons of consecutive crossings differ by a couple
   * of ids, so only the semi-contexts holding those ids update their missing count; the fully matched ones
   * are then the complete ones whose sensor facts are all in the mask.
   */
  private cross(facts: FactSet): void {
    const before = this.crossedIds;
    const after = facts.ids;
    for (let i = 0, j = 0; i < before.length || j < after.length;) {
      const gone = j === after.length || (i < before.length && before[i]! < after[j]!);
      const come = !gone && (i === before.length || after[j]! < before[i]!);
      if (gone) this.neuronLeaves(before[i++]!);
      else if (come) this.neuronComes(after[j++]!);
      else {
        i += 1;
        j += 1;
      }
    }
    this.crossedMask = facts.mask;
    this.crossedIds = after;
    const size = popcount(facts.mask) + after.length;
    const outside = ~facts.mask;
    const crossing = ++this.crossing;
    let count = 0;
    this.crossedSemi = null;
    for (const left of this.complete) {
      if ((left.mask & outside) !== 0) continue;
      left.fullAt = crossing;
      count += 1;
      if (left.size === size) this.crossedSemi = left;
    }
    // In creation order: picked out of all left semi-contexts (cheaper than sorting them by seq).
    const full: LeftSemi[] = [];
    for (let i = 0; i < this.lefts.length && full.length < count; i++) {
      const left = this.lefts[i]!;
      if (left.fullAt === crossing) full.push(left);
    }
    this.full = full;
  }

  private neuronLeaves(id: number): void {
    for (const left of this.byNeuron.get(id) ?? []) if (left.missing++ === 0) this.complete.delete(left);
  }

  private neuronComes(id: number): void {
    for (const left of this.byNeuron.get(id) ?? []) if (--left.missing === 0) this.complete.add(left);
  }

  /** The left side's facts in the latest crossing, in the input's (ascending) order. */
  private matchedFacts(left: LeftSemi): FactSet {
    const ids: number[] = [];
    const crossed = this.crossedIds;
    for (let i = 0, j = 0; i < left.ids.length && j < crossed.length;) {
      const x = left.ids[i]!;
      const y = crossed[j]!;
      if (x === y) ids.push(x);
      if (x <= y) i += 1;
      if (y <= x) j += 1;
    }
    return { mask: left.mask & this.crossedMask, ids };
  }

  private touch(context: Context): void {
    context.used = ++this.clock;
  }

  /**
   * The context with the smallest clock. One scan keeps the oldest few as candidates: clocks only grow, so
   * while a candidate's clock is unchanged (not selected since) and it is still stored, no context outside
   * the candidates can be older than it, and the next evictions need no scan.
   */
  private leastRecentlyUsed(): Context {
    for (;;) {
      while (this.oldestAt < this.oldest.length) {
        const context = this.oldest[this.oldestAt]!;
        if (context.used === this.oldestUsed[this.oldestAt] && this.all[context.slot] === context) {
          return context;
        }
        this.oldestAt += 1;
      }
      this.findOldest();
    }
  }

  private findOldest(): void {
    const oldest: Context[] = [];
    for (const context of this.all) {
      if (oldest.length === OLDEST_KEPT && context.used >= oldest[OLDEST_KEPT - 1]!.used) continue;
      if (oldest.length === OLDEST_KEPT) oldest.pop();
      let i = oldest.length;
      oldest.push(context);
      for (; i > 0 && oldest[i - 1]!.used > context.used; i--) oldest[i] = oldest[i - 1]!;
      oldest[i] = context;
    }
    this.oldest = oldest;
    this.oldestUsed = oldest.map((c) => c.used);
    this.oldestAt = 0;
  }

  private leftFor(facts: FactSet): LeftSemi {
    return this.leftByKey.get(leftKey(facts)) ?? this.newLeft(facts);
  }

  /** Stores a left semi-context known not to exist yet. */
  private newLeft(facts: FactSet): LeftSemi {
    const key = leftKey(facts);
    const left = new LeftSemi(this.nextSemiSeq++, facts.mask, facts.ids.slice(), key);
    this.lefts.push(left);
    this.leftByKey.set(key, left);
    for (const id of left.ids) {
      const list = this.byNeuron.get(id);
      if (list) list.push(left);
      else this.byNeuron.set(id, [left]);
    }
    left.missing = left.ids.length - countCommon(left.ids, this.crossedIds);
    if (left.missing === 0) this.complete.add(left);
    return left;
  }

  private rightFor(mask: number): RightSemi {
    let right = this.rightByMask.get(mask);
    if (!right) this.rightByMask.set(mask, (right = new RightSemi(mask)));
    return right;
  }

  private dropLeft(left: LeftSemi): void {
    left.alive = false;
    this.leftByKey.delete(left.key);
    this.complete.delete(left);
    for (const id of left.ids) {
      const list = this.byNeuron.get(id);
      if (!list) continue;
      list.splice(list.indexOf(left), 1);
      if (list.length === 0) this.byNeuron.delete(id);
    }
  }
}

/** A context as a snapshot stores it; `left` indexes the left semi-contexts in creation order. */
export interface RestoredContext {
  readonly id: number;
  readonly left: number;
  readonly right: number;
  readonly zeroLevel: boolean;
  readonly selected: number;
  readonly predicted: number;
  readonly active: number;
}

function findContext(left: LeftSemi, right: RightSemi): Context | undefined {
  for (const context of left.contexts) if (context.right === right) return context;
  return undefined;
}

/** Whether the flat [left, right, left, right...] list holds the pair (lists are short: a linear scan). */
function hasPair(pairs: readonly (LeftSemi | RightSemi)[], left: LeftSemi, right: RightSemi): boolean {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === left && pairs[i + 1] === right) return true;
  return false;
}

/** How many of the ascending `a` are in the ascending `b`. */
function countCommon(a: readonly number[], b: readonly number[]): number {
  let common = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      common += 1;
      i += 1;
      j += 1;
    } else if (x < y) i += 1;
    else j += 1;
  }
  return common;
}

function leftKey(facts: FactSet): string {
  return facts.ids.length === 0 ? `${facts.mask}` : `${facts.mask}:${facts.ids.join(',')}`;
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
