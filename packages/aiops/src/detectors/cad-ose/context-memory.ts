/**
 * CAD OSE's context memory (the original's ContextOperator): a context is a pair (left facts → right facts)
 * split into shared left and right "semi-contexts", indexed by fact so that crossing a fact set with the whole
 * memory only touches the semi-contexts that share a fact with it.
 *
 * Unlike the original, the memory is bounded: past `maxContexts` the least recently used context (created or
 * selected, i.e. its left side fully matched) is forgotten, with semi-contexts no context uses any more.
 */
import { pythonTupleHash } from './python-tuple-hash.js';

/** A semi-context: a fact set on one side, with its crossing against the latest input. */
export interface SemiContext {
  readonly seq: number;
  readonly facts: readonly number[];
  readonly hash: bigint;
  /** Facts of the latest crossed input that belong to this semi-context (in input order). */
  matched: number[];
  /** Left side: right semi-context seq → context id. Right side: unused (empty). */
  readonly contexts: Map<number, number>;
  /** Right side: how many contexts use it. */
  refs: number;
}

export interface Context {
  readonly id: number;
  /** How many facts it was asked to predict (sum of its right side's size when selected). */
  selected: number;
  /** How many of those facts came true. */
  predicted: number;
  /** How many times it matched entirely. */
  active: number;
  readonly left: number;
  readonly right: number;
  zeroLevel: boolean;
}

/** An active context: [id, times active, left hash, right hash] (the original's sort key follows the id). */
export type ActiveContext = readonly [number, number, bigint, bigint];
export type FactPair = readonly [readonly number[], readonly number[]];

/** No new zero-level context at this step (the original's `False`, which also equals context id 0). */
const NONE = -1;

export class ContextMemory {
  readonly semis: [Map<number, SemiContext>, Map<number, SemiContext>] = [
    new Map<number, SemiContext>(),
    new Map<number, SemiContext>(),
  ];
  readonly byKey: [Map<string, number>, Map<string, number>] = [
    new Map<string, number>(),
    new Map<string, number>(),
  ];
  readonly byFact: [Map<number, Set<SemiContext>>, Map<number, Set<SemiContext>>] = [
    new Map<number, Set<SemiContext>>(),
    new Map<number, Set<SemiContext>>(),
  ];
  /** Semi-contexts with at least one fact in the latest crossing, in creation order. */
  crossed: [SemiContext[], SemiContext[]] = [[], []];
  /** Contexts by id, least recently used first (Map order). */
  readonly contexts = new Map<number, Context>();
  nextSemiSeq: [number, number] = [0, 0];
  nextContextId = 0;
  newContextId = NONE;

  constructor(
    readonly maxLeftSemiContextLength: number,
    readonly maxContexts: number,
  ) {}

  /**
   * Finds or stores each (left, right) pair. Zero-level: one pair, returns whether it was new. Otherwise
   * returns how many pairs were new.
   */
  getContextByFacts(pairs: readonly FactPair[], zeroLevel: boolean): number {
    let added = 0;
    for (const [leftFacts, rightFacts] of pairs) {
      const left = this.semiFor(0, leftFacts);
      const right = this.semiFor(1, rightFacts);
      const existing = left.contexts.get(right.seq);
      if (existing === undefined) {
        const id = this.nextContextId++;
        left.contexts.set(right.seq, id);
        right.refs += 1;
        this.contexts.set(id, {
          id,
          selected: 0,
          predicted: 0,
          active: 0,
          left: left.seq,
          right: right.seq,
          zeroLevel,
        });
        added += 1;
        if (zeroLevel) {
          this.newContextId = id;
          return 1;
        }
      } else if (zeroLevel) {
        const context = this.contexts.get(existing);
        if (context) context.zeroLevel = true;
        return 0;
      }
    }
    return added;
  }

  /**
   * Crosses the current sensor facts with the right semi-contexts, then updates every context whose left side
   * matched the previous step: returns the fully matched (active) contexts, the number of selected contexts
   * and the partially matched pairs worth remembering as new contexts.
   */
  crossRight(
    facts: readonly number[],
    newContextFlag: boolean,
  ): { active: ActiveContext[]; numSelected: number; potential: FactPair[] } {
    this.cross(1, facts);
    const active: ActiveContext[] = [];
    const potential: FactPair[] = [];
    let numSelected = 0;
    const skipId = this.newContextId === NONE ? 0 : this.newContextId;
    for (const left of this.crossed[0]) {
      const leftFull = left.facts.length === left.matched.length;
      for (const [rightSeq, contextId] of left.contexts) {
        if (contextId === skipId) continue;
        const context = this.contexts.get(contextId);
        const right = this.semis[1].get(rightSeq);
        if (!context || !right) continue;
        const rightMatched = right.matched.length;
        if (leftFull) {
          numSelected += 1;
          this.touch(context);
          context.selected += right.facts.length;
          if (rightMatched > 0) {
            context.predicted += rightMatched;
            if (rightMatched === right.facts.length) {
              context.active += 1;
              active.push([contextId, context.active, left.hash, right.hash]);
            } else if (context.zeroLevel && newContextFlag) {
              this.addPotential(potential, left, right);
            }
          }
        } else if (context.zeroLevel && newContextFlag && rightMatched > 0) {
          this.addPotential(potential, left, right);
        }
      }
    }
    this.newContextId = NONE;
    return { active, numSelected, potential };
  }

  /**
   * Stores the potential new contexts, crosses the left facts group with the left semi-contexts and predicts
   * the next sensor facts: the right sides of the fully matched contexts with the best prediction record.
   */
  crossLeft(
    facts: readonly number[],
    potential: readonly FactPair[],
  ): { added: number; predictions: Set<number> } {
    const added = potential.length > 0 ? this.getContextByFacts(potential, false) : 0;
    this.cross(0, facts);
    let best = 0;
    let predicting: Context[] = [];
    for (const left of this.crossed[0]) {
      if (left.matched.length !== left.facts.length) continue;
      for (const contextId of left.contexts.values()) {
        const context = this.contexts.get(contextId);
        if (!context) continue;
        const weight = context.selected > 0 ? context.predicted / context.selected : 0;
        if (weight > best) {
          best = weight;
          predicting = [context];
        } else if (weight === best) {
          predicting.push(context);
        }
      }
    }
    const predictions = new Set<number>();
    for (const context of predicting) {
      for (const fact of this.semis[1].get(context.right)?.facts ?? []) predictions.add(fact);
    }
    return { added, predictions };
  }

  /** Forgets least recently used contexts beyond the cap (called between steps, never during one). */
  evict(): void {
    while (this.contexts.size > this.maxContexts) {
      const oldest = this.contexts.values().next().value;
      if (!oldest) return;
      this.contexts.delete(oldest.id);
      const left = this.semis[0].get(oldest.left);
      const right = this.semis[1].get(oldest.right);
      if (left) {
        left.contexts.delete(oldest.right);
        if (left.contexts.size === 0) this.dropSemi(0, left);
      }
      if (right) {
        right.refs -= 1;
        if (right.refs === 0) this.dropSemi(1, right);
      }
    }
  }

  private touch(context: Context): void {
    this.contexts.delete(context.id);
    this.contexts.set(context.id, context);
  }

  private addPotential(potential: FactPair[], left: SemiContext, right: SemiContext): void {
    if (left.matched.length <= this.maxLeftSemiContextLength) {
      potential.push([left.matched.slice(), right.matched.slice()]);
    }
  }

  private cross(side: 0 | 1, facts: readonly number[]): void {
    for (const semi of this.crossed[side]) semi.matched = [];
    const touched: SemiContext[] = [];
    for (const fact of facts) {
      for (const semi of this.byFact[side].get(fact) ?? []) {
        if (semi.matched.length === 0) touched.push(semi);
        semi.matched.push(fact);
      }
    }
    // The original walks every semi-context in creation order; the same order keeps new context ids the same.
    touched.sort((a, b) => a.seq - b.seq);
    this.crossed[side] = touched;
  }

  private semiFor(side: 0 | 1, facts: readonly number[]): SemiContext {
    const key = facts.join(',');
    const seq = this.byKey[side].get(key);
    const found = seq === undefined ? undefined : this.semis[side].get(seq);
    if (found) return found;
    const semi: SemiContext = {
      seq: this.nextSemiSeq[side]++,
      facts: facts.slice(),
      hash: pythonTupleHash(facts),
      matched: [],
      contexts: new Map(),
      refs: 0,
    };
    this.addSemi(side, semi);
    return semi;
  }

  addSemi(side: 0 | 1, semi: SemiContext): void {
    this.semis[side].set(semi.seq, semi);
    this.byKey[side].set(semi.facts.join(','), semi.seq);
    for (const fact of semi.facts) {
      let set = this.byFact[side].get(fact);
      if (!set) this.byFact[side].set(fact, (set = new Set()));
      set.add(semi);
    }
  }

  private dropSemi(side: 0 | 1, semi: SemiContext): void {
    this.semis[side].delete(semi.seq);
    this.byKey[side].delete(semi.facts.join(','));
    for (const fact of semi.facts) {
      const set = this.byFact[side].get(fact);
      set?.delete(semi);
      if (set?.size === 0) this.byFact[side].delete(fact);
    }
    const crossed = this.crossed[side];
    const at = crossed.indexOf(semi);
    if (at >= 0) crossed.splice(at, 1);
  }
}
