/**
 * Reading a log query forward page by page (trace look-ups, tails by polling) where each page starts at the
 * newest timestamp seen so far, inclusive: entries sharing that nanosecond that were already returned are
 * dropped by identity (labels + line), so entries written at the same instant are neither lost nor repeated.
 */
import { labelsKey } from '../../model/labels.js';
import type { LabeledLogEntry } from '../log-source.js';

const identity = (entry: LabeledLogEntry) => `${labelsKey(entry.labels)}\n${entry.line}`;

/** Where the next forward page starts, and which entries at that instant were already delivered. */
export class ForwardCursor {
  #startNs: bigint;
  #seenAtStart = new Set<string>();

  constructor(startNs: bigint) {
    this.#startNs = startNs;
  }

  /** Inclusive start of the next page. */
  get startNs(): bigint {
    return this.#startNs;
  }

  /**
   * Takes a page (oldest first, as asked with `direction=forward`) and returns its new entries. `full`
   * says the page hit its limit: if a full page holds nothing past the start instant, the start moves on
   * by one nanosecond (more entries at one instant than a page holds cannot be told apart otherwise).
   */
  accept(page: readonly LabeledLogEntry[], full: boolean): LabeledLogEntry[] {
    const fresh = page.filter(
      (e) =>
        e.timestampNs > this.#startNs ||
        (e.timestampNs === this.#startNs && !this.#seenAtStart.has(identity(e))),
    );
    const last = page.at(-1)?.timestampNs;
    if (last !== undefined && last > this.#startNs) {
      this.#startNs = last;
      this.#seenAtStart = new Set();
    }
    for (const e of page) if (e.timestampNs === this.#startNs) this.#seenAtStart.add(identity(e));
    if (full && fresh.length === 0) {
      this.#startNs += 1n;
      this.#seenAtStart = new Set();
    }
    return fresh;
  }
}
