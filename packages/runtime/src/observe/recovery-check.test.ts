import { createIncidentManager, type AnomalySignalData, type Incident, type Signal } from '@opsloop/aiops';
import { createManualClock } from '@opsloop/kit';
import { goldenSignalQuery, type GoldenSignalName, type QueryResult } from '@opsloop/telemetry';
import { describe, expect, it } from 'vitest';
import { createRecoveryCheck } from './recovery-check.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

const anomaly = (
  signal: GoldenSignalName,
  direction: 'above' | 'below',
  band: { expected: number; low?: number; high?: number },
): AnomalySignalData => ({
  id: `orders/${signal}@${T0}`,
  service: 'orders',
  signal,
  kind: signal === 'traffic' ? 'traffic' : signal === 'errors' ? 'errors' : 'latency',
  unit: 'ratio',
  labels: { service: 'orders' },
  state: 'firing',
  startsAtMs: T0,
  score: 0.9,
  value: direction === 'above' ? band.expected * 10 : band.expected / 10,
  expected: band.expected,
  ...(band.low === undefined ? {} : { expectedLow: band.low }),
  ...(band.high === undefined ? {} : { expectedHigh: band.high }),
  direction,
});

/** An incident made by the real incident manager from `signals`. */
function incidentOf(...signals: Signal[]): Incident {
  const clock = createManualClock(T0);
  // Every symptom may open an incident here: what is tested is the check of each kind of signal.
  const manager = createIncidentManager({
    clock,
    graph: () => ({ edges: [] }),
    options: { weakSymptom: () => false },
  });
  for (const signal of signals) manager.ingest(signal);
  const [incident] = manager.list();
  manager.close();
  if (incident === undefined) throw new Error('no incident opened');
  return incident;
}

const anomalySignal = (event: AnomalySignalData): Signal => ({ type: 'anomaly', atMs: T0, anomaly: event });

/**
 * A metrics source answering the short-window golden-signal query of each signal in `values` (undefined:
 * an empty vector); anything else is a query the test did not expect.
 */
function fakeMetrics(values: Partial<Record<GoldenSignalName, number>>) {
  const queries: string[] = [];
  const state = { fail: false, values };
  return {
    queries,
    state,
    metrics: {
      instantQuery(query: string, timeMs: number): Promise<QueryResult> {
        queries.push(query);
        expect(timeMs).toBe(T0 + 60_000);
        if (state.fail) return Promise.reject(new Error('backend down'));
        for (const [signal, value] of Object.entries(state.values)) {
          if (query === goldenSignalQuery('orders', signal as GoldenSignalName, { window: '15s' }).expr)
            return Promise.resolve({
              type: 'vector',
              samples: value === undefined ? [] : [{ labels: {}, timestampMs: timeMs, value }],
            });
        }
        return Promise.resolve({ type: 'vector', samples: [] });
      },
    },
  };
}

const check = (metrics: ReturnType<typeof fakeMetrics>['metrics'], passes?: number) =>
  createRecoveryCheck({ metrics, now: () => T0 + 60_000, ...(passes === undefined ? {} : { passes }) });

const errorsAbove = anomaly('errors', 'above', { expected: 0.01, low: 0, high: 0.02 });
const trafficBelow = anomaly('traffic', 'below', { expected: 10, low: 8, high: 12 });

describe('createRecoveryCheck', () => {
  it('queries each anomalous signal over a short window and needs two passes in a row', async () => {
    const fake = fakeMetrics({ errors: 0.01 });
    const recovery = check(fake.metrics);
    const incident = incidentOf(anomalySignal(errorsAbove));
    expect(await recovery.verify(incident)).toBe('not-recovered');
    expect(await recovery.verify(incident)).toBe('recovered');
    expect(fake.queries[0]).toBe(goldenSignalQuery('orders', 'errors', { window: '15s' }).expr);
    expect(fake.queries[0]).toContain('[15s]');
    // The streak starts again after a recovery.
    expect(await recovery.verify(incident)).toBe('not-recovered');
  });

  it('takes `passes` from its options', async () => {
    const recovery = check(fakeMetrics({ errors: 0 }).metrics, 3);
    const incident = incidentOf(anomalySignal(errorsAbove));
    expect([
      await recovery.verify(incident),
      await recovery.verify(incident),
      await recovery.verify(incident),
    ]).toEqual(['not-recovered', 'not-recovered', 'recovered']);
  });

  it.each([
    ['above: at the band high', errorsAbove, 'errors', 0.02, 'recovered'],
    ['above: just over the band high', errorsAbove, 'errors', 0.0201, 'not-recovered'],
    ['above: under the band low is fine', errorsAbove, 'errors', 0, 'recovered'],
    ['below: at the band low', trafficBelow, 'traffic', 8, 'recovered'],
    ['below: just under the band low', trafficBelow, 'traffic', 7.99, 'not-recovered'],
    ['below: over the band high is fine', trafficBelow, 'traffic', 50, 'recovered'],
  ] as const)('%s → %s', async (_what, event, signal, value, expected) => {
    const recovery = check(fakeMetrics({ [signal]: value }).metrics, 1);
    expect(await recovery.verify(incidentOf(anomalySignal(event)))).toBe(expected);
  });

  it('uses the expected value when the anomaly has no band', async () => {
    const bare = anomaly('errors', 'above', { expected: 0.05 });
    const incident = incidentOf(anomalySignal(bare));
    expect(await check(fakeMetrics({ errors: 0.05 }).metrics, 1).verify(incident)).toBe('recovered');
    expect(await check(fakeMetrics({ errors: 0.06 }).metrics, 1).verify(incident)).toBe('not-recovered');
  });

  it('a missing series: no recovery for a drop, unknown for a rise', async () => {
    expect(await check(fakeMetrics({}).metrics, 1).verify(incidentOf(anomalySignal(trafficBelow)))).toBe(
      'not-recovered',
    );
    expect(await check(fakeMetrics({}).metrics, 1).verify(incidentOf(anomalySignal(errorsAbove)))).toBe(
      'unknown',
    );
  });

  it('a rise with no series next to one back in band is recovered; next to one still out, not', async () => {
    const latency = anomaly('latency_p95', 'above', { expected: 0.05, high: 0.1 });
    const both = incidentOf(anomalySignal(errorsAbove), anomalySignal(latency));
    expect(both.symptoms).toHaveLength(2);
    expect(await check(fakeMetrics({ latency_p95: 0.08 }).metrics, 1).verify(both)).toBe('recovered');
    expect(await check(fakeMetrics({ latency_p95: 0.5 }).metrics, 1).verify(both)).toBe('not-recovered');
  });

  it('traffic back in band proves nothing while the errors go unmeasured (no requests in the window)', async () => {
    const trafficAbove = anomaly('traffic', 'above', { expected: 1, high: 2 });
    const incident = incidentOf(anomalySignal(errorsAbove), anomalySignal(trafficAbove));
    expect(await check(fakeMetrics({ traffic: 1 }).metrics, 1).verify(incident)).toBe('unknown');
    expect(await check(fakeMetrics({ traffic: 1, errors: 0 }).metrics, 1).verify(incident)).toBe('recovered');
    expect(await check(fakeMetrics({ traffic: 1, errors: 0.4 }).metrics, 1).verify(incident)).toBe(
      'not-recovered',
    );
  });

  it('a failing pass resets the streak', async () => {
    const fake = fakeMetrics({ errors: 0.01 });
    const recovery = check(fake.metrics);
    const incident = incidentOf(anomalySignal(errorsAbove));
    expect(await recovery.verify(incident)).toBe('not-recovered');
    fake.state.values = { errors: 0.5 };
    expect(await recovery.verify(incident)).toBe('not-recovered');
    fake.state.values = { errors: 0.01 };
    expect(await recovery.verify(incident)).toBe('not-recovered');
    expect(await recovery.verify(incident)).toBe('recovered');
  });

  it('an unknown pass resets the streak too, and forget() drops it', async () => {
    const fake = fakeMetrics({ errors: 0.01 });
    const recovery = check(fake.metrics);
    const incident = incidentOf(anomalySignal(errorsAbove));
    await recovery.verify(incident);
    fake.state.values = {};
    expect(await recovery.verify(incident)).toBe('unknown');
    fake.state.values = { errors: 0.01 };
    expect(await recovery.verify(incident)).toBe('not-recovered');
    recovery.forget(incident.id);
    expect(await recovery.verify(incident)).toBe('not-recovered');
    expect(await recovery.verify(incident)).toBe('recovered');
  });

  it('a query error is unknown, not a crash', async () => {
    const fake = fakeMetrics({ errors: 0.01 });
    fake.state.fail = true;
    expect(await check(fake.metrics, 1).verify(incidentOf(anomalySignal(errorsAbove)))).toBe('unknown');
  });

  it('alert-only incidents recover when their alerts resolved; log-only ones are unknown', async () => {
    const alert = (state: 'firing' | 'resolved', atMs: number): Signal => ({
      type: 'alert',
      atMs,
      alert: { name: 'ServiceDown', labels: { alertname: 'ServiceDown', service: 'orders' }, state },
    });
    const fake = fakeMetrics({});
    const recovery = check(fake.metrics, 1);
    const firing = incidentOf(alert('firing', T0));
    expect(firing.symptoms.map((s) => [s.type, s.active])).toEqual([['alert', true]]);
    expect(await recovery.verify(firing)).toBe('not-recovered');
    const resolved = incidentOf(alert('firing', T0), alert('resolved', T0));
    expect(resolved.symptoms.map((s) => [s.type, s.active])).toEqual([['alert', false]]);
    expect(await recovery.verify(resolved)).toBe('recovered');
    const logOnly = incidentOf({
      type: 'log',
      atMs: T0,
      event: {
        kind: 'error-burst',
        service: 'orders',
        atMs: T0,
        errors: 40,
        baselinePerMinute: 0.5,
        topTemplates: [],
      },
    });
    expect(await recovery.verify(logOnly)).toBe('unknown');
    expect(fake.queries).toEqual([]);
  });
});
