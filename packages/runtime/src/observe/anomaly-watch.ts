import { join } from 'node:path';
import {
  createLiveDetection,
  createLiveStateFile,
  detectorByName,
  goldenLiveSignals,
  logTemplateRateSignal,
  type AnomalyEvent,
  type LiveDetection,
} from '@opsloop/aiops';
import type { Clock } from '@opsloop/kit';
import type { TelemetryBackend } from '@opsloop/telemetry';
import type { EventListener } from '../events.js';
import type { SystemSpec } from '../spec/schema.js';

/** Options of {@link startAnomalyWatch}. */
export interface AnomalyWatchOptions {
  backend: TelemetryBackend;
  clock: Clock;
  settings: SystemSpec['runtime']['aiops']['detection'];
  /** Also watch every log template's rate (when the runtime mines the logs). */
  logTemplates: boolean;
  /** The runtime's state directory: detector states live in `aiops/live-detection.json.gz`. */
  stateDir: string;
  report: EventListener;
  /** Every episode opened or resolved, in full (the incident watch correlates them). */
  onAnomaly?: (change: { kind: 'opened' | 'updated' | 'resolved'; event: AnomalyEvent }) => void;
}

/**
 * Live anomaly detection on the embedded telemetry: the spec's detector on every service's golden signals, its
 * episodes reported as runtime events and as `MetricAnomaly` alerts through the telemetry backend's alert
 * pipeline, its detectors' states saved every minute and at stop, restored at the next start.
 */
export async function startAnomalyWatch(options: AnomalyWatchOptions): Promise<LiveDetection> {
  const { settings, report } = options;
  const detection = createLiveDetection({
    source: options.backend.metrics,
    clock: options.clock,
    signals: [
      ...goldenLiveSignals(settings.signals),
      ...(options.logTemplates ? [logTemplateRateSignal()] : []),
    ],
    detector: detectorByName(settings.detector),
    intervalMs: settings.intervalSeconds * 1000,
    threshold: settings.threshold,
    warmupPoints: settings.warmupPoints,
    store: createLiveStateFile(join(options.stateDir, 'aiops', 'live-detection.json.gz')),
    onEvent: ({ kind, event }) => {
      options.onAnomaly?.({ kind, event });
      // The runtime's event log keeps an episode's opening and end; its updates only move incidents.
      if (kind === 'updated') return;
      report({
        type: 'anomaly',
        phase: kind,
        id: event.id,
        service: event.service,
        signal: event.signal,
        unit: event.unit,
        score: event.score,
        value: event.value,
        expected: event.expected,
      });
    },
    onAlerts: (alerts) => options.backend.postAlerts(alerts),
    onError: (message) => report({ type: 'anomaly-detection-warning', message }),
  });
  await detection.start();
  return detection;
}
