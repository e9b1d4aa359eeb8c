import type { Clock, TimerHandle } from '@opsloop/kit';
import type { Labels, MetricsSource, PostableAlert } from '@opsloop/telemetry';
import type { DetectorFactory } from '../detectors/detector.js';
import { defaultDetector } from '../detectors/registry.js';
import { anomalyAlert } from './anomaly-alerts.js';
import type { AnomalyEvent, LiveSeriesStatus, LiveSignal } from './anomaly-event.js';
import { LiveSeries, seriesKey, type EpisodeRules, type LiveSeriesSnapshot } from './live-series.js';
import type { LiveState, LiveStateStore } from './live-state-file.js';

/**
 * The ensemble's corpus-wide threshold in NAB's live mode (no min/max known in advance), standard profile
 * (bench/results/nab.json, `live.thresholds.standard`): the score above which a point is anomalous.
 */
export const LIVE_THRESHOLD = 0.84;

/** Options of {@link createLiveDetection}. */
export interface LiveDetectionOptions {
  /** The telemetry query API (embedded store or Prometheus). */
  source: Pick<MetricsSource, 'instantQuery' | 'rangeQuery'>;
  clock: Clock;
  /** What to watch: each query returns one series per service. */
  signals: readonly LiveSignal[];
  /** The ensemble by default. */
  detector?: DetectorFactory;
  /** Time between two evaluations; 15 s by default. */
  intervalMs?: number;
  /** {@link LIVE_THRESHOLD} by default. */
  threshold?: number;
  /** Points a series is scored on before its anomalies are reported; 240 (an hour at 15 s) by default. */
  warmupPoints?: number;
  /** Consecutive points back in the expected band that resolve an episode; 4 by default. */
  clearAfter?: number;
  /** Consecutive points scored below the threshold that resolve an episode (a new normal); 20 by default. */
  quietAfter?: number;
  /** Events kept (firing and resolved, newest kept); 1000 by default. */
  maxEvents?: number;
  /** Where the state survives restarts; none (memory only) when absent. */
  store?: LiveStateStore;
  /** Time between two saves of the state; 60 s by default (and always at stop). */
  snapshotIntervalMs?: number;
  /** History replayed into the detectors at start (from the store's last point, at most this far back); 1 h. */
  backfillMs?: number;
  /** A series with no point for this long is forgotten; 24 h by default. */
  forgetAfterMs?: number;
  /** An episode opened, updated (a higher score, or worse than it was: see AnomalyEvent.worst) or resolved. */
  onEvent?: (change: { kind: 'opened' | 'updated' | 'resolved'; event: AnomalyEvent }) => void;
  /** Alerts of the episodes, for the alert pipeline: firing ones at every evaluation, resolved ones once. */
  onAlerts?: (alerts: readonly PostableAlert[]) => void;
  /** A query or the state store failed (reported when the message changes, not at every evaluation). */
  onError?: (message: string) => void;
}

/** Filter of {@link LiveDetection.events}. */
export interface AnomalyEventFilter {
  service?: string;
  state?: 'firing' | 'resolved';
  /** At most this many, newest first. */
  limit?: number;
}

/** Anomaly detection running on live series. */
export interface LiveDetection {
  /** Restores the saved state, replays recent history, then evaluates every interval. */
  start(): Promise<void>;
  /** One evaluation at the clock's time (what the timer runs). */
  tick(): Promise<void>;
  /** Episodes, newest first. */
  events(filter?: AnomalyEventFilter): AnomalyEvent[];
  /** Every watched series, by service then signal. */
  series(): LiveSeriesStatus[];
  /**
   * The learnt state of one service's series of `signal` (the one labelled with `service` only), for canary
   * analysis to judge a new revision with the very detector production runs; `undefined` when not watched.
   * A copy: using it changes nothing here.
   */
  seriesState(service: string, signal: string): LiveSeriesSnapshot | undefined;
  /** Saves the state now. */
  save(): Promise<void>;
  /** Stops evaluating, waits for an evaluation in progress and saves the state. */
  stop(): Promise<void>;
}

/**
 * Runs a streaming detector (the ensemble unless told otherwise) on every series the signals' queries return,
 * every interval: a point scoring at or above the threshold, out of its series' expected band, opens an episode (an
 * {@link AnomalyEvent} with the value and what was expected), which resolves once the series is back in
 * the band or its new level has become normal. Episodes go to `onEvent`, to the
 * alert pipeline and to {@link LiveDetection.events}; the detectors' states are saved and restored.
 */
export function createLiveDetection(options: LiveDetectionOptions): LiveDetection {
  const { clock, source } = options;
  const factory = options.detector ?? defaultDetector();
  const intervalMs = options.intervalMs ?? 15_000;
  const rules: EpisodeRules = {
    threshold: options.threshold ?? LIVE_THRESHOLD,
    warmupPoints: options.warmupPoints ?? 240,
    clearAfter: options.clearAfter ?? 4,
    quietAfter: options.quietAfter ?? 20,
  };
  const maxEvents = options.maxEvents ?? 1000;
  const snapshotIntervalMs = options.snapshotIntervalMs ?? 60_000;
  const forgetAfterMs = options.forgetAfterMs ?? 24 * 3_600_000;
  const signals = new Map(options.signals.map((s) => [s.name, s]));
  const series = new Map<string, LiveSeries>();
  /** Oldest first. */
  let events: AnomalyEvent[] = [];
  const errors = new Map<string, string>();
  let timer: TimerHandle | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastSaveMs = clock.now();

  const report = (key: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (errors.get(key) === message) return;
    errors.set(key, message);
    options.onError?.(`${key}: ${message}`);
  };

  const seriesFor = (signal: LiveSignal, labels: Labels): LiveSeries => {
    const service = labels['service'] ?? '';
    const key = seriesKey(service, signal.name, labels);
    let s = series.get(key);
    if (s === undefined) {
      s = new LiveSeries(signal, service, { ...labels }, factory, rules);
      series.set(key, s);
    }
    return s;
  };

  const record = (event: AnomalyEvent) => {
    const i = events.findLastIndex((e) => e.id === event.id);
    if (i >= 0) events[i] = event;
    else {
      events.push(event);
      if (events.length > maxEvents) events = events.slice(events.length - maxEvents);
    }
  };

  const restore = (state: LiveState) => {
    /** Why series could not be restored, with how many: one line each, not one per series. */
    const refused = new Map<string, number>();
    for (const snap of state.series) {
      const signal = signals.get(snap.signal);
      if (signal === undefined) continue; // no longer watched
      try {
        const s = new LiveSeries(signal, snap.service, snap.labels, factory, rules, snap);
        series.set(s.key, s);
      } catch (error) {
        // Another detector or state layout (an upgrade): that series learns again.
        const reason = error instanceof Error ? error.message : String(error);
        refused.set(reason, (refused.get(reason) ?? 0) + 1);
      }
    }
    for (const [reason, count] of refused) {
      options.onError?.(`restore: ${count} series start learning again (${reason})`);
    }
    events = state.events.slice(-maxEvents);
  };

  const backfill = async (endMs: number) => {
    const startMs = endMs - (options.backfillMs ?? 3_600_000);
    for (const signal of signals.values()) {
      try {
        const result = await source.rangeQuery(signal.query, startMs, endMs, intervalMs);
        if (result.type !== 'matrix') continue;
        for (const row of result.series) {
          const s = seriesFor(signal, row.labels);
          for (let i = 0; i < row.values.length; i++) s.learn(row.timestampsMs[i]!, row.values[i]!);
        }
        errors.delete(`backfill ${signal.name}`);
      } catch (error) {
        report(`backfill ${signal.name}`, error);
      }
    }
  };

  const evaluate = async () => {
    const at = clock.now();
    const resolved: AnomalyEvent[] = [];
    for (const signal of signals.values()) {
      let result;
      try {
        result = await source.instantQuery(signal.query, at);
        errors.delete(`query ${signal.name}`);
      } catch (error) {
        report(`query ${signal.name}`, error);
        continue;
      }
      if (result.type !== 'vector') continue;
      for (const sample of result.samples) {
        const change = seriesFor(signal, sample.labels).observe(at, sample.value);
        if (change.kind === 'none') continue;
        record(change.event);
        if (change.kind === 'resolved') resolved.push(change.event);
        options.onEvent?.({ kind: change.kind, event: change.event });
      }
    }
    for (const [key, s] of series) {
      const last = s.lastAt;
      if (last !== null && at - last > forgetAfterMs && s.firing() === null) series.delete(key);
    }
    if (options.onAlerts) {
      const until = at + 4 * intervalMs;
      const firing = [...series.values()].flatMap((s) => {
        const e = s.firing();
        return e === null ? [] : [anomalyAlert(e, until, s.signal.title)];
      });
      const alerts = [
        ...firing,
        ...resolved.map((e) => anomalyAlert(e, at, signals.get(e.signal)?.title ?? e.signal)),
      ];
      if (alerts.length > 0) options.onAlerts(alerts);
    }
    if (at - lastSaveMs >= snapshotIntervalMs) await save();
  };

  const save = async () => {
    if (options.store === undefined) return;
    lastSaveMs = clock.now();
    const state: LiveState = {
      version: 1,
      savedAtMs: lastSaveMs,
      series: [...series.values()].map((s) => s.snapshot()),
      events,
    };
    try {
      await options.store.save(state);
      errors.delete('save');
    } catch (error) {
      report('save', error);
    }
  };

  const tick = () => {
    running ??= evaluate().finally(() => {
      running = null;
    });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.after(intervalMs, () => {
      void tick().finally(schedule);
    });
  };

  return {
    async start() {
      if (options.store) {
        try {
          const state = await options.store.load();
          if (state) restore(state);
        } catch (error) {
          report('restore', error);
        }
      }
      await backfill(clock.now());
      schedule();
    },
    tick,
    events(filter = {}) {
      const out: AnomalyEvent[] = [];
      for (let i = events.length - 1; i >= 0 && out.length < (filter.limit ?? Infinity); i--) {
        const e = events[i]!;
        if (filter.service !== undefined && e.service !== filter.service) continue;
        if (filter.state !== undefined && e.state !== filter.state) continue;
        out.push(e);
      }
      return out;
    },
    series() {
      return [...series.values()]
        .map((s) => s.status())
        .sort((a, b) => a.service.localeCompare(b.service) || a.signal.localeCompare(b.signal));
    },
    seriesState(service, signal) {
      const snapshot = series.get(seriesKey(service, signal, { service }))?.snapshot();
      // A snapshot shares the series' labels (and may share the detector's arrays): a deep copy keeps it read-only.
      return snapshot === undefined ? undefined : structuredClone(snapshot);
    },
    save,
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
      await save();
    },
  };
}
