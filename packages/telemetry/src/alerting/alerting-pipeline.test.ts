import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { createAlertNotifier } from './alert-notifier.js';
import { createRuleEvaluator } from './rule-evaluator.js';
import { sloRuleGroup } from './slo-rules.js';
import { sloSchema } from './slo-schema.js';
import { fakeMetricsSource, vectorResult } from './testing/fake-metrics-source.js';
import type { WebhookPayload } from './webhook-payload.js';

const MIN = 60_000;

describe('SLO rules → rule evaluator → notifier → webhook', () => {
  it('pages once through the webhook while the fast burn lasts, then reports the resolution', async () => {
    const slo = sloSchema.parse({
      name: 'checkout-availability',
      objective: 99.5,
      indicator: { kind: 'availability', route: '/checkout' },
    });
    const group = sloRuleGroup('checkout', slo);
    const clock = createManualClock(Date.UTC(2025, 0, 1));
    let burning = true;
    // The fake engine answers the burn alert queries only: the fast page pair while `burning`, nothing else.
    const source = fakeMetricsSource((query) => {
      const fastPage = query.includes('ratio_rate1h{') && query.includes('ratio_rate5m{');
      return vectorResult(
        ...(burning && fastPage
          ? [[{ service: 'checkout', slo: 'checkout-availability' }, 0.1] as const]
          : []),
      );
    });
    const posts: WebhookPayload[] = [];
    const notifier = createAlertNotifier({
      clock,
      config: {
        route: { receiver: 'oncall', groupBy: ['service', 'slo'], groupWait: '30s', groupInterval: '5m' },
        receivers: [{ name: 'oncall', webhooks: [{ url: 'http://127.0.0.1:9002/hook' }] }],
      },
      fetch: (_url, init) => {
        posts.push(JSON.parse(init.body) as WebhookPayload);
        return Promise.resolve({ status: 200 });
      },
    });
    const evaluator = createRuleEvaluator({
      source,
      clock,
      groups: [group],
      notify: (alerts) => notifier.receive(alerts),
    });
    evaluator.start();
    // Time moves in 5 s steps, letting promise callbacks run in between, as they would in real time (a
    // single 30 min jump would fire the webhook's 10 s timeout before the fake response is even read).
    for (let t = 0; t < 30 * MIN; t += 5_000) {
      if (t === 15 * MIN) burning = false;
      clock.advance(5_000);
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await evaluator.stop();
    await notifier.stop();
    expect(
      posts.map((p) => [
        p.status,
        p.alerts.map((a) => `${a.labels.severity} ${a.labels.long_window}/${a.labels.short_window}`),
      ]),
    ).toEqual([
      ['firing', ['page 1h/5m']],
      ['resolved', ['page 1h/5m']],
    ]);
    expect(posts[0]!.alerts[0]!.annotations.description).toMatch(/^Error ratio 10% over the last 1h/);
    expect(evaluator.groups()[0]!.rules.every((r) => r.health === 'ok')).toBe(true);
  });
});
