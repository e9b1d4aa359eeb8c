import Fastify from 'fastify';
import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { createRuleEvaluator } from './rule-evaluator.js';
import { rulesApiPlugin } from './rules-api.js';
import { createMemoryAppender, fakeMetricsSource, vectorResult } from './testing/fake-metrics-source.js';

describe('rules API', () => {
  it("answers Prometheus's /api/v1/alerts and /api/v1/rules shapes", async () => {
    const clock = createManualClock(Date.parse('2026-12-06T12:00:00Z'));
    const evaluator = createRuleEvaluator({
      source: fakeMetricsSource((query) =>
        query.includes('up') ? vectorResult([{ job: 'orders' }, 0]) : vectorResult(),
      ),
      clock,
      appender: createMemoryAppender(),
      groups: [
        {
          name: 'health',
          interval: '30s',
          rules: [
            {
              alert: 'Down',
              expr: 'up == 0',
              labels: { severity: 'page' },
              annotations: { summary: 'down' },
            },
            { record: 'job:x:sum', expr: 'sum(x)' },
          ],
        },
      ],
    });
    await evaluator.evaluateGroup('health', clock.now());
    const app = Fastify();
    await app.register(rulesApiPlugin({ evaluator }));
    const alerts = (await app.inject({ url: '/api/v1/alerts' })).json<{
      status: string;
      data: { alerts: { labels: Record<string, string>; state: string; activeAt: string; value: string }[] };
    }>();
    expect(alerts.status).toBe('success');
    expect(alerts.data.alerts).toEqual([
      {
        labels: { alertname: 'Down', job: 'orders', severity: 'page' },
        annotations: { summary: 'down' },
        state: 'firing',
        activeAt: '2026-12-06T12:00:00.000Z',
        value: '0',
      },
    ]);
    const rules = (await app.inject({ url: '/api/v1/rules' })).json<{
      data: {
        groups: {
          name: string;
          interval: number;
          rules: { name: string; type: string; health: string; state?: string }[];
        }[];
      };
    }>();
    expect(rules.data.groups[0]).toMatchObject({ name: 'health', interval: 30 });
    expect(rules.data.groups[0]!.rules.map((r) => [r.name, r.type, r.health, r.state])).toEqual([
      ['Down', 'alerting', 'ok', 'firing'],
      ['job:x:sum', 'recording', 'ok', undefined],
    ]);
    await app.close();
    await evaluator.stop();
  });
});
