import type { AnomalyEvent, AnomalyEventFilter, LiveSeriesStatus } from '@opsloop/aiops';
import type { Service } from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import { createControlApi, type ControlApiOptions } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

const VIEWER = newToken();
const DISCOVERY = newToken();

const EVENT: AnomalyEvent = {
  id: 'orders/latency_p95@1000',
  service: 'orders',
  signal: 'latency_p95',
  kind: 'latency',
  unit: 'seconds',
  labels: { service: 'orders' },
  query: 'histogram_quantile(0.95, …)',
  state: 'firing',
  startsAtMs: 1000,
  lastAnomalousAtMs: 1000,
  score: 0.9,
  atMs: 1000,
  value: 0.4,
  expected: 0.05,
  expectedLow: 0.04,
  expectedHigh: 0.06,
  direction: 'above',
  detector: 'opsloop',
};

const SERIES: LiveSeriesStatus[] = ['catalog', 'orders'].map((service) => ({
  service,
  signal: 'traffic',
  kind: 'traffic',
  unit: 'requests/s',
  labels: { service },
  points: 300,
  skipped: 0,
  warmingUp: false,
  lastAtMs: 1000,
  lastValue: 10,
  lastScore: 0.1,
  expected: 10,
  expectedLow: 9,
  expectedHigh: 11,
  firing: null,
}));

describe('control API: anomalies', () => {
  let api: Service | undefined;
  const filters: AnomalyEventFilter[] = [];

  const start = async (anomalies?: ControlApiOptions['anomalies']) => {
    const tokens = new TokenStore();
    tokens.add(VIEWER, 'viewer');
    tokens.add(DISCOVERY, 'discovery');
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => ({ system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] }),
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      ...(anomalies ? { anomalies } : {}),
    });
    return api;
  };
  const get = (url: string, token = VIEWER) =>
    api!.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  afterEach(async () => {
    await api?.app.close();
    api = undefined;
    filters.length = 0;
  });

  const provider: ControlApiOptions['anomalies'] = {
    events: (filter) => {
      filters.push(filter);
      return [EVENT];
    },
    series: () => SERIES,
  };

  it('lists anomaly events to viewers, passing the filter on', async () => {
    await start(provider);
    const response = await get('/v1/anomalies?service=orders&state=firing&limit=5');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ anomalies: [EVENT] });
    expect(filters).toEqual([{ service: 'orders', state: 'firing', limit: 5 }]);
    expect((await get('/v1/anomalies')).statusCode).toBe(200);
    expect(filters[1]).toEqual({ limit: 100 });
  });

  it('lists the watched series, of one service when asked', async () => {
    await start(provider);
    expect((await get('/v1/anomalies/series')).json().series).toHaveLength(2);
    expect((await get('/v1/anomalies/series?service=orders')).json()).toEqual({ series: [SERIES[1]] });
  });

  it.each([
    ['/v1/anomalies?state=open', 'state'],
    ['/v1/anomalies?limit=0', 'limit'],
    ['/v1/anomalies?limit=lots', 'limit'],
    ['/v1/anomalies?colour=red', 'colour'],
  ])('answers %s with a 400 problem naming %s', async (url, field) => {
    await start(provider);
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(response.json())).toContain(field);
  });

  it('serves log templates and log events, with clear errors', async () => {
    await start(provider);
    await api!.app.close();
    const tokens = new TokenStore();
    tokens.add(VIEWER, 'viewer');
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => ({ system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] }),
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      logInsights: {
        templates: (service) =>
          service === 'orders'
            ? [1, 2, 3].map((i) => ({
                templateId: `t${i}`,
                template: `x ${i} <*>`,
                count: 10 - i,
                levels: { info: 10 - i },
                firstSeenMs: 0,
                lastSeenMs: 1,
                example: `x ${i} 7`,
              }))
            : undefined,
        recentEvents: (filter) => [
          {
            kind: 'error-burst',
            service: filter.service ?? 'orders',
            atMs: 5,
            errors: 12,
            baselinePerMinute: 0.5,
            topTemplates: [],
          },
        ],
      },
    });
    const templates = await get('/v1/services/orders/log-templates?limit=2');
    expect(templates.json()).toMatchObject({ service: 'orders', total: 3 });
    expect(templates.json().templates).toHaveLength(2);
    expect((await get('/v1/services/catalog/log-templates')).statusCode).toBe(404);
    expect((await get('/v1/services/orders/log-templates?limit=0')).statusCode).toBe(400);
    expect((await get('/v1/log-events?service=cart')).json().events[0].service).toBe('cart');
    expect((await get('/v1/log-events?limit=9999')).statusCode).toBe(400);
  });

  it('refuses replicas (discovery tokens), and says when detection is off', async () => {
    await start(provider);
    expect((await get('/v1/anomalies', DISCOVERY)).statusCode).toBe(403);
    await api!.app.close();
    await start();
    const off = await get('/v1/anomalies');
    expect(off.statusCode).toBe(404);
    expect(off.json().detail).toMatch(/anomaly detection is off/);
    expect((await get('/v1/log-events')).json().detail).toMatch(/log mining is off/);
  });
});
