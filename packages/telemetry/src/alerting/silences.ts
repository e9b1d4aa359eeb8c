import { randomUUID } from 'node:crypto';
import { anchoredRegex, matchesAll, matchesValue, type LabelMatcher, type Labels } from '../model/labels.js';

/** Where a silence is in its life. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** A silence as stored: alerts matching every matcher are muted between `startsAtMs` and `endsAtMs`. */
export interface StoredSilence {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly updatedAtMs: number;
}

/** A silence with its state at the time of the call that returned it. */
export interface Silence extends StoredSilence {
  readonly state: SilenceState;
}

/** What {@link SilenceStore.create} takes. */
export interface SilenceInput {
  readonly matchers: readonly LabelMatcher[];
  /** Now when absent. */
  readonly startsAtMs?: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** A silence Alertmanager would refuse, or an operation on an expired one. */
export class SilenceError extends Error {
  override readonly name: string = 'SilenceError';
}

/** An operation on a silence id the store does not know (or no longer keeps). */
export class SilenceNotFoundError extends SilenceError {
  override readonly name = 'SilenceNotFoundError';
}

/** Expiring a silence that has already ended. */
export class SilenceExpiredError extends SilenceError {
  override readonly name = 'SilenceExpiredError';
}

/** Alertmanager's silences. */
export interface SilenceStore {
  /** Validates and adds a silence; returns it with its id. */
  create(input: SilenceInput): Silence;
  /**
   * Alertmanager's update of silence `id`: changed in place (same id) when only what its state allows
   * changed (an active one: its end and texts; a pending one: anything but a start in the past); otherwise
   * the old one is expired and a new one created. Throws a {@link SilenceNotFoundError} for an unknown id.
   */
  update(id: string, input: SilenceInput): Silence;
  /** Every silence kept (expired ones within the retention included), newest first. */
  list(): Silence[];
  get(id: string): Silence | undefined;
  /** Ends a pending or active silence now; throws when unknown or already expired. */
  expire(id: string): Silence;
  /** Ids of the active silences muting an alert with these labels. */
  mutedBy(labels: Labels): string[];
}

/** Options of {@link createSilenceStore}. */
export interface SilenceStoreOptions {
  now: () => number;
  /** Injected for deterministic tests; random UUIDs by default. */
  newId?: () => string;
  /** Silences to start with (a loaded snapshot), kept as they are. */
  initial?: readonly StoredSilence[];
  /** Expired silences are dropped once expired this long; Alertmanager's 120 h by default. */
  retentionMs?: number;
  /** Called with every kept silence after each change (to persist them); a throw fails the change. */
  onChange?: (silences: readonly StoredSilence[]) => void;
}

/** Alertmanager's `--data.retention` default. */
export const SILENCE_RETENTION_MS = 120 * 3_600_000;

const stateOf = (s: StoredSilence, now: number): SilenceState =>
  now >= s.endsAtMs ? 'expired' : now < s.startsAtMs ? 'pending' : 'active';

const sameMatchers = (a: readonly LabelMatcher[], b: readonly LabelMatcher[]) =>
  a.length === b.length &&
  a.every((m, i) => m.name === b[i]!.name && m.type === b[i]!.type && m.value === b[i]!.value);

function validate(input: SilenceInput, now: number): void {
  const startsAtMs = input.startsAtMs ?? now;
  if (input.matchers.length === 0) throw new SilenceError('a silence needs at least one matcher');
  for (const m of input.matchers) {
    if (m.type !== '=~' && m.type !== '!~') continue;
    try {
      anchoredRegex(m.value);
    } catch (error) {
      throw new SilenceError(`bad regular expression in matcher ${m.name}: ${(error as Error).message}`);
    }
  }
  // A silence whose matchers all match the empty label set would mute every alert.
  if (input.matchers.every((m) => matchesValue(m, ''))) {
    throw new SilenceError('at least one matcher must not match the empty string');
  }
  if (!(input.endsAtMs > startsAtMs)) throw new SilenceError('endsAt must be after startsAt');
  if (input.endsAtMs <= now) throw new SilenceError('endsAt is in the past');
  if (input.createdBy.trim() === '') throw new SilenceError('createdBy is required');
  if (input.comment.trim() === '') throw new SilenceError('comment is required');
}

/** Alertmanager's `canUpdate`: whether `next` may replace `prev` in place at `now`. */
function canUpdateInPlace(prev: StoredSilence, next: SilenceInput, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (stateOf(prev, now)) {
    case 'active':
      return (next.startsAtMs ?? prev.startsAtMs) === prev.startsAtMs && next.endsAtMs >= now;
    case 'pending':
      return (next.startsAtMs ?? now) >= now;
    case 'expired':
      return false;
  }
}

/** Creates a {@link SilenceStore} reading time from `now`. */
export function createSilenceStore(options: SilenceStoreOptions): SilenceStore {
  const silences = new Map<string, StoredSilence>((options.initial ?? []).map((s) => [s.id, s]));
  const newId = options.newId ?? randomUUID;
  const retentionMs = options.retentionMs ?? SILENCE_RETENTION_MS;
  const view = (s: StoredSilence): Silence => ({ ...s, state: stateOf(s, options.now()) });

  const gc = (now: number) => {
    for (const [id, s] of silences) if (s.endsAtMs + retentionMs < now) silences.delete(id);
  };
  gc(options.now());

  /** Applies `changes` and persists them; on a persistence failure the store is left as it was. */
  const commit = (changes: readonly StoredSilence[]) => {
    const before = new Map(silences);
    for (const s of changes) silences.set(s.id, s);
    gc(options.now());
    try {
      options.onChange?.([...silences.values()]);
    } catch (error) {
      silences.clear();
      for (const [id, s] of before) silences.set(id, s);
      throw error;
    }
  };

  const fresh = (input: SilenceInput, now: number): StoredSilence => ({
    id: newId(),
    matchers: [...input.matchers],
    startsAtMs: Math.max(input.startsAtMs ?? now, now),
    endsAtMs: input.endsAtMs,
    createdBy: input.createdBy,
    comment: input.comment,
    updatedAtMs: now,
  });

  const expired = (s: StoredSilence, now: number): StoredSilence => ({
    ...s,
    // As Alertmanager: a pending silence is moved to start and end now, an active one ends now.
    startsAtMs: stateOf(s, now) === 'pending' ? now : s.startsAtMs,
    endsAtMs: now,
    updatedAtMs: now,
  });

  return {
    create(input) {
      const now = options.now();
      validate(input, now);
      const silence = fresh(input, now);
      commit([silence]);
      return view(silence);
    },

    update(id, input) {
      const now = options.now();
      const prev = silences.get(id);
      if (prev === undefined) throw new SilenceNotFoundError(`no silence ${id}`);
      validate(input, now);
      if (canUpdateInPlace(prev, input, now)) {
        const next: StoredSilence = {
          ...prev,
          // canUpdateInPlace allowed only an unchanged start (active) or one not in the past (pending).
          startsAtMs: input.startsAtMs ?? prev.startsAtMs,
          endsAtMs: input.endsAtMs,
          createdBy: input.createdBy,
          comment: input.comment,
          updatedAtMs: now,
        };
        commit([next]);
        return view(next);
      }
      const replacement = fresh(input, now);
      commit(stateOf(prev, now) === 'expired' ? [replacement] : [expired(prev, now), replacement]);
      return view(replacement);
    },

    list() {
      gc(options.now());
      return [...silences.values()]
        .sort((a, b) => b.updatedAtMs - a.updatedAtMs || b.startsAtMs - a.startsAtMs)
        .map(view);
    },

    get(id) {
      const s = silences.get(id);
      return s === undefined ? undefined : view(s);
    },

    expire(id) {
      const s = silences.get(id);
      if (s === undefined) throw new SilenceNotFoundError(`no silence ${id}`);
      const now = options.now();
      if (stateOf(s, now) === 'expired') throw new SilenceExpiredError(`silence ${id} already expired`);
      const next = expired(s, now);
      commit([next]);
      return view(next);
    },

    mutedBy(labels) {
      const now = options.now();
      const ids: string[] = [];
      for (const s of silences.values()) {
        if (stateOf(s, now) === 'active' && matchesAll(s.matchers, labels)) ids.push(s.id);
      }
      return ids;
    },
  };
}
