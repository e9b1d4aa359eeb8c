/**
 * Every stored context, in no order, and the clock of their last use (creation or selection): a selection is
 * one write (selections are many per point, evictions rare), and eviction looks for the smallest stamp.
 */
import type { Context } from './semi-contexts.js';

/** How many eviction candidates one scan keeps. */
const OLDEST_KEPT = 32;

export class ContextClock {
  readonly all: Context[] = [];
  /** The latest stamp; the selection loop reads it into a local and writes it back (see ContextMemory). */
  clock = 0;
  /** Eviction candidates: the oldest contexts at the latest scan, with their clocks then (see below). */
  private oldest: Context[] = [];
  private oldestUsed: number[] = [];
  private oldestAt = 0;

  get size(): number {
    return this.all.length;
  }

  add(context: Context): void {
    context.used = ++this.clock;
    context.slot = this.all.length;
    this.all.push(context);
  }

  /** Removes a stored context (swapping the last one into its slot). */
  remove(context: Context): void {
    const last = this.all.pop()!;
    if (last !== context) {
      this.all[context.slot] = last;
      last.slot = context.slot;
    }
  }

  /** Contexts, least recently used first. */
  byAge(): Context[] {
    return this.all.slice().sort((a, b) => a.used - b.used);
  }

  /**
   * The context with the smallest clock. One scan keeps the oldest few as candidates: clocks only grow, so
   * while a candidate's clock is unchanged (not selected since) and it is still stored, no context outside
   * the candidates can be older than it, and the next evictions need no scan.
   */
  leastRecentlyUsed(): Context {
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
}
