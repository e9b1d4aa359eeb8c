import type { Clock, TimerHandle } from '@opsloop/kit';
import { labelsKey, type LogAppendEntry, type ScrapeTarget, type TelemetryBackend } from '@opsloop/telemetry';

/** A replica as the telemetry host sees it. */
export interface ObservedReplica {
  service: string;
  name: string;
  ready: boolean;
  /** `http://127.0.0.1:<port>` once it has a port. */
  url: string | null;
}

/** Options of {@link hostTelemetry}. */
export interface TelemetryHostOptions {
  backend: TelemetryBackend;
  clock: Clock;
  /** Every replica of every service right now. */
  replicas: () => Iterable<ObservedReplica>;
  /** How often the target list follows readiness changes; 1 s by default. */
  syncIntervalMs?: number;
  /** A log line the store refused (never expected: reported, not thrown into the supervisor). */
  onError?: (message: string) => void;
}

/** The runtime's side of the embedded telemetry backend. */
export interface TelemetryHost {
  /** Stores one line of a replica's output (already redacted). */
  recordLine(service: string, replica: string, stream: 'stdout' | 'stderr', line: string): void;
  /** Makes the scrape targets follow the replicas now (also done on a timer). */
  syncTargets(): void;
  close(): Promise<void>;
}

/**
 * Scrapes every ready replica (`job` and `service` = its service, `instance` = the replica, like a
 * Kubernetes pod target), and keeps every replica's output in the log store with `service`, `instance` and `stream`
 * labels. A replica that stops being ready leaves the targets, so its series go stale at once.
 */
export function hostTelemetry(options: TelemetryHostOptions): TelemetryHost {
  const { backend, clock } = options;
  let current = '';
  let timer: TimerHandle | null = null;
  let closed = false;

  const syncTargets = () => {
    const targets: ScrapeTarget[] = [];
    for (const replica of options.replicas()) {
      if (!replica.ready || replica.url === null) continue;
      targets.push({
        url: `${replica.url}/metrics`,
        // `service` too, for services that do not label their own series with it (theirs wins when they do):
        // golden signals and live detection group by it.
        labels: { job: replica.service, instance: replica.name, service: replica.service },
      });
    }
    const key = targets
      .map((t) => `${t.url}${labelsKey(t.labels)}`)
      .sort()
      .join('\n');
    if (key === current) return;
    current = key;
    backend.scraper.setTargets(targets);
  };

  const loop = () => {
    timer = clock.after(options.syncIntervalMs ?? 1000, () => {
      if (closed) return;
      syncTargets();
      loop();
    });
  };
  loop();

  return {
    recordLine(service, replica, stream, line) {
      if (closed || line === '') return;
      const entry: LogAppendEntry = { labels: { service, instance: replica, stream }, line };
      try {
        backend.logs.append(entry);
      } catch (error) {
        options.onError?.(`log store: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    syncTargets,
    async close() {
      closed = true;
      timer?.cancel();
      await backend.close();
    },
  };
}

/**
 * Variables that point a replica's OpenTelemetry SDK at the runtime's OTLP receiver, authenticated with the
 * replica's own token (standard OTel names, so any SDK follows them).
 */
export function otlpExporterEnv(controlUrl: string, token: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: controlUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=${encodeURIComponent(`Bearer ${token}`)}`,
  };
}
