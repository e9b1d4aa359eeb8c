/**
 * Aho–Corasick multi-pattern matcher over UTF-16 code units: finds every occurrence of every pattern in
 * one pass over the text, in time linear in the text plus the number of matches, however many patterns.
 * The redactor uses it so that hundreds of secrets cost no more per log line than a handful.
 */
export class AhoCorasick {
  /** The patterns, in the order given (empty strings are ignored). */
  readonly patterns: readonly string[];
  readonly #next: Map<number, number>[] = [new Map<number, number>()];
  readonly #fail: number[] = [0];
  readonly #depth: number[] = [0];
  /** Index of the pattern that ends exactly at a node, or -1. */
  readonly #ends: number[] = [-1];
  /** Nearest node on the failure chain (excluding the node itself) that ends a pattern; 0 if none. */
  readonly #dictionary: number[] = [0];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    patterns.forEach((pattern, index) => {
      if (pattern.length === 0) return;
      let node = 0;
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        let child = this.#next[node]!.get(code);
        if (child === undefined) {
          child = this.#next.length;
          this.#next.push(new Map<number, number>());
          this.#fail.push(0);
          this.#depth.push(this.#depth[node]! + 1);
          this.#ends.push(-1);
          this.#dictionary.push(0);
          this.#next[node]!.set(code, child);
        }
        node = child;
      }
      if (this.#ends[node] === -1) this.#ends[node] = index;
    });
    // Breadth-first, so a node's failure target (shallower) is final before the node is processed.
    const queue: number[] = [...this.#next[0]!.values()];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      for (const [code, child] of this.#next[node]!) {
        let fallback = this.#fail[node]!;
        while (fallback !== 0 && !this.#next[fallback]!.has(code)) fallback = this.#fail[fallback]!;
        const target = this.#next[fallback]!.get(code);
        const failTo = target !== undefined && target !== child ? target : 0;
        this.#fail[child] = failTo;
        this.#dictionary[child] = this.#ends[failTo] !== -1 ? failTo : this.#dictionary[failTo]!;
        queue.push(child);
      }
    }
  }

  /** Calls `onMatch(start, end, patternIndex)` for every occurrence (`text.slice(start, end)`). */
  search(text: string, onMatch: (start: number, end: number, pattern: number) => void): void {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      state = this.#step(state, text.charCodeAt(i));
      let node = this.#ends[state] !== -1 ? state : this.#dictionary[state]!;
      while (node !== 0) {
        onMatch(i + 1 - this.#depth[node]!, i + 1, this.#ends[node]!);
        node = this.#dictionary[node]!;
      }
    }
  }

  /** True if some pattern occurs in `text`. */
  occursIn(text: string): boolean {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      state = this.#step(state, text.charCodeAt(i));
      if (this.#ends[state] !== -1 || this.#dictionary[state] !== 0) return true;
    }
    return false;
  }

  /** Length of the longest suffix of `text` that is a prefix of some pattern (0 if none). */
  overlapAtEnd(text: string): number {
    let state = 0;
    for (let i = 0; i < text.length; i++) state = this.#step(state, text.charCodeAt(i));
    return this.#depth[state]!;
  }

  #step(state: number, code: number): number {
    let node = state;
    for (;;) {
      const next = this.#next[node]!.get(code);
      if (next !== undefined) return next;
      if (node === 0) return 0;
      node = this.#fail[node]!;
    }
  }
}
