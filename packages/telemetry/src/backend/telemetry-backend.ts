import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Clock, TimerHandle } from '@opsloop/kit';
import { createRuleEvaluator } from '../alerting/rule-evaluator.js';
import type { RuleEvaluator } from '../alerting/rule-evaluator-types.js';
import type { RuleGroup } from '../alerting/rule-types.js';
import { rulesApiPlugin } from '../alerting/rules-api.js';
import type { PostableAlert } from '../alerting/alert-types.js';
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
  /** Receives alerts after each evaluation (a notifier). */
  notify?: (alerts: readonly PostableAlert[]) => void;
}

/** The embedded metrics, logs and traces stores, their query engines, the scraper, and their HTTP routes. */
export interface TelemetryBackend {
  readonly tsdb: Tsdb;
  readonly logs: LogStore;
  readonly traces: TraceStore;
  readonly engine: PromqlEngine;
  /** The metrics port over the embedded TSDB (what the AIOps layer reads). */
  readonly metrics: MetricsSource;
  readonly scraper: ScrapeManager;
  /** Evaluates the rules (none when none were given). */
  readonly rules: RuleEvaluator;
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

/**
 * Opens (or creates) the embedded telemetry backend in `dir`. What it stored before a restart is queryable
 * again at once; retention runs every minute.
 */
export async function createTelemetryBackend(options: TelemetryBackendOptions): Promise<TelemetryBackend> {
  const now = () => options.clock.now();
  const warn = options.onWarning ?? (() => undefined);
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
  const scraper = createScrapeManager({
    appender: tsdb,
    clock: options.clock,
    fetch: options.scrapeFetch ?? createHttpScrapeFetch(),
    ...(options.scrapeIntervalMs === undefined ? {} : { intervalMs: options.scrapeIntervalMs }),
    onStoreError: (error) => warn(`metrics store: ${error instanceof Error ? error.message : String(error)}`),
  });

  const metrics = createEmbeddedMetricsSource({ engine, querier: tsdb });
  const ruleErrors = new Map<string, string>();
  const rules = createRuleEvaluator({
    source: metrics,
    clock: options.clock,
    groups: options.rules ?? [],
    appender: tsdb,
    evaluationInterval: '30s',
    ...(options.notify ? { notify: options.notify } : {}),
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
    engine,
    metrics,
    scraper,
    rules,
    async registerRoutes(app) {
      await app.register(prometheusApiPlugin({ engine, querier: tsdb, now }));
      await app.register(rulesApiPlugin({ evaluator: rules }));
      await app.register(lokiApiPlugin({ store: logStore, now }));
      await app.register(traceApiPlugin({ store: traceStore, now }));
    },
    close() {
      closing ??= (async () => {
        retentionTimer?.cancel();
        await rules.stop();
        await scraper.stop();
        await Promise.allSettled([tsdb.close(), logStore.close(), traceStore.close()]);
      })();
      return closing;
    },
  };
}
