import { randomUUID } from 'node:crypto';
import { matchesAll, matchesValue, type LabelMatcher, type Labels } from '../model/labels.js';

/** Where a silence is in its life. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** A silence: alerts matching every matcher are muted between `startsAtMs` and `endsAtMs`. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly updatedAtMs: number;
  /** At the time of the call that returned it. */
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

/** A silence Alertmanager would refuse, or an operation on an unknown/expired one. */
export class SilenceError extends Error {
  override readonly name = 'SilenceError';
}

/** Alertmanager's silences, in memory. */
export interface SilenceStore {
  /** Validates and adds a silence; returns it with its id. */
  create(input: SilenceInput): Silence;
  /** Every silence (expired ones included), newest first. */
  list(): Silence[];
  get(id: string): Silence | undefined;
  /** Ends a pending or active silence now; throws a {@link SilenceError} when unknown or already expired. */
  expire(id: string): Silence;
  /** Ids of the active silences muting an alert with these labels. */
  mutedBy(labels: Labels): string[];
}

/** Options of {@link createSilenceStore}. */
export interface SilenceStoreOptions {
  now: () => number;
  /** Injected for deterministic tests; random UUIDs by default. */
  newId?: () => string;
}

type Stored = Omit<Silence, 'state'>;

/** Creates an empty {@link SilenceStore} reading time from `now`. */
export function createSilenceStore(options: SilenceStoreOptions): SilenceStore {
  const silences = new Map<string, Stored>();
  const newId = options.newId ?? randomUUID;
  const stateOf = (s: Stored, now: number): SilenceState =>
    now >= s.endsAtMs ? 'expired' : now < s.startsAtMs ? 'pending' : 'active';
  const view = (s: Stored): Silence => ({ ...s, state: stateOf(s, options.now()) });

  return {
    create(input) {
      const now = options.now();
      const startsAtMs = input.startsAtMs ?? now;
      if (input.matchers.length === 0) throw new SilenceError('a silence needs at least one matcher');
      // A silence whose matchers all match the empty label set would mute every alert.
      if (input.matchers.every((m) => matchesValue(m, ''))) {
        throw new SilenceError('at least one matcher must not match the empty string');
      }
      if (!(input.endsAtMs > startsAtMs)) throw new SilenceError('endsAt must be after startsAt');
      if (input.endsAtMs <= now) throw new SilenceError('endsAt is in the past');
      if (input.createdBy.trim() === '') throw new SilenceError('createdBy is required');
      if (input.comment.trim() === '') throw new SilenceError('comment is required');
      const silence: Stored = {
        id: newId(),
        matchers: [...input.matchers],
        startsAtMs: Math.max(startsAtMs, now),
        endsAtMs: input.endsAtMs,
        createdBy: input.createdBy,
        comment: input.comment,
        updatedAtMs: now,
      };
      silences.set(silence.id, silence);
      return view(silence);
    },

    list() {
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
      if (s === undefined) throw new SilenceError(`no silence ${id}`);
      const now = options.now();
      const state = stateOf(s, now);
      if (state === 'expired') throw new SilenceError(`silence ${id} already expired`);
      // As Alertmanager: a pending silence is moved to start and end now, an active one ends now.
      const expired: Stored = {
        ...s,
        startsAtMs: state === 'pending' ? now : s.startsAtMs,
        endsAtMs: now,
        updatedAtMs: now,
      };
      silences.set(id, expired);
      return view(expired);
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
