import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { consumerMetricsOn } from './consumer-metrics.js';
import type { Delivery } from './event-bus.js';

const delivery = (stream: string, time: string): Delivery => ({
  stream,
  seq: 1,
  partition: 0,
  attempt: 1,
  event: { id: 'e1', type: 't.v1', key: 'k', time, data: {} },
});

async function lagOf(registry: Registry): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric('messaging_consumer_lag_seconds')!.get()).values;
  return Object.fromEntries(values.map((v) => [`${v.labels['stream']}/${v.labels['group']}`, v.value]));
}

describe('consumer metrics', () => {
  it('reports the oldest unsettled event of each stream and group, across the buses of one registry', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z');
    const registry = new Registry();
    const a = consumerMetricsOn(registry, () => now);
    const b = consumerMetricsOn(registry, () => now);
    const first = a.start(delivery('orders', '2026-12-07T09:59:50Z'), 'mail');
    b.start(delivery('orders', '2026-12-07T09:59:58Z'), 'mail');
    const other = b.start(delivery('users', '2026-12-07T10:00:00Z'), 'loyalty');
    now += 5_000;
    expect(await lagOf(registry)).toEqual({ 'orders/mail': 15, 'users/loyalty': 5 });
    first('ack');
    other('nak');
    other('ack'); // settled once: the second call is ignored
    expect(await lagOf(registry)).toEqual({ 'orders/mail': 7, 'users/loyalty': 0 });
    const settled = (await registry.getSingleMetric('messaging_consumer_deliveries_total')!.get()).values;
    expect(settled.map((v) => [v.labels['group'], v.labels['outcome'], v.value])).toEqual([
      ['mail', 'ack', 1],
      ['loyalty', 'nak', 1],
    ]);
  });

  it('ages an event with no readable or a future time from when its handling began', async () => {
    let now = 1_000_000;
    const registry = new Registry();
    const metrics = consumerMetricsOn(registry, () => now);
    metrics.start(delivery('a', 'not a date'), 'g');
    metrics.start(delivery('b', new Date(now + 3_600_000).toISOString()), 'g');
    now += 2_000;
    expect(await lagOf(registry)).toEqual({ 'a/g': 2, 'b/g': 2 });
  });
});
