/** Plain-JSON state of a TemplateMiner: everything needed to continue with the same ids. */
export interface TemplateMinerSnapshot {
  readonly version: 1;
  readonly tick: number;
  readonly lines: number;
  readonly merges: number;
  readonly evictions: number;
  readonly templates: readonly {
    readonly id: string;
    /** What lines are grouped by. */
    readonly tokens: readonly string[];
    /** What the template shows. */
    readonly display: readonly string[];
    readonly count: number;
    readonly born: number;
    readonly lastSeen: number;
  }[];
  /** Ids merged away, and the id each went into. */
  readonly aliases: readonly (readonly [string, string])[];
  /** Masked line → template id: part of the state, since a remembered line skips the search. */
  readonly cache: readonly (readonly [string, string])[];
}

export class MinerSnapshotError extends Error {
  constructor(reason: string) {
    super(`bad template miner snapshot: ${reason}`);
    this.name = 'MinerSnapshotError';
  }
}

/** The snapshot, checked field by field before anything is replaced (it usually comes from JSON on disk). */
export function checkSnapshot(value: unknown): TemplateMinerSnapshot {
  if (value === null || typeof value !== 'object') throw new MinerSnapshotError('expected an object');
  const s = value as Record<string, unknown>;
  if (s['version'] !== 1) throw new MinerSnapshotError('expected version 1');
  for (const field of ['tick', 'lines', 'merges', 'evictions']) {
    if (typeof s[field] !== 'number') throw new MinerSnapshotError(`${field} must be a number`);
  }
  const templates: unknown = s['templates'];
  if (!Array.isArray(templates)) throw new MinerSnapshotError('templates must be an array');
  for (const entry of templates as unknown[]) {
    const t = (entry ?? {}) as Record<string, unknown>;
    const ok =
      typeof t['id'] === 'string' &&
      isStrings(t['tokens']) &&
      isStrings(t['display']) &&
      t['display'].length === t['tokens'].length &&
      ['count', 'born', 'lastSeen'].every((field) => typeof t[field] === 'number');
    if (!ok) throw new MinerSnapshotError(`template ${JSON.stringify(t['id'])} is malformed`);
  }
  for (const field of ['aliases', 'cache']) {
    const pairs: unknown = s[field];
    if (!Array.isArray(pairs) || !(pairs as unknown[]).every((p) => isStrings(p) && p.length === 2)) {
      throw new MinerSnapshotError(`${field} must be an array of string pairs`);
    }
  }
  return value as TemplateMinerSnapshot;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'string');
}
