import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { systemClock } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryBackend } from './telemetry-backend.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function otlpJson(nowMs: number) {
  const ns = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE_ID,
                spanId: '00f067aa0ba902b7',
                name: 'POST /api/checkout',
                kind: 2,
                startTimeUnixNano: ns(nowMs - 20),
                endTimeUnixNano: ns(nowMs - 5),
                status: {},
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('the embedded telemetry backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-telemetry-'));
  let target: Server;
  let url: string;
  beforeAll(async () => {
    target = createServer((_req, res) =>
      res.end('# TYPE orders_total counter\norders_total{outcome="ok"} 7\n'),
    );
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/metrics`;
  });
  afterAll(async () => {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps metrics, logs, traces and silences across a restart, and answers on the standard APIs', async () => {
    const first = await createTelemetryBackend({ dir, clock: systemClock });
    first.scraper.setTargets([
      { url, labels: { job: 'orders', instance: 'orders-1' } },
      { url: 'http://127.0.0.1:1/metrics', labels: { job: 'ghost', instance: 'ghost-1' } },
    ]);
    await first.scraper.scrapeAll();
    first.logs.append({
      labels: { service: 'orders', instance: 'orders-1', stream: 'stdout' },
      line: JSON.stringify({ level: 'error', msg: 'payment declined', trace_id: TRACE_ID }),
    });
    await first.logs.flush();
    const silence = first.silences.create({
      matchers: [{ name: 'alertname', type: '=', value: 'ServiceDown' }],
      endsAtMs: Date.now() + 3_600_000,
      createdBy: 'test',
      comment: 'maintenance',
    });
    const app = Fastify();
    await first.registerRoutes(app);
    const pushed = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(otlpJson(Date.now())),
    });
    expect(pushed.statusCode).toBe(200);
    const malformed = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([0x0a, 0xff, 0xff]),
    });
    expect(malformed.statusCode).toBe(400);
    await app.close();
    await first.close();

    const second = await createTelemetryBackend({ dir, clock: systemClock });
    try {
      const now = Date.now();
      const up = await second.metrics.instantQuery('up', now);
      if (up.type !== 'vector') throw new Error(up.type);
      // Closing marked every series stale: an instant query right after sees nothing, a range does.
      const history = await second.metrics.rangeQuery('max_over_time(up[1m])', now - 1000, now, 1000);
      if (history.type !== 'matrix') throw new Error(history.type);
      const byJob = Object.fromEntries(history.series.map((s) => [s.labels.job, s.values.at(-1)]));
      expect(byJob).toEqual({ orders: 1, ghost: 0 });
      const orders = await second.metrics.rangeQuery(
        'max_over_time(orders_total[1m])',
        now - 1000,
        now,
        1000,
      );
      expect(orders.type === 'matrix' && orders.series[0]?.values.at(-1)).toBe(7);

      const streams = await second.logs.queryLogs('{service="orders"} |= "declined"', {
        start: BigInt(now - 60_000) * 1_000_000n,
        end: BigInt(now + 1000) * 1_000_000n,
      });
      expect(streams.flatMap((s) => s.entries)).toHaveLength(1);
      expect(streams[0]?.labels.level).toBe('error');

      const trace = await second.traces.getTrace(TRACE_ID);
      expect(trace?.map((s) => s.name)).toEqual(['POST /api/checkout']);
      expect(await second.traces.services()).toEqual(['gateway']);
      expect(second.silences.get(silence.id)).toMatchObject({ state: 'active', comment: 'maintenance' });
    } finally {
      await second.close();
    }
  });
});
