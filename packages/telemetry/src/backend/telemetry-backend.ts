import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Clock, TimerHandle } from '@opsloop/kit';
import { createRuleEvaluator } from '../alerting/rule-evaluator.js';
import type { RuleEvaluator } from '../alerting/rule-evaluator-types.js';
import type { RuleGroup } from '../alerting/rule-types.js';
import { rulesApiPlugin } from '../alerting/rules-api.js';
import type { PostableAlert } from '../alerting/alert-types.js';
import { createAlertNotifier } from '../alerting/alert-notifier.js';
import type { AlertNotifier, AlertNotifierOptions } from '../alerting/alert-notifier-types.js';
import { createPersistentSilenceStore } from '../alerting/silence-file.js';
import type { SilenceStore } from '../alerting/silences.js';
import { silencesApiPlugin } from '../alerting/silences-api.js';
import { createExemplarStore, type ExemplarStore } from '../exemplars/exemplar-store.js';
import { createLogStore, type LogStore } from '../logs/log-store.js';
import { lokiApiPlugin } from '../logs/loki-api.js';
import { createEmbeddedMetricsSource } from '../metrics/embedded-metrics-source.js';
import type { MetricsSource } from '../metrics/metrics-source.js';
import { createPromqlEngine, type PromqlEngine } from '../promql/engine.js';
import { prometheusApiPlugin } from '../promql/http-api.js';
import { createHttpScrapeFetch } from '../scrape/http-scrape-fetch.js';
import { createScrapeManager, type ScrapeManager } from '../scrape/scrape-manager.js';
import type { ScrapeFetch } from '../scrape/scrape-target.js';
import { traceApiPlugin } from '../traces/trace-api.js';
import { createTraceStore, type TraceStore } from '../traces/trace-store.js';
import { createTsdb } from '../tsdb/tsdb.js';
import type { Tsdb } from '../tsdb/tsdb-options.js';

const HOUR = 3_600_000;

/** Options of {@link createTelemetryBackend}. */
export interface TelemetryBackendOptions {
  /** Root directory: `metrics/`, `logs/` and `traces/` go under it. */
  dir: string;
  clock: Clock;
  /** Time between two scrapes of a target; 5 s by default. */
  scrapeIntervalMs?: number;
  retention?: { metricsMs?: number; logsMs?: number; tracesMs?: number };
  /** Recovery notes and background failures of the stores (torn tails, a full disk). */
  onWarning?: (message: string) => void;
  /** How targets are scraped; HTTP by default. */
  scrapeFetch?: ScrapeFetch;
  /** Recording and alerting rules evaluated against the embedded store (their output is stored too). */
  rules?: readonly RuleGroup[];
  /** Receives alerts after each evaluation (besides the notifier below). */
  notify?: (alerts: readonly PostableAlert[]) => void;
  /**
   * Alertmanager-style notifications of the rules' alerts (webhooks, grouping, silences, inhibition); none
   * when absent. Silences are kept in `<dir>/silences.json` either way (the silences API serves them).
   */
  notifications?: Omit<AlertNotifierOptions, 'clock' | 'silences'>;
  /** Scraped exemplars kept in memory (all series together, oldest overwritten); 100 000 by default. */
  maxExemplars?: number;
}

/** The embedded metrics, logs and traces stores, their query engines, the scraper, and their HTTP routes. */
export interface TelemetryBackend {
  readonly tsdb: Tsdb;
  readonly logs: LogStore;
  readonly traces: TraceStore;
  /** Exemplars of the scraped series (in memory only: lost on restart). */
  readonly exemplars: ExemplarStore;
  readonly engine: PromqlEngine;
  /** The metrics port over the embedded TSDB (what the AIOps layer reads). */
  readonly metrics: MetricsSource;
  readonly scraper: ScrapeManager;
  /** Evaluates the rules (none when none were given). */
  readonly rules: RuleEvaluator;
  /** Silences, persisted (Alertmanager's API v2 serves them). */
  readonly silences: SilenceStore;
  /** The notifier, when notifications are configured. */
  readonly notifier: AlertNotifier | undefined;
  /**
   * Hands alerts from outside the rules (live anomaly detection) to the same pipeline as the rules' alerts:
   * the notifier (grouping, silences, inhibition, webhooks) and `notify`. Senders refresh firing alerts
   * before their `endsAtMs` and send them once more, resolved, when they end.
   */
  postAlerts(alerts: readonly PostableAlert[]): void;
  /**
   * Registers Prometheus's query API (`/api/v1/…`), Loki's push and query API (`/loki/api/v1/…`) and the
   * OTLP/HTTP receiver with the trace query API (`/v1/traces`, `/api/traces…`) on `app`, each in its own
   * encapsulated scope (they parse bodies differently).
   */
  registerRoutes(app: FastifyInstance): Promise<void>;
  /** Stops scraping (series marked stale), flushes and closes every store. */
  close(): Promise<void>;
}

/** Paths of routes that write (ingest) rather than read: they need another permission than queries. */
export const TELEMETRY_INGEST_ROUTES: readonly string[] = ['/loki/api/v1/push', '/v1/traces'];

/** `METHOD path` of the routes that change alerting state (silences): operators only. */
export const TELEMETRY_OPERATOR_ROUTES: readonly string[] = [
  'POST /api/v2/silences',
  'DELETE /api/v2/silence/:id',
];

/**
 * Opens (or creates) the embedded telemetry backend in `dir`. What it stored before a restart is queryable
 * again at once; retention runs every minute.
 */
export async function createTelemetryBackend(options: TelemetryBackendOptions): Promise<TelemetryBackend> {
  const now = () => options.clock.now();
  const warn = options.onWarning ?? (() => undefined);
  // First: a corrupt silences file stops the start before any store is opened (SilenceFileError).
  const silences = createPersistentSilenceStore({ file: join(options.dir, 'silences.json'), now });
  const tsdb = await createTsdb({
    dir: join(options.dir, 'metrics'),
    now,
    retentionMs: options.retention?.metricsMs ?? 15 * 24 * HOUR,
    onWarning: warn,
  });
  let logs: LogStore | undefined;
  let traces: TraceStore | undefined;
  try {
    logs = await createLogStore({
      dir: join(options.dir, 'logs'),
      now,
      retentionMs: options.retention?.logsMs ?? 7 * 24 * HOUR,
      onWarning: warn,
    });
    traces = await createTraceStore({
      dir: join(options.dir, 'traces'),
      now,
      retentionMs: options.retention?.tracesMs ?? 3 * 24 * HOUR,
    });
  } catch (error) {
    await logs?.close();
    await tsdb.close();
    throw error;
  }
  const logStore = logs;
  const traceStore = traces;
  const engine = createPromqlEngine({ querier: tsdb, now });
  const exemplars = createExemplarStore(
    options.maxExemplars === undefined ? {} : { maxExemplars: options.maxExemplars },
  );
  const scraper = createScrapeManager({
    appender: tsdb,
    exemplars,
    clock: options.clock,
    fetch: options.scrapeFetch ?? createHttpScrapeFetch(),
    ...(options.scrapeIntervalMs === undefined ? {} : { intervalMs: options.scrapeIntervalMs }),
    onStoreError: (error) => warn(`metrics store: ${error instanceof Error ? error.message : String(error)}`),
  });

  const metrics = createEmbeddedMetricsSource({ engine, querier: tsdb, exemplars });
  const notifier = options.notifications
    ? createAlertNotifier({ ...options.notifications, clock: options.clock, silences })
    : undefined;
  const notify =
    notifier === undefined && options.notify === undefined
      ? undefined
      : (alerts: readonly PostableAlert[]) => {
          notifier?.receive(alerts);
          options.notify?.(alerts);
        };
  const ruleErrors = new Map<string, string>();
  const rules = createRuleEvaluator({
    source: metrics,
    clock: options.clock,
    groups: options.rules ?? [],
    appender: tsdb,
    evaluationInterval: '30s',
    ...(notify ? { notify } : {}),
    // Pending and firing alerts keep their `for` progress across a restart (read with staleness markers).
    restoreForState: { querier: tsdb },
    // Reported when a rule's error changes, not at every evaluation.
    onError: (group, rule, error) => {
      const key = `${group}/${rule}`;
      if (ruleErrors.get(key) === error.message) return;
      ruleErrors.set(key, error.message);
      warn(`rule ${key}: ${error.message}`);
    },
  });
  rules.start();

  let retentionTimer: TimerHandle | null = null;
  const retention = () => {
    retentionTimer = options.clock.after(60_000, () => {
      void Promise.all([logStore.enforceRetention(), traceStore.enforceRetention()])
        .catch((error: unknown) =>
          warn(`retention: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(retention);
    });
  };
  retention();

  let closing: Promise<void> | undefined;
  return {
    tsdb,
    logs: logStore,
    traces: traceStore,
    exemplars,
    engine,
    metrics,
    scraper,
    rules,
    silences,
    notifier,
    postAlerts(alerts) {
      if (alerts.length > 0) notify?.(alerts);
    },
    async registerRoutes(app) {
      await app.register(prometheusApiPlugin({ engine, querier: tsdb, now, exemplars }));
      await app.register(rulesApiPlugin({ evaluator: rules }));
      await app.register(
        silencesApiPlugin({ silences, ...(notifier ? { alerts: () => notifier.alerts() } : {}) }),
      );
      await app.register(lokiApiPlugin({ store: logStore, now }));
      await app.register(traceApiPlugin({ store: traceStore, now }));
    },
    close() {
      closing ??= (async () => {
        retentionTimer?.cancel();
        await rules.stop();
        await notifier?.stop();
        await scraper.stop();
        await Promise.allSettled([tsdb.close(), logStore.close(), traceStore.close()]);
      })();
      return closing;
    },
  };
}
