import type { Clock, TimerHandle } from '@opsloop/kit';
import type { ExemplarAppender } from '../exemplars/exemplar-store.js';
import { METRIC_NAME_LABEL, labelsKey, type Labels } from '../model/labels.js';
import type { SampleAppender } from '../model/series-store.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { SYNTHETIC_SERIES, appendScrape } from './scrape-once.js';
import type { ScrapeBody, ScrapeFetch, ScrapeTarget, TargetHealth } from './scrape-target.js';

/** Options of {@link createScrapeManager}. */
export interface ScrapeManagerOptions {
  appender: SampleAppender;
  clock: Clock;
  fetch: ScrapeFetch;
  /** Time between two scrapes of a target; 5 s by default. */
  intervalMs?: number;
  /** A scrape slower than this fails (`up` 0); the interval by default, capped at 10 s. */
  timeoutMs?: number;
  /** Called when an append or commit throws (e.g. the disk is full); scraping goes on. */
  onStoreError?: (error: unknown) => void;
  /** Where scraped exemplars go (OpenMetrics targets); dropped when absent. */
  exemplars?: ExemplarAppender;
}

/** Scrapes a changing set of targets on a fixed interval. */
export interface ScrapeManager {
  /** Replaces the target set: new targets start, removed ones get staleness markers and stop. */
  setTargets(targets: readonly ScrapeTarget[]): void;
  /** Every target's health, in URL order. */
  targets(): TargetHealth[];
  /** Scrapes every target once now (tests and `opsloop query` right after start). */
  scrapeAll(): Promise<void>;
  /** Stops scraping; every series scraped so far is marked stale. */
  stop(): Promise<void>;
}

interface TargetState {
  target: ScrapeTarget;
  key: string;
  timer: TimerHandle | null;
  running: Promise<void> | null;
  previous: Map<string, Labels>;
  health: TargetHealth;
  removed: boolean;
}

/**
 * Prometheus's scrape loop for one machine: each target on its own timer, offset inside the interval by a
 * hash of its URL so scrapes spread out, `up` and staleness as Prometheus has them, and a commit (WAL flush)
 * per scrape. A slow or dead target only ever costs its own loop a timeout.
 */
export function createScrapeManager(options: ScrapeManagerOptions): ScrapeManager {
  const intervalMs = options.intervalMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? Math.min(intervalMs, 10_000);
  const { clock, appender } = options;
  const states = new Map<string, TargetState>();
  let stopped = false;

  const storeError = (error: unknown) => options.onStoreError?.(error);

  const scrape = (state: TargetState): Promise<void> => {
    state.running ??= (async () => {
      const start = clock.now();
      let result: ScrapeBody | { error: string };
      try {
        const body = await options.fetch(state.target.url, timeoutMs);
        result = typeof body === 'string' ? { text: body } : body;
      } catch (cause) {
        result = { error: cause instanceof Error ? cause.message : String(cause) };
      }
      if (state.removed || stopped) return;
      const durationMs = clock.now() - start;
      try {
        const outcome = appendScrape(
          appender,
          state.target,
          start,
          durationMs,
          result,
          state.previous,
          options.exemplars,
        );
        state.previous = outcome.seen;
        state.health = {
          ...state.health,
          health: outcome.ok ? 'up' : 'down',
          lastScrape: start,
          lastScrapeDurationMs: durationMs,
          lastError: outcome.error,
          samples: outcome.samples,
        };
        await appender.commit();
      } catch (error) {
        storeError(error);
      }
    })().finally(() => {
      state.running = null;
    });
    return state.running;
  };

  // A fixed grid per target, like Prometheus's ticker: the next slot is planned before this scrape runs, so a
  // slow scrape never shifts the ones after it (a scrape still running at its next slot skips that slot).
  const schedule = (state: TargetState) => {
    const delay = offsetOf(state.key, intervalMs, clock.now()) || intervalMs;
    state.timer = clock.after(delay, () => {
      state.timer = null;
      if (state.removed || stopped) return;
      schedule(state);
      if (state.running === null) void scrape(state);
    });
  };

  const markStale = (state: TargetState) => {
    const now = clock.now();
    try {
      for (const labels of state.previous.values()) appender.append(labels, now, STALE_NAN);
      for (const name of SYNTHETIC_SERIES)
        appender.append({ ...state.target.labels, [METRIC_NAME_LABEL]: name }, now, STALE_NAN);
    } catch (error) {
      // An out-of-order marker (the target's last scrape ended in this very ms) only means it is stale anyway.
      if (!(error instanceof Error && error.name === 'OutOfOrderSampleError')) storeError(error);
    }
    state.previous = new Map();
  };

  const remove = async (state: TargetState) => {
    state.removed = true;
    state.timer?.cancel();
    await state.running;
    if (state.health.lastScrape !== null) markStale(state);
  };

  return {
    setTargets(targets) {
      if (stopped) return;
      const wanted = new Map(targets.map((t) => [`${t.url}|${labelsKey(t.labels)}`, t]));
      for (const [key, state] of states) {
        if (wanted.has(key)) continue;
        states.delete(key);
        void remove(state).then(() => appender.commit().catch(storeError));
      }
      for (const [key, target] of wanted) {
        if (states.has(key)) continue;
        const state: TargetState = {
          target,
          key,
          timer: null,
          running: null,
          previous: new Map(),
          removed: false,
          health: {
            url: target.url,
            labels: target.labels,
            health: 'unknown',
            lastScrape: null,
            lastScrapeDurationMs: null,
            lastError: null,
            samples: 0,
          },
        };
        states.set(key, state);
        schedule(state);
      }
    },
    targets: () =>
      [...states.values()].map((s) => s.health).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)),
    async scrapeAll() {
      await Promise.all([...states.values()].map((state) => scrape(state)));
    },
    async stop() {
      if (stopped) return;
      const all = [...states.values()];
      states.clear();
      await Promise.all(all.map((state) => remove(state)));
      stopped = true;
      await appender.commit().catch(storeError);
    },
  };
}

/** The delay to a target's first scrape: its fixed slot in the interval (a hash of its key), as Prometheus. */
function offsetOf(key: string, intervalMs: number, nowMs: number): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619) >>> 0;
  const slot = hash % intervalMs;
  return (slot - (nowMs % intervalMs) + intervalMs) % intervalMs;
}
