import { join } from 'node:path';
import { LogInsights, gzipJsonFile, type LogEvent, type LogInsightsSnapshot } from '@opsloop/aiops';
import type { Clock, TimerHandle } from '@opsloop/kit';
import type { PostableAlert, TelemetryBackend } from '@opsloop/telemetry';
import type { EventListener } from '../events.js';

/** The counter every service's log templates become in the telemetry store. */
export const LOG_TEMPLATE_METRIC = 'log_template_events_total';

/** Options of {@link startLogWatch}. */
export interface LogWatchOptions {
  backend: TelemetryBackend;
  clock: Clock;
  /** Templates are kept in `<stateDir>/aiops/log-insights.json.gz`. */
  stateDir: string;
  /** How often the counts are written to the store (the scrape interval). */
  intervalMs: number;
  report: EventListener;
  /** Every log event, in full (the incident watch correlates them). */
  onEvent?: (event: LogEvent) => void;
}

/** Log intelligence hosted by the runtime. */
export interface LogWatch {
  readonly insights: LogInsights;
  /** One line of a replica's output (already redacted). */
  observe(service: string, line: string): void;
  /** Writes the counts and saves the state, then stops. */
  stop(): Promise<void>;
}

function isSnapshot(value: unknown): value is LogInsightsSnapshot {
  const s = value as Partial<LogInsightsSnapshot> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.version === 1 &&
    typeof s.services === 'object' &&
    Array.isArray(s.events)
  );
}

/** An event as an alert for the notifier: it resolves on its own (a burst after 5 minutes, a template after 10). */
function alertOf(event: LogEvent): PostableAlert {
  if (event.kind === 'error-burst') {
    const top = event.topTemplates.map((t) => `${t.count}× ${t.template}`).join('; ');
    return {
      labels: { alertname: 'LogErrorBurst', service: event.service, severity: 'warning' },
      annotations: {
        summary: `Burst of errors in the logs of ${event.service}`,
        description: `${event.errors} errors in a minute (usually ${event.baselinePerMinute.toFixed(1)}); ${top}`,
      },
      startsAtMs: event.atMs,
      endsAtMs: event.atMs + 5 * 60_000,
    };
  }
  return {
    labels: {
      alertname: 'NewLogTemplate',
      service: event.service,
      template_id: event.templateId,
      severity: 'info',
    },
    annotations: {
      summary: `New ${event.level} message in the logs of ${event.service}`,
      description: event.template,
      example: event.example,
    },
    startsAtMs: event.atMs,
    endsAtMs: event.atMs + 10 * 60_000,
  };
}

/**
 * Mines every replica's output as it arrives (LogInsights), writes the per-template counts to the telemetry
 * store as `log_template_events_total{service,template_id,level}` every interval, reports new warning
 * templates and error bursts as runtime events and alerts, and keeps the templates across restarts.
 */
export async function startLogWatch(options: LogWatchOptions): Promise<LogWatch> {
  const { backend, clock, report } = options;
  const file = gzipJsonFile(
    join(options.stateDir, 'aiops', 'log-insights.json.gz'),
    isSnapshot,
    'log insights state',
  );
  let snapshot: LogInsightsSnapshot | undefined;
  try {
    snapshot = await file.load();
  } catch (error) {
    report({ type: 'anomaly-detection-warning', message: `log templates start afresh: ${String(error)}` });
  }
  const insights = new LogInsights(
    {
      onEvent: (event) => {
        options.onEvent?.(event);
        report(
          event.kind === 'error-burst'
            ? {
                type: 'log-event',
                kind: event.kind,
                service: event.service,
                summary: `${event.errors} errors in a minute (usually ${event.baselinePerMinute.toFixed(1)})`,
              }
            : {
                type: 'log-event',
                kind: event.kind,
                service: event.service,
                summary: `new ${event.level} message: ${event.template}`,
              },
        );
        backend.postAlerts([alertOf(event)]);
      },
      onEvict: (service, templateId) =>
        report({
          type: 'anomaly-detection-warning',
          message: `${service}: log template ${templateId} forgotten (too many templates)`,
        }),
    },
    snapshot,
  );

  const flushCounts = () => {
    const at = clock.now();
    for (const c of insights.counters()) {
      try {
        backend.tsdb.append(
          { __name__: LOG_TEMPLATE_METRIC, service: c.service, template_id: c.templateId, level: c.level },
          at,
          c.count,
        );
      } catch {
        // Same timestamp as the last flush (a stop right after one): nothing new to say.
      }
    }
  };
  let lastSave = clock.now();
  let timer: TimerHandle | null = null;
  let stopped = false;
  const save = () =>
    file
      .save(insights.snapshot())
      .catch((error: unknown) =>
        report({ type: 'anomaly-detection-warning', message: `log templates not saved: ${String(error)}` }),
      );
  const loop = () => {
    timer = clock.after(options.intervalMs, () => {
      if (stopped) return;
      flushCounts();
      if (clock.now() - lastSave >= 60_000) {
        lastSave = clock.now();
        void save();
      }
      loop();
    });
  };
  loop();

  return {
    insights,
    observe(service, line) {
      if (stopped) return;
      // The fault tooling's own lines (the kit's `chaos: true`) are not the service's behaviour.
      if (line.includes('"chaos":true')) return;
      insights.observe(service, line, clock.now());
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      timer?.cancel();
      flushCounts();
      await save();
    },
  };
}
