import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { serviceSpecSchema } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import { createAutoscalingLoop, SCRAPE_PERIOD_MS } from './autoscaling-loop.js';

const spec = serviceSpecSchema.parse({
  command: ['node', 'web.js'],
  autoscaling: { minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'cpu', targetUtilizationPercent: 60 }] },
});
const replica = {
  name: 'web-0',
  ready: true,
  status: () => ({ url: 'http://127.0.0.1:1' }),
} as unknown as Replica;

describe('createAutoscalingLoop held services', () => {
  it('neither scrapes nor scales a service held by the schedule, and resumes when released', async () => {
    const clock = createManualClock(0);
    let held = true;
    const scraped: string[] = [];
    const scaled: number[] = [];
    const loop = createAutoscalingLoop({
      clock,
      services: () => new Map([['web', { spec, replicas: () => [replica] }]]),
      scrape: (url) => {
        scraped.push(url);
        return Promise.reject(new Error('no metrics'));
      },
      scale: (_service, count) => {
        scaled.push(count);
        return Promise.resolve();
      },
      held: () => held,
    });
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 30; i++) {
      clock.advance(SCRAPE_PERIOD_MS);
      await flush();
    }
    expect(scraped).toEqual([]);
    expect(scaled).toEqual([]);
    held = false;
    clock.advance(SCRAPE_PERIOD_MS);
    await flush();
    expect(scraped).toEqual(['http://127.0.0.1:1/metrics']);
    loop.stop();
  });
});
