import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

/**
 * The runtime hosts the embedded telemetry backend for any service that speaks the standards: it scrapes
 * every ready replica (`up`, the replica's own series), keeps its output in the log store, and answers
 * Prometheus's and Loki's APIs on the control API to readers only, the OTLP receiver to replicas.
 */
describe('embedded telemetry in a live runtime', () => {
  let live: LiveRuntime;
  let url: string;

  beforeAll(async () => {
    live = await startLiveRuntime('telemetry', (script) =>
      parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: telemetry }
runtime:
  bus: "off"
  telemetry: { scrapeIntervalSeconds: 1 }
  aiops: { detection: { intervalSeconds: 1, signals: [traffic, errors, cpu] } }
services:
  app:
    command: ${JSON.stringify([process.execPath, script])}
    replicas: 2
    drainSeconds: 1
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
`),
    );
    url = live.result.controlUrl;
  });
  afterAll(async () => {
    await live?.stop();
  });

  const get = async (path: string, bearer: string | undefined) => {
    const response = await request(`${url}${path}`, {
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };

  it('scrapes every ready replica and answers PromQL to readers only', async () => {
    const admin = live.runtime.adminToken;
    expect((await get('/api/v1/query?query=up', undefined)).status).toBe(401);
    await waitFor(
      'both replicas up',
      async () => {
        const { body } = await get('/api/v1/query?query=sum(up{job="app"})', admin);
        const data = body.data as { result: { value: [number, string] }[] };
        return data.result[0]?.value[1] === '2';
      },
      20_000,
    );
    const series = await get('/api/v1/series?match[]=up', admin);
    const instances = (series.body.data as { instance: string }[]).map((s) => s.instance).sort();
    expect(instances).toEqual(['app-1', 'app-2']);
    const bad = await get('/api/v1/query?query=sum(', admin);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errorType: 'bad_data' });
    expect(String(bad.body.error)).toContain('1:5: parse error');
  });

  it('watches the golden signals of every service, even one that does not label its series', async () => {
    const admin = live.runtime.adminToken;
    expect((await get('/v1/anomalies', undefined)).status).toBe(401);
    await waitFor(
      'live detection to score the service',
      async () => {
        const { body } = await get('/v1/anomalies/series?service=app', admin);
        const series = body.series as { signal: string; points: number; skipped: number }[];
        // Nobody calls the service: its error ratio is 0/0, skipped and counted, never scored.
        return (
          ['cpu', 'traffic'].every((signal) => series.some((s) => s.signal === signal && s.points >= 2)) &&
          series.some((s) => s.signal === 'errors' && s.points === 0 && s.skipped >= 2)
        );
      },
      30_000,
    );
    const { status, body } = await get('/v1/anomalies', admin);
    expect(status).toBe(200);
    expect(body).toEqual({ anomalies: [] });
  }, 40_000);

  it('mines replica output into templates, counted in the metrics store', async () => {
    const admin = live.runtime.adminToken;
    await waitFor(
      'the listening line as a template, counted',
      async () => {
        const { body } = await get(
          `/api/v1/query?query=${encodeURIComponent('sum(log_template_events_total{service="app"})')}`,
          admin,
        );
        const data = body.data as { result: { value: [number, string] }[] };
        return Number(data.result[0]?.value[1] ?? 0) >= 2;
      },
      20_000,
    );
    const { status, body } = await get('/v1/services/app/log-templates', admin);
    expect(status).toBe(200);
    const templates = body.templates as { template: string; count: number; example: string }[];
    const listening = templates.find((t) => t.example.startsWith('fake listening on'));
    expect(listening?.template).toMatch(/^fake listening on <\*> pid=<\*>/);
    expect(listening?.count).toBe(2);
    expect((await get('/v1/services/nobody/log-templates', admin)).status).toBe(404);
    expect((await get('/v1/log-events', admin)).body).toEqual({ events: [] });
  });

  it('keeps replica output in the log store, with service and instance labels', async () => {
    const admin = live.runtime.adminToken;
    await waitFor(
      "both replicas' output in the log store",
      async () => {
        const { body } = await get(
          `/loki/api/v1/query_range?query=${encodeURIComponent('{service="app"} |= "fake listening"')}`,
          admin,
        );
        const data = body.data as { result: { stream: Record<string, string> }[] };
        return data.result.length === 2;
      },
      20_000,
    );
  });

  it('serves silences to readers and lets only operators create or expire them', async () => {
    const admin = live.runtime.adminToken;
    const send = async (method: 'POST' | 'DELETE', path: string, bearer: string, body?: unknown) => {
      const response = await request(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await response.body.text();
      return {
        status: response.statusCode,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    };
    const created = await send('POST', '/v1/tokens', admin, { name: 'silence-reader', role: 'viewer' });
    expect(created.status).toBe(201);
    const viewer = String(created.body.token);
    const silence = {
      matchers: [{ name: 'alertname', value: 'ServiceDown', isRegex: false, isEqual: true }],
      startsAt: new Date(Date.now()).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'test',
      comment: 'maintenance',
    };
    expect((await send('POST', '/api/v2/silences', viewer, silence)).status).toBe(403);
    const made = await send('POST', '/api/v2/silences', admin, silence);
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const id = String(made.body.silenceID);
    const listed = await get('/api/v2/silences', viewer);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(id);
    expect((await send('DELETE', `/api/v2/silence/${id}`, viewer)).status).toBe(403);
    expect((await send('DELETE', `/api/v2/silence/${id}`, admin)).status).toBe(200);
  });

  it('refuses telemetry ingest without a replica or operator token', async () => {
    const response = await request(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.statusCode).toBe(401);
    await response.body.dump();
  });
});
