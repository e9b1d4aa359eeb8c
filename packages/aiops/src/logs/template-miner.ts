import { familyKeysOf, familyPosition, sameExcept } from './family-keys.js';
import { WILDCARD } from './masking.js';
import { MessageViews } from './message-views.js';
import { Mined, type MineResult, type TemplateChange } from './mine-result.js';
import { checkSnapshot, type TemplateMinerSnapshot } from './miner-snapshot.js';
import { templateIdOf } from './template-id.js';
import { covers, fitsToken, generaliseToken, widen, widenToken } from './token-pattern.js';

export { MinerSnapshotError, type TemplateMinerSnapshot } from './miner-snapshot.js';
export type { MineResult, TemplateChange } from './mine-result.js';

/**
 * A streaming log template miner. Lines are masked (built-in and caller regexes, then the token rules of
 * masking.ts) and grouped by token count. A line joins the template of its group that it matches without
 * contradicting a constant word (a difference is allowed only where the line holds a masked variable or the
 * template already has a wildcard; no similarity threshold to tune); otherwise it starts a new template.
 * Constant words become variables only by evidence (Brain's frequency idea, online): when `familySize`
 * templates differ from each other in exactly one word and share at least three other words, that position is a
 * variable and they merge. Enumerations with few values (states, HTTP methods) therefore stay apart; user
 * names, hosts and file names merge. Merges keep the older template's id.
 */
export interface TemplateMinerOptions {
  /** Regexes (settings.json `regex` strings or RegExp) replaced by the wildcard before tokenising. */
  readonly masks?: readonly (string | RegExp)[];
  /** Mask timestamps and sizes with units before the caller's regexes (default true). */
  readonly builtinMasks?: boolean;
  /** Distinct words at one position that make it a variable (default 3; capitalised words need two more). */
  readonly familySize?: number;
  /** Templates kept per token count; the least recently used one is evicted beyond it (default 1000). */
  readonly maxTemplatesPerGroup?: number;
  /** Masked lines (and line shapes) remembered for the fast path (default 20 000 each). */
  readonly cacheSize?: number;
  /** Called for every evicted template (evictions are also counted in `stats()`). */
  readonly onEvict?: (evicted: EvictedTemplate) => void;
}

export interface EvictedTemplate {
  readonly templateId: string;
  readonly template: string;
  readonly count: number;
}

export interface MinerStats {
  readonly lines: number;
  readonly templates: number;
  readonly merges: number;
  readonly evictions: number;
}

export interface TemplateInfo {
  readonly templateId: string;
  readonly template: string;
  readonly count: number;
}

interface Cluster {
  readonly id: string;
  /** What lines are grouped by (caller regexes applied). */
  tokens: string[];
  /** What the template shows: the same positions, masked by the general rules only (see `mine`). */
  display: string[];
  count: number;
  readonly born: number;
  lastSeen: number;
  familyKeys: string[];
  text: string | undefined;
}

// Constant words a family must share besides the varying one: `X startup succeeded` (two) names daemons, not
// values; `session closed for user X` (four) does.
const MIN_FAMILY_CONTEXT = 3;
const DEFAULTS = { familySize: 3, maxTemplatesPerGroup: 1000, cacheSize: 20_000 };

export class TemplateMiner {
  readonly #views: MessageViews;
  readonly #familySize: number;
  readonly #maxPerGroup: number;
  readonly #cacheSize: number;
  readonly #onEvict: ((evicted: EvictedTemplate) => void) | undefined;
  readonly #groups = new Map<number, Map<string, Cluster>>();
  readonly #byId = new Map<string, Cluster>();
  readonly #aliases = new Map<string, string>();
  readonly #cache = new Map<string, string>();
  readonly #families = new Map<string, Set<string>>();
  #tick = 0;
  #lines = 0;
  #merges = 0;
  #evictions = 0;

  constructor(options: TemplateMinerOptions = {}) {
    this.#familySize = Math.max(2, options.familySize ?? DEFAULTS.familySize);
    this.#maxPerGroup = Math.max(1, options.maxTemplatesPerGroup ?? DEFAULTS.maxTemplatesPerGroup);
    this.#cacheSize = Math.max(0, options.cacheSize ?? DEFAULTS.cacheSize);
    this.#views = new MessageViews({
      masks: options.masks ?? [],
      builtinMasks: options.builtinMasks !== false,
      cacheSize: this.#cacheSize,
    });
    this.#onEvict = options.onEvict;
  }

  /** The masked tokens of a message (what the miner groups). */
  mask(content: string): string[] {
    return [...this.#views.views(content).tokens];
  }

  /** Mines one message (the content part of a line). */
  mine(content: string): MineResult {
    this.#lines++;
    this.#tick++;
    const { tokens, display, key } = this.#views.of(content);
    let change: TemplateChange = 'none';
    let mergedIds: string[] = [];
    let cluster = this.#fromCache(key);
    if (cluster === undefined) {
      const found = this.#match(tokens);
      if (found === undefined) {
        cluster = this.#create(tokens, display);
        change = 'created';
        mergedIds = this.#settle(cluster);
      } else {
        cluster = found;
        if (this.#generalise(cluster, tokens, display)) {
          change = 'updated';
          mergedIds = this.#settle(cluster);
        }
      }
      const live = this.#resolve(cluster.id) ?? cluster;
      // A template born from this line and at once merged into an older one: the older one was updated.
      if (live !== cluster) change = 'updated';
      cluster = live;
      this.#remember(key, cluster.id);
    }
    if (mergedIds.length > 0 && change === 'none') change = 'updated';
    cluster.count++;
    cluster.lastSeen = this.#tick;
    return new Mined(cluster.id, this.#text(cluster), change, mergedIds, cluster.display, content);
  }

  /** The current template of an id (following merges), or undefined when unknown or evicted. */
  template(templateId: string): TemplateInfo | undefined {
    const cluster = this.#resolve(templateId);
    return cluster === undefined ? undefined : this.#info(cluster);
  }

  /** The live id an id was merged into (itself when live), or undefined when unknown or evicted. */
  resolveId(templateId: string): string | undefined {
    return this.#resolve(templateId)?.id;
  }

  templates(): TemplateInfo[] {
    return [...this.#byId.values()].sort((a, b) => a.born - b.born).map((c) => this.#info(c));
  }

  stats(): MinerStats {
    return {
      lines: this.#lines,
      templates: this.#byId.size,
      merges: this.#merges,
      evictions: this.#evictions,
    };
  }

  snapshot(): TemplateMinerSnapshot {
    return {
      version: 1,
      tick: this.#tick,
      lines: this.#lines,
      merges: this.#merges,
      evictions: this.#evictions,
      templates: [...this.#byId.values()]
        .sort((a, b) => a.born - b.born)
        .map((c) => ({
          id: c.id,
          tokens: [...c.tokens],
          display: [...c.display],
          count: c.count,
          born: c.born,
          lastSeen: c.lastSeen,
        })),
      aliases: [...this.#aliases.entries()],
      cache: [...this.#cache.entries()],
    };
  }

  /** Replaces the state with a snapshot's (the options of this miner stay); checks it all first. */
  restore(snapshot: TemplateMinerSnapshot): void {
    const checked = checkSnapshot(snapshot);
    this.#groups.clear();
    this.#byId.clear();
    this.#aliases.clear();
    this.#cache.clear();
    this.#families.clear();
    this.#tick = checked.tick;
    this.#lines = checked.lines;
    this.#merges = checked.merges;
    this.#evictions = checked.evictions;
    for (const t of checked.templates) {
      this.#add({
        id: t.id,
        tokens: [...t.tokens],
        display: [...t.display],
        count: t.count,
        born: t.born,
        lastSeen: t.lastSeen,
        familyKeys: [],
        text: undefined,
      });
    }
    for (const [from, to] of checked.aliases) this.#aliases.set(from, to);
    for (const [key, id] of checked.cache) this.#cache.set(key, id);
  }

  #info(cluster: Cluster): TemplateInfo {
    return { templateId: cluster.id, template: this.#text(cluster), count: cluster.count };
  }

  #text(cluster: Cluster): string {
    cluster.text ??= cluster.display.join(' ');
    return cluster.text;
  }

  #resolve(id: string): Cluster | undefined {
    let current = id;
    for (let hops = 0; hops < 1000; hops++) {
      const cluster = this.#byId.get(current);
      if (cluster !== undefined) return cluster;
      const next = this.#aliases.get(current);
      if (next === undefined) return undefined;
      current = next;
    }
    return undefined;
  }

  #fromCache(key: string): Cluster | undefined {
    const id = this.#cache.get(key);
    if (id === undefined) return undefined;
    const cluster = this.#resolve(id);
    if (cluster === undefined) {
      this.#cache.delete(key);
      return undefined;
    }
    // Least recently used order: re-insert on hit.
    this.#cache.delete(key);
    this.#cache.set(key, cluster.id);
    return cluster;
  }

  #remember(key: string, id: string): void {
    if (this.#cacheSize === 0) return;
    this.#cache.set(key, id);
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }

  /** The best template of the same length that the tokens do not contradict (fewest new wildcards, then oldest). */
  #match(tokens: readonly string[]): Cluster | undefined {
    const group = this.#groups.get(tokens.length);
    if (group === undefined) return undefined;
    let best: Cluster | undefined;
    let bestCost = Infinity;
    for (const cluster of group.values()) {
      const cost = this.#cost(cluster.tokens, tokens);
      if (cost < bestCost || (cost === bestCost && best !== undefined && cluster.born < best.born)) {
        best = cluster;
        bestCost = cost;
      }
    }
    return best;
  }

  /**
   * Infinity when a constant word of the template meets a different word that the masking did not call a
   * variable; else the number of positions that would become wildcards. A line whose differences outnumber
   * its agreeing words, or that agrees on no word, is no evidence of one template and does not match.
   */
  #cost(template: readonly string[], tokens: readonly string[]): number {
    let soft = 0;
    let agree = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = template[i] as string;
      const m = tokens[i] as string;
      if (t === m) {
        if (t !== WILDCARD) agree++;
        continue;
      }
      if (t.includes(WILDCARD) && fitsToken(t, m)) continue;
      // Two different values that both hold a variable (`LOCAL(<*>)`, `#<*>#`) are one variable.
      if (!m.includes(WILDCARD)) return Infinity;
      if (m !== WILDCARD && (!t.includes(WILDCARD) || generaliseToken(t, m) === WILDCARD)) return Infinity;
      soft++;
    }
    // A template of wildcards only is no evidence for anything; neither is a line with more new wildcards
    // than agreeing words.
    if (agree === 0 || agree < soft) return Infinity;
    return soft;
  }

  #create(tokens: string[], display: string[]): Cluster {
    const group = this.#groups.get(tokens.length);
    if (group !== undefined && group.size >= this.#maxPerGroup) this.#evictFrom(group);
    let id = templateIdOf(tokens.join(' '));
    if (this.#byId.has(id) || this.#aliases.has(id)) {
      let n = 2;
      while (this.#byId.has(`${id}-${n}`) || this.#aliases.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
    }
    const cluster: Cluster = {
      id,
      tokens: [...tokens],
      display: [...display],
      count: 0,
      born: this.#tick,
      lastSeen: this.#tick,
      familyKeys: [],
      text: undefined,
    };
    this.#add(cluster);
    return cluster;
  }

  #add(cluster: Cluster): void {
    let group = this.#groups.get(cluster.tokens.length);
    if (group === undefined) {
      group = new Map();
      this.#groups.set(cluster.tokens.length, group);
    }
    group.set(cluster.id, cluster);
    this.#byId.set(cluster.id, cluster);
    this.#index(cluster);
  }

  #remove(cluster: Cluster): void {
    this.#unindex(cluster);
    this.#groups.get(cluster.tokens.length)?.delete(cluster.id);
    this.#byId.delete(cluster.id);
  }

  #evictFrom(group: Map<string, Cluster>): void {
    let victim: Cluster | undefined;
    for (const cluster of group.values())
      if (victim === undefined || cluster.lastSeen < victim.lastSeen) victim = cluster;
    if (victim === undefined) return;
    this.#remove(victim);
    this.#evictions++;
    this.#onEvict?.({ templateId: victim.id, template: this.#text(victim), count: victim.count });
  }

  /** Turns the positions where the tokens differ into wildcards; true when the template changed. */
  #generalise(cluster: Cluster, tokens: readonly string[], display: readonly string[]): boolean {
    const next = widen(cluster.tokens, tokens);
    const shown = widen(cluster.display, display);
    if (next === cluster.tokens && shown === cluster.display) return false;
    this.#unindex(cluster);
    cluster.tokens = next;
    cluster.display = shown;
    cluster.text = undefined;
    this.#index(cluster);
    return true;
  }

  #index(cluster: Cluster): void {
    cluster.familyKeys = familyKeysOf(cluster.tokens, MIN_FAMILY_CONTEXT);
    for (const key of cluster.familyKeys) {
      let members = this.#families.get(key);
      if (members === undefined) {
        members = new Set();
        this.#families.set(key, members);
      }
      members.add(cluster.id);
    }
  }

  #unindex(cluster: Cluster): void {
    for (const key of cluster.familyKeys) {
      const members = this.#families.get(key);
      if (members === undefined) continue;
      members.delete(cluster.id);
      if (members.size === 0) this.#families.delete(key);
    }
    cluster.familyKeys = [];
  }

  /**
   * After a template was born or changed: merge families that reached `familySize`, and templates that became
   * equal or that the new template now covers. Returns the ids merged away.
   */
  #settle(start: Cluster): string[] {
    const merged: string[] = [];
    const queue: string[] = [start.id];
    while (queue.length > 0) {
      const cluster = this.#byId.get(queue.shift() as string);
      if (cluster === undefined) continue;
      for (const key of cluster.familyKeys) {
        const members = this.#families.get(key);
        if (members === undefined || members.size < this.#familySize) continue;
        const position = familyPosition(key);
        const all = [...members]
          .map((id) => this.#byId.get(id) as Cluster)
          .filter((c) => sameExcept(c.tokens, cluster.tokens, position))
          .sort((a, b) => a.born - b.born);
        if (all.length < this.#familySizeFor(all.map((c) => c.tokens[position] as string))) continue;
        const survivor = all[0] as Cluster;
        this.#unindex(survivor);
        survivor.tokens = survivor.tokens.slice();
        survivor.tokens[position] = all.map((c) => c.tokens[position] as string).reduce(widenToken);
        survivor.display = all.map((c) => c.display).reduce((a, b) => widen(a, b));
        survivor.text = undefined;
        for (const other of all.slice(1)) merged.push(this.#absorb(survivor, other));
        this.#index(survivor);
        queue.push(survivor.id);
        break;
      }
      // Templates that the (generalised) cluster now covers join it.
      const current = this.#byId.get(cluster.id);
      if (current === undefined) continue;
      const group = this.#groups.get(current.tokens.length);
      if (group === undefined) continue;
      const constants = current.tokens.filter((t) => t !== WILDCARD).length;
      for (const other of constants === 0 ? [] : [...group.values()]) {
        if (other === current || !covers(current.tokens, other.tokens)) continue;
        const [older, younger] = other.born < current.born ? [other, current] : [current, other];
        this.#unindex(older);
        older.display = widen(widen(current.display, other.display), older.display);
        older.tokens = current.tokens.slice();
        older.text = undefined;
        merged.push(this.#absorb(older, younger));
        this.#index(older);
        queue.push(older.id);
        break;
      }
    }
    return merged;
  }

  /**
   * Capitalised words (`Started`, `GET`, `RUNNING`, class names) are mostly a program's own vocabulary, lower-case
   * ones (users, hosts, files) mostly data: the former need two more distinct values to count as a variable.
   */
  #familySizeFor(values: readonly string[]): number {
    const capitalised = values.some((v) => /^[^A-Za-z]*[A-Z]/.test(v));
    return capitalised ? this.#familySize + 2 : this.#familySize;
  }

  /** Moves `other` into `survivor` (whose tokens the caller already set); returns the id merged away. */
  #absorb(survivor: Cluster, other: Cluster): string {
    this.#remove(other);
    survivor.count += other.count;
    survivor.lastSeen = Math.max(survivor.lastSeen, other.lastSeen);
    this.#aliases.set(other.id, survivor.id);
    this.#merges++;
    // Ids merged away stay resolvable for a while (ten times the group cap), not for ever.
    if (this.#aliases.size > this.#maxPerGroup * 10) {
      const oldest = this.#aliases.keys().next().value;
      if (oldest !== undefined) this.#aliases.delete(oldest);
    }
    return other.id;
  }
}
