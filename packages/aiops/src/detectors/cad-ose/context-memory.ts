/**
 * CAD OSE's context memory (the original's ContextOperator): contexts (left facts → right facts) with shared
 * semi-contexts (semi-contexts.ts). The fully matched left sides of a crossing are found incrementally
 * (crossing.ts), and only they are walked on the common path; every left side is walked only at a step that
 * made a new context (a few per cent of the points).
 *
 * Every order the original's results depend on is kept: left semi-contexts in creation order, each one's
 * contexts in creation (= id) order, and the least-recently-used order of contexts (context-clock.ts).
 *
 * Unlike the original, the memory is bounded: past `maxContexts` the least recently used context (created or
 * selected, i.e. its left side fully matched) is forgotten, with semi-contexts no context uses any more.
 */
import { ContextClock } from './context-clock.js';
import { Crossing } from './crossing.js';
import { LeftsByFacts } from './lefts-by-facts.js';
import { Context, LeftSemi, RightSemi, popcount, type FactSet } from './semi-contexts.js';

export { compareHashKeys, type Context, type FactSet } from './semi-contexts.js';

/**
 * Below this many selected facts, comparing records p/s by cross-multiplying orders them exactly as the
 * original's divided doubles: products stay below 2^53, and two different fractions in [0, 1] with such
 * denominators differ by more than 2^-52, so they also round to different doubles (in the same order).
 */
const EXACT = 2 ** 26;

const NO_FACTS: FactSet = { mask: 0, ids: [] };

/** No new zero-level context at this step (the original's `False`, which also equals context id 0). */
export const NONE = -1;

export class ContextMemory {
  private readonly leftByFacts = new LeftsByFacts();
  private readonly rightByMask = new Map<number, RightSemi>();
  private readonly clock = new ContextClock();
  private readonly crossing = new Crossing();
  nextSemiSeq = 0;
  nextContextId = 0;
  newContextId = NONE;
  /** This step's zero-level context, if any (one of the distinct pairs the added share is counted over). */
  private zeroContext: Context | null = null;
  /** Marks the contexts of the latest crossLeft's pairs (Context.pairAt), to count distinct pairs. */
  private pairStamp = 0;
  /**
   * The active contexts of the latest crossRight: the first `activeCount` entries (the buffer is reused from
   * point to point and never shrinks, so the hot loop does not allocate; stale entries past the count).
   */
  readonly active: Context[] = [];
  activeCount = 0;
  /**
   * The partially matched pairs of the latest crossRight (left facts, right mask), stored as new contexts by
   * crossLeft: the first `potentialCount` entries of reused buffers. A fully matched left side is its own
   * matched facts.
   */
  private readonly potentialLefts: (LeftSemi | FactSet)[] = [];
  private readonly potentialRights: number[] = [];
  private potentialCount = 0;
  /** Of the latest crossLeft: new contexts from potential pairs, and distinct pairs (see crossLeft). */
  added = 0;
  distinct = 0;

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
    const equal = this.crossing.equal;
    const l = equal?.alive ? equal : this.newLeft(left);
    const r = this.rightFor(right);
    const existing = findContext(l, r);
    if (existing) {
      if (!existing.zeroLevel) l.zeroLevels += 1;
      existing.zeroLevel = true;
      this.zeroContext = existing;
      return false;
    }
    this.zeroContext = this.addContext(l, r, true);
    this.newContextId = this.zeroContext.id;
    return true;
  }

  /**
   * Updates every context whose left side matched the previous crossing against the current sensor facts:
   * fills `active` with the fully matched contexts, returns the number of selected contexts, and keeps the
   * partially matched pairs worth remembering as new contexts (only looked for when `newContextFlag`).
   */
  crossRight(facts: number, newContextFlag: boolean, stepStartSeq: number): number {
    this.activeCount = 0;
    const skipId = this.newContextId === NONE ? 0 : this.newContextId;
    this.newContextId = NONE;
    this.potentialCount = 0;
    // Without a new context only fully matched left sides do anything: the crossing listed them already.
    if (!newContextFlag) {
      let numSelected = 0;
      const { full, fullCount } = this.crossing;
      for (let i = 0; i < fullCount; i++) numSelected += this.select(full[i]!, facts, skipId);
      return numSelected;
    }
    const crossing = this.crossing;
    const potentialLefts = this.potentialLefts;
    const potentialRights = this.potentialRights;
    let potentialCount = 0;
    let numSelected = 0;
    for (const left of crossing.lefts) {
      // Left semi-contexts made in this step were not there at the crossing.
      if (left.seq >= stepStartSeq) continue;
      const leftFull = left.fullAt === crossing.count;
      if (!leftFull && left.zeroLevels === 0) continue;
      const matched = leftFull ? left.size : crossing.matched(left);
      if (matched === 0) continue;
      if (leftFull) numSelected += this.select(left, facts, skipId);
      // Potential pairs need a zero-level context and a short enough left side.
      if (left.zeroLevels === 0 || matched > this.maxLeftSemiContextLength) continue;
      // The matched facts (the potential pairs' left side), made once per left side if needed.
      let matchedFacts: LeftSemi | FactSet | null = leftFull ? left : null;
      for (const context of left.contexts) {
        if (context.id === skipId || !context.zeroLevel) continue;
        const rightMatched = context.rightMask & facts;
        // A fully matched pair is active, not potential.
        if (rightMatched === 0 || (leftFull && rightMatched === context.rightMask)) continue;
        potentialLefts[potentialCount] = matchedFacts ??= crossing.matchedFacts(left);
        potentialRights[potentialCount++] = rightMatched;
      }
    }
    this.potentialCount = potentialCount;
    return numSelected;
  }

  /**
   * Selects a fully matched left side's contexts (all but `skipId`) against the sensor facts: counts and
   * stamps them, lists the active ones, and recomputes the side's best prediction record on the way.
   */
  private select(left: LeftSemi, facts: number, skipId: number): number {
    const contexts = left.contexts;
    const active = this.active;
    let activeCount = this.activeCount;
    let clock = this.clock.clock;
    let selectedCount = 0;
    // The best record as a fraction (see EXACT): compared by cross-multiplying, divided once at the end.
    let bestPredicted = 0;
    let bestSelected = 1;
    let bestMask = 0;
    let exact = true;
    for (let i = 0; i < contexts.length; i++) {
      const context = contexts[i]!;
      const rightMask = context.rightMask;
      let selected: number;
      let predicted: number;
      if (context.id !== skipId) {
        selectedCount += 1;
        context.used = ++clock;
        selected = context.selected += context.rightSize;
        const matched = rightMask & facts;
        predicted = context.predicted += popcount(matched);
        if (matched === rightMask) {
          context.active += 1;
          active[activeCount++] = context;
        }
      } else {
        // Not selected (this step's new context): its record may still be empty, which counts as 0.
        selected = context.selected;
        predicted = context.predicted;
        if (selected === 0) {
          selected = 1;
          predicted = 0;
        }
      }
      if (selected >= EXACT || predicted > selected) exact = false;
      const above = predicted * bestSelected;
      const best = bestPredicted * selected;
      if (above > best) {
        bestPredicted = predicted;
        bestSelected = selected;
        bestMask = rightMask;
      } else if (above === best) {
        bestMask |= rightMask;
      }
    }
    if (exact) {
      left.bestWeight = bestPredicted / bestSelected;
      left.bestMask = bestMask;
      left.bestStale = false;
    } else {
      left.refreshBest();
    }
    this.clock.clock = clock;
    this.activeCount = activeCount;
    return selectedCount;
  }

  /**
   * Stores the potential new contexts, crosses the left facts group with the left semi-contexts and predicts
   * the next sensor facts: the right sides of the fully matched contexts with the best prediction record.
   * `distinct` counts the distinct pairs among this step's zero-level pair and the potential ones (the
   * original's set of pair keys: equal facts are one semi-context).
   */
  crossLeft(facts: FactSet): number {
    let added = 0;
    let distinct = 0;
    // Every pair has a context by the end (found or added): distinct pairs are distinct contexts.
    const stamp = ++this.pairStamp;
    if (this.zeroContext) {
      this.zeroContext.pairAt = stamp;
      distinct = 1;
    }
    // Potential pairs from one left side share its fact set: look its semi-context up once.
    let lastFacts: LeftSemi | FactSet | null = null;
    let lastLeft: LeftSemi | null = null;
    for (let i = 0; i < this.potentialCount; i++) {
      const facts = this.potentialLefts[i]!;
      if (facts !== lastFacts) {
        lastFacts = facts;
        lastLeft = facts instanceof LeftSemi ? facts : this.leftFor(facts);
      }
      const l = lastLeft!;
      const r = this.rightFor(this.potentialRights[i]!);
      let context = findContext(l, r);
      if (!context) {
        context = this.addContext(l, r, false);
        added += 1;
      }
      if (context.pairAt !== stamp) {
        context.pairAt = stamp;
        distinct += 1;
      }
    }
    // Not kept past the step (the buffers hold semi-contexts and fact sets otherwise left to the collector).
    if (this.potentialCount > 0) this.potentialLefts.fill(NO_FACTS, 0, this.potentialCount);
    this.potentialCount = 0;
    this.added = added;
    this.distinct = distinct;
    this.zeroContext = null;
    const crossing = this.crossing;
    crossing.cross(facts);
    // The best record over the fully matched contexts and the union of their right sides that have it
    // (starting from record 0): per left side first, which gives the same best and the same union.
    let best = 0;
    let predictions = 0;
    const { full, fullCount } = crossing;
    for (let i = 0; i < fullCount; i++) {
      const left = full[i]!;
      if (left.bestStale) left.refreshBest();
      const weight = left.bestWeight;
      if (weight > best) {
        best = weight;
        predictions = left.bestMask;
      } else if (weight === best) {
        predictions |= left.bestMask;
      }
    }
    return predictions;
  }

  /** Forgets least recently used contexts beyond the cap (called between steps, never during one). */
  evict(): void {
    const clock = this.clock;
    if (clock.size <= this.maxContexts) return;
    let dropped = false;
    while (clock.size > this.maxContexts && clock.size > 0) {
      const context = clock.leastRecentlyUsed();
      clock.remove(context);
      const { left, right } = context;
      left.contexts.splice(left.contexts.indexOf(context), 1);
      left.bestStale = true;
      if (context.zeroLevel) left.zeroLevels -= 1;
      if (left.contexts.length === 0) {
        this.dropLeft(left);
        dropped = true;
      }
      right.refs -= 1;
      if (right.refs === 0) this.rightByMask.delete(right.mask);
    }
    if (dropped) this.crossing.compact();
  }

  /** Left semi-contexts in creation order. */
  get lefts(): readonly LeftSemi[] {
    return this.crossing.lefts;
  }

  /** Contexts, least recently used first. */
  contextsByAge(): Context[] {
    return this.clock.byAge();
  }

  get contextCount(): number {
    return this.clock.size;
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
      left.bestStale = true;
    }
    this.crossing.cross(crossed);
  }

  private addContext(left: LeftSemi, right: RightSemi, zeroLevel: boolean): Context {
    return this.link(new Context(this.nextContextId++, left, right, zeroLevel), left, right);
  }

  private link(context: Context, left: LeftSemi, right: RightSemi): Context {
    left.contexts.push(context);
    if (context.zeroLevel) left.zeroLevels += 1;
    // A new context's record is 0: it joins the best ones only if the best is 0.
    if (left.bestWeight === 0) left.bestMask |= context.rightMask;
    right.refs += 1;
    this.clock.add(context);
    return context;
  }

  private leftFor(facts: FactSet): LeftSemi {
    return this.leftByFacts.find(facts) ?? this.newLeft(facts);
  }

  /** Stores a left semi-context known not to exist yet. */
  private newLeft(facts: FactSet): LeftSemi {
    const left = new LeftSemi(this.nextSemiSeq++, facts.mask, facts.ids.slice());
    this.leftByFacts.add(left);
    this.crossing.add(left);
    return left;
  }

  private rightFor(mask: number): RightSemi {
    let right = this.rightByMask.get(mask);
    if (!right) this.rightByMask.set(mask, (right = new RightSemi(mask)));
    return right;
  }

  private dropLeft(left: LeftSemi): void {
    this.leftByFacts.delete(left);
    this.crossing.drop(left);
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
