import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { afterAll, describe, expect, it } from 'vitest';
import type { PostableAlert } from '../alerting/alert-types.js';
import { createTelemetryBackend } from './telemetry-backend.js';

describe('the telemetry backend: alerts from outside the rules', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('hands posted alerts to notify and to the notifier, which lists them until they resolve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-telemetry-alerts-'));
    dirs.push(dir);
    const clock = createManualClock(Date.UTC(2026, 11, 6));
    const notified: PostableAlert[] = [];
    const backend = await createTelemetryBackend({
      dir,
      clock,
      notify: (alerts) => notified.push(...alerts),
      notifications: {
        config: {
          route: { receiver: 'r' },
          receivers: [{ name: 'r', webhooks: [{ url: 'http://127.0.0.1:9/hook' }] }],
        },
        fetch: () => Promise.resolve(new Response(null, { status: 200 })),
      },
    });
    try {
      const alert: PostableAlert = {
        labels: { alertname: 'MetricAnomaly', service: 'orders', signal: 'latency_p95' },
        annotations: { summary: 'Latency p95 of orders is anomalous' },
        startsAtMs: clock.now(),
        endsAtMs: clock.now() + 60_000,
      };
      backend.postAlerts([alert]);
      backend.postAlerts([]);
      expect(notified).toEqual([alert]);
      expect(backend.notifier!.alerts().map((a) => a.labels['alertname'])).toEqual(['MetricAnomaly']);
      backend.postAlerts([{ ...alert, endsAtMs: clock.now() }]);
      clock.advance(1);
      expect(backend.notifier!.alerts()).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});
