import { createManualClock } from '@opsloop/kit';
import type { QueryResult } from '@opsloop/telemetry';
import { describe, expect, it } from 'vitest';
import { createLiveDetection } from './live-detection.js';
import { goldenLiveSignals } from './live-signals.js';

describe('LiveDetection.seriesState', () => {
  it("gives a copy of one service's series state, undefined for what is not watched", async () => {
    const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
    let value = 0.01;
    const detection = createLiveDetection({
      clock,
      signals: goldenLiveSignals(['errors']),
      source: {
        instantQuery: (_query, timeMs): Promise<QueryResult> =>
          Promise.resolve({
            type: 'vector',
            samples: [
              { labels: { service: 'web' }, timestampMs: timeMs, value },
              { labels: { service: 'api' }, timestampMs: timeMs, value: 0.5 },
            ],
          }),
        rangeQuery: () => Promise.resolve({ type: 'matrix', series: [] }),
      },
    });
    for (let i = 0; i < 10; i++) {
      clock.advance(15_000);
      value = 0.01 + i / 1000;
      await detection.tick();
    }
    const state = detection.seriesState('web', 'errors');
    expect(state).toMatchObject({ service: 'web', signal: 'errors', labels: { service: 'web' } });
    expect(state?.lastValue).toBeCloseTo(0.019, 10);
    expect(state?.lastAtMs).toBe(clock.now());
    expect(detection.seriesState('api', 'errors')?.lastValue).toBe(0.5);
    expect(detection.seriesState('web', 'latency_p95')).toBeUndefined();
    expect(detection.seriesState('nobody', 'errors')).toBeUndefined();
    // Changing the copy changes nothing in the detection.
    state!.labels.service = 'changed';
    expect(detection.seriesState('web', 'errors')?.labels).toEqual({ service: 'web' });
    expect(detection.series().map((s) => s.service)).toEqual(['api', 'web']);
  });
});
