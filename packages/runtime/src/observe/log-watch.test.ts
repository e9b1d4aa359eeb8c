import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { createTelemetryBackend, type PostableAlert } from '@opsloop/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../events.js';
import { startLogWatch } from './log-watch.js';

const line = (level: number, msg: string) => JSON.stringify({ level, time: 't', service: 'orders', msg });

describe('the runtime log watch', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('counts templates into the store, alerts on a new warning template, and keeps ids across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-log-watch-'));
    dirs.push(dir);
    const clock = createManualClock(Date.UTC(2026, 11, 6));
    const alerts: PostableAlert[] = [];
    const backend = await createTelemetryBackend({
      dir: join(dir, 'telemetry'),
      clock,
      notify: (a) => alerts.push(...a),
    });
    const events: RuntimeEvent[] = [];
    const options = {
      backend,
      clock,
      stateDir: dir,
      intervalMs: 5000,
      report: (e: RuntimeEvent) => events.push(e),
    };
    try {
      const watch = await startLogWatch(options);
      // Eleven minutes of ordinary lines: past the warm-up (500 lines, 10 minutes).
      for (let i = 0; i < 660; i++) {
        watch.observe('orders', line(30, `order ${1000 + i} placed in ${i % 50} ms`));
        clock.advance(1000);
      }
      watch.observe('orders', line(40, 'stock of sku-42 is low: 3 left'));
      expect(events.filter((e) => e.type === 'log-event')).toEqual([
        {
          type: 'log-event',
          kind: 'new-template',
          service: 'orders',
          summary: 'new warn message: stock of sku-<*> is low: <*> left',
        },
      ]);
      expect(alerts.map((a) => a.labels['alertname'])).toEqual(['NewLogTemplate']);
      clock.advance(5000);
      const result = await backend.metrics.instantQuery(
        'sum by (level) (log_template_events_total{service="orders"})',
        clock.now(),
      );
      expect(result.type === 'vector' && result.samples.map((s) => [s.labels['level'], s.value])).toEqual([
        ['info', 660],
        ['warn', 1],
      ]);
      const before = watch.insights.templates('orders')!.map((t) => [t.templateId, t.count]);
      await watch.stop();
      expect(existsSync(join(dir, 'aiops', 'log-insights.json.gz'))).toBe(true);

      const again = await startLogWatch(options);
      expect(again.insights.templates('orders')!.map((t) => [t.templateId, t.count])).toEqual(before);
      await again.stop();
    } finally {
      await backend.close();
    }
  });
});
