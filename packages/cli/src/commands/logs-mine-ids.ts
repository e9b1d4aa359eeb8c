import type { EvictedTemplate, MineResult, TemplateMiner } from '@opsloop/aiops';

/** The template a line ends up in: its final id and text (after every later merge). */
export interface FinalTemplate {
  readonly templateId: string;
  readonly template: string;
}

/**
 * Which template each mined line went to, in 4 bytes a line, and what those templates became by the end.
 *
 * The miner keeps the ids it merged away for a while only (and forgets evicted templates), so asking
 * `resolveId` at the end of a large log can fail; instead every merge the miner reports (`mergedIds`) and every
 * eviction is recorded here as it happens. Ids are interned as incarnations: an id that was merged away or
 * evicted and is later born again (same first text) is a new template, and the lines of the old one keep theirs.
 */
export class LineTemplates {
  readonly #ids: string[] = [];
  /** Per incarnation: the one it was merged into, or -1. */
  readonly #parent: number[] = [];
  /** Incarnations evicted from the miner, with their text at that moment. */
  readonly #evicted = new Map<number, string>();
  /** Per id: its latest incarnation. */
  readonly #current = new Map<string, number>();
  #lines = new Int32Array(1 << 12);
  #count = 0;

  get lines(): number {
    return this.#count;
  }

  /** To be called by the miner's `onEvict`. */
  evicted(evicted: EvictedTemplate): void {
    const index = this.#current.get(evicted.templateId);
    if (index !== undefined) this.#evicted.set(index, evicted.template);
  }

  /** Records the result of mining the next line. */
  record(result: MineResult): void {
    const index = this.#live(result.templateId);
    for (const id of result.mergedIds) {
      const merged = this.#live(id);
      if (merged !== index) this.#parent[merged] = index;
    }
    if (this.#count === this.#lines.length) {
      const grown = new Int32Array(this.#lines.length * 2);
      grown.set(this.#lines);
      this.#lines = grown;
    }
    this.#lines[this.#count++] = index;
  }

  /**
   * The final template of each incarnation (indexed like `templateOf`) and how many lines each final template
   * has; call once mining is done.
   */
  finish(miner: TemplateMiner): FinishedTemplates {
    const roots = this.#ids.map((_, index) => this.#root(index));
    const finals = new Map<number, FinalTemplate>();
    for (const root of new Set(roots)) {
      const id = this.#ids[root] as string;
      const text = this.#evicted.get(root) ?? miner.template(id)?.template ?? '';
      finals.set(root, { templateId: id, template: text });
    }
    const counts = new Map<number, number>();
    for (let i = 0; i < this.#count; i++) {
      const root = roots[this.#lines[i] as number] as number;
      counts.set(root, (counts.get(root) ?? 0) + 1);
    }
    return new FinishedTemplates(this.#lines.subarray(0, this.#count), roots, finals, counts);
  }

  /** The incarnation of a live id: the current one, or a new one when the current one is gone. */
  #live(id: string): number {
    const index = this.#current.get(id);
    if (index !== undefined && this.#parent[index] === -1 && !this.#evicted.has(index)) return index;
    const fresh = this.#ids.length;
    this.#ids.push(id);
    this.#parent.push(-1);
    this.#current.set(id, fresh);
    return fresh;
  }

  #root(index: number): number {
    let root = index;
    while ((this.#parent[root] as number) !== -1) root = this.#parent[root] as number;
    // Path compression: long merge chains are walked once.
    let at = index;
    while (at !== root) {
      const next = this.#parent[at] as number;
      this.#parent[at] = root;
      at = next;
    }
    return root;
  }
}

/** The final template of every mined line, in order, and the line count of each. */
export class FinishedTemplates {
  readonly #lines: Int32Array;
  readonly #roots: readonly number[];
  readonly #finals: ReadonlyMap<number, FinalTemplate>;
  readonly #counts: ReadonlyMap<number, number>;

  constructor(
    lines: Int32Array,
    roots: readonly number[],
    finals: ReadonlyMap<number, FinalTemplate>,
    counts: ReadonlyMap<number, number>,
  ) {
    this.#lines = lines;
    this.#roots = roots;
    this.#finals = finals;
    this.#counts = counts;
  }

  get lines(): number {
    return this.#lines.length;
  }

  /** Which final template the n-th mined line (0-based) is in: a key for `final`. */
  keyOfLine(n: number): number {
    return this.#roots[this.#lines[n] as number] as number;
  }

  final(key: number): FinalTemplate {
    return this.#finals.get(key) as FinalTemplate;
  }

  /** Final templates by line count, most first (ties: the one born first). */
  top(n: number): (FinalTemplate & { readonly count: number })[] {
    return [...this.#counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, n)
      .map(([key, count]) => ({ ...(this.#finals.get(key) as FinalTemplate), count }));
  }

  get templates(): number {
    return this.#counts.size;
  }
}
