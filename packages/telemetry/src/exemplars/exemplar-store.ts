import { labelsKey, matchesAll, type LabelMatcher, type Labels } from '../model/labels.js';
import { compareLabels } from '../promql/label-sets.js';
import type { Exemplar, ExemplarSeries } from './exemplar.js';

/** Prometheus's default `storage.exemplars.max_exemplars`. */
export const DEFAULT_MAX_EXEMPLARS = 100_000;

/** What became of an appended exemplar. */
export type ExemplarAppendResult = 'added' | 'duplicate' | 'out_of_order' | 'disabled';

/** Options of {@link createExemplarStore}. */
export interface ExemplarStoreOptions {
  /** Exemplars kept across all series; the oldest is overwritten first. 0 stores none. Default 100 000. */
  maxExemplars?: number;
}

/** Reads exemplars of the series matching any of the matcher sets. */
export interface ExemplarQuerier {
  /** Exemplars with `startMs <= t <= endMs` of every series matching any matcher set, series sorted by labels. */
  select(startMs: number, endMs: number, matcherSets: readonly (readonly LabelMatcher[])[]): ExemplarSeries[];
}

/** Where scrapes put exemplars. */
export interface ExemplarAppender {
  /** Stores `exemplar` for the series `seriesLabels` unless it repeats or predates that series' newest. */
  append(seriesLabels: Labels, exemplar: Exemplar): ExemplarAppendResult;
}

/** A bounded in-memory exemplar store. */
export interface ExemplarStore extends ExemplarQuerier, ExemplarAppender {
  /** Exemplars held now. */
  readonly size: number;
  readonly capacity: number;
}

interface SeriesEntry {
  readonly labels: Labels;
  readonly key: string;
  oldest: number;
  newest: number;
}

interface Slot {
  series: SeriesEntry;
  exemplar: Exemplar;
  /** The next (newer) slot of the same series; -1 for its newest. */
  next: number;
}

/**
 * Prometheus's `CircularExemplarStorage`, in memory: one ring of `maxExemplars` slots shared by all series,
 * each series a chain through the ring from its oldest to its newest exemplar. A new exemplar overwrites
 * the oldest slot (the oldest exemplar of some series, which then starts at its next one). An exemplar
 * equal to its series' newest (the same exemplar scraped again each interval) is dropped, and so is one
 * older than the newest.
 *
 * Not persisted: exemplars are lost on restart (Prometheus also replays them from its WAL).
 */
export function createExemplarStore(options: ExemplarStoreOptions = {}): ExemplarStore {
  const capacity = options.maxExemplars ?? DEFAULT_MAX_EXEMPLARS;
  if (!Number.isSafeInteger(capacity) || capacity < 0)
    throw new RangeError(`maxExemplars must be a non-negative integer, got ${capacity}`);
  const ring: (Slot | undefined)[] = [];
  const index = new Map<string, SeriesEntry>();
  let nextSlot = 0;
  let size = 0;

  const evict = (at: number) => {
    const old = ring[at];
    if (old === undefined) return;
    size -= 1;
    // The ring's oldest slot is always the oldest of its series' chain.
    if (old.series.newest === at) index.delete(old.series.key);
    else old.series.oldest = old.next;
  };

  return {
    get size() {
      return size;
    },
    capacity,
    append(seriesLabels, exemplar) {
      if (capacity === 0) return 'disabled';
      const key = labelsKey(seriesLabels);
      let series = index.get(key);
      if (series !== undefined) {
        const newest = ring[series.newest]!.exemplar;
        if (sameExemplar(newest, exemplar)) return 'duplicate';
        if (exemplar.timestampMs < newest.timestampMs) return 'out_of_order';
      }
      const at = nextSlot;
      evict(at);
      // Evicting may have removed this very series (its only exemplar was in this slot).
      series = index.get(key);
      if (series === undefined) {
        series = { labels: seriesLabels, key, oldest: at, newest: at };
        index.set(key, series);
      } else {
        ring[series.newest]!.next = at;
        series.newest = at;
      }
      ring[at] = { series, exemplar, next: -1 };
      size += 1;
      nextSlot = (at + 1) % capacity;
      return 'added';
    },
    select(startMs, endMs, matcherSets) {
      const out: ExemplarSeries[] = [];
      for (const series of index.values()) {
        if (!matcherSets.some((matchers) => matchesAll(matchers, series.labels))) continue;
        const exemplars: Exemplar[] = [];
        for (let at = series.oldest; at !== -1; at = ring[at]!.next) {
          const { exemplar } = ring[at]!;
          if (exemplar.timestampMs >= startMs && exemplar.timestampMs <= endMs) exemplars.push(exemplar);
        }
        if (exemplars.length > 0) out.push({ seriesLabels: series.labels, exemplars });
      }
      return out.sort((a, b) => compareLabels(a.seriesLabels, b.seriesLabels));
    },
  };
}

function sameExemplar(a: Exemplar, b: Exemplar): boolean {
  if (a.timestampMs !== b.timestampMs || !Object.is(a.value, b.value)) return false;
  return labelsKey(a.labels) === labelsKey(b.labels);
}
