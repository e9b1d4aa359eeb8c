// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../api/client.js';
import type { RuntimeEventRecord } from '../api/types.js';
import { fakeControlApi, renderSignedIn, type FakeAnswer } from '../testing/fake-api.js';
import { liveCartTraffic } from '../testing/fixtures.js';
import { ServicePage } from './service-page.js';

afterEach(cleanup);

const NOW = Date.parse('2026-12-07T06:00:00.000Z');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

// As `GET /v1/signals?service=cart&window=1m` answers (goldenSignalQueries of @opsloop/telemetry).
const SIGNALS = [
  {
    name: 'latency_p50',
    kind: 'latency',
    title: 'Latency p50',
    unit: 'seconds',
    expr: 'histogram_quantile(0.5, sum by (service, le) (rate(http_server_request_duration_seconds_bucket{service="cart"}[1m])))',
  },
  {
    name: 'latency_p99',
    kind: 'latency',
    title: 'Latency p99',
    unit: 'seconds',
    expr: 'histogram_quantile(0.99, sum by (service, le) (rate(http_server_request_duration_seconds_bucket{service="cart"}[1m])))',
  },
  {
    name: 'traffic',
    kind: 'traffic',
    title: 'HTTP requests/s',
    unit: 'requests/s',
    expr: 'sum by (service) (rate(http_server_request_duration_seconds_count{service="cart"}[1m]))',
  },
  {
    name: 'cpu',
    kind: 'saturation',
    title: 'CPU (cores)',
    unit: 'cores',
    expr: 'sum by (service) (rate(process_cpu_seconds_total{service="cart"}[1m]))',
  },
];

const VALUE: Record<string, string> = { latency_p50: '0.012', latency_p99: '0.25', traffic: '42.5' };

function queryRange(call: { query: URLSearchParams }): FakeAnswer {
  const query = call.query.get('query') ?? '';
  if (query.includes('process_cpu')) return { status: 400, body: { detail: 'bad_data: cpu is broken' } };
  const signal = SIGNALS.find((s) => s.expr === query)?.name ?? '';
  const end = Number(call.query.get('end'));
  const step = Number(call.query.get('step'));
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [
        {
          metric: { service: 'cart' },
          values: [
            [end - 2 * step, VALUE[signal] ?? '0'],
            [end - step, VALUE[signal] ?? '0'],
          ],
        },
      ],
    },
  };
}

const replica = {
  name: 'cart-1',
  service: 'cart',
  phase: 'running',
  ready: true,
  pid: 4242,
  port: 41001,
  url: 'http://127.0.0.1:41001',
  restarts: 2,
  lastExit: { reason: 'crashed', code: 1, signal: null, at: '2026-12-07T05:50:00.000Z' },
  startedAt: '2026-12-07T05:55:00.000Z',
  nextRestartAt: null,
  revision: '0a1b2c3d4e',
};

const DESCRIBE = {
  spec: { replicas: 2, command: ['node', 'dist/main.js'] },
  status: {
    name: 'cart',
    desiredReplicas: 2,
    readyReplicas: 1,
    exposed: 'http://127.0.0.1:8081',
    revision: '0a1b2c3d4e',
    updatedReplicas: 1,
    replicas: [
      replica,
      {
        ...replica,
        name: 'cart-2',
        phase: 'backoff',
        ready: false,
        restarts: 5,
        revision: 'ffffeeee00',
        startedAt: null,
        lastExit: { reason: 'killed', code: null, signal: 'SIGKILL', at: '2026-12-07T05:59:00.000Z' },
        nextRestartAt: '2026-12-07T06:00:05.000Z',
      },
    ],
  },
  rollout: null,
  autoscaling: null,
  events: [],
};

const EVENTS: RuntimeEventRecord[] = [
  { seq: 10, at: '2026-12-07T05:40:00.000Z', type: 'service-scaled', service: 'cart', from: 1, to: 2 },
  { seq: 11, at: '2026-12-07T05:45:00.000Z', type: 'spec-applied', changes: ['cart: updated (command)'] },
  { seq: 12, at: '2026-12-07T05:46:00.000Z', type: 'spec-applied', changes: ['payments: updated (env)'] },
];

const LIVE = liveCartTraffic(NOW);

const SPANS = [
  {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    name: 'POST /cart/items',
    kind: 'server',
    service: 'cart',
    startTimeUnixNano: '1796018390000000000',
    endTimeUnixNano: '1796018390080000000',
    startMs: 1796018390000,
    durationMs: 80,
    status: { code: 'unset' },
    attributes: { 'http.route': '/cart/items' },
    resource: {},
    events: [],
    links: [],
    flags: 1,
  },
  {
    traceId: TRACE,
    spanId: '00f067aa0ba902b8',
    parentSpanId: '00f067aa0ba902b7',
    name: 'redis SET',
    kind: 'client',
    service: 'cart',
    startTimeUnixNano: '1796018390010000000',
    endTimeUnixNano: '1796018390060000000',
    startMs: 1796018390010,
    durationMs: 50,
    status: { code: 'error', message: 'connection reset' },
    attributes: {},
    resource: {},
    events: [],
    links: [],
    flags: 1,
  },
];

const ROUTES: Record<string, FakeAnswer> = {
  'GET /v1/signals': { signals: SIGNALS },
  'GET /api/v1/query_range': queryRange,
  'GET /v1/events': (call: { query: URLSearchParams }) => ({
    events: call.query.get('service') === null ? EVENTS : EVENTS.filter((e) => e.service === 'cart'),
    last: 12,
  }),
  'GET /v1/anomalies/series': { series: [LIVE] },
  'GET /v1/anomalies': {
    anomalies: [
      {
        id: 'cart/traffic@1796018100000',
        service: 'cart',
        signal: 'traffic',
        kind: 'traffic',
        unit: 'requests/s',
        labels: { service: 'cart' },
        query: SIGNALS[2]?.expr,
        state: 'firing',
        startsAtMs: NOW - 5 * 60_000,
        lastAnomalousAtMs: NOW - 15_000,
        score: 0.97,
        atMs: NOW - 60_000,
        value: 44,
        expected: 20,
        expectedLow: 15,
        expectedHigh: 25,
        direction: 'above',
        detector: 'robust-z',
      },
    ],
  },
  'GET /v1/services/cart': DESCRIBE,
  'GET /v1/services/cart/log-templates': {
    service: 'cart',
    total: 2,
    templates: [
      {
        templateId: 't1',
        template: 'cart <*> saved',
        count: 120,
        levels: { info: 120 },
        firstSeenMs: NOW - 60 * 60_000,
        lastSeenMs: NOW - 60_000,
        example: 'cart 17 saved',
      },
      {
        templateId: 't2',
        template: 'payment failed for <*>',
        count: 6,
        levels: { error: 6 },
        firstSeenMs: NOW - 3 * 60_000,
        lastSeenMs: NOW - 60_000,
        example: 'payment failed for 17',
      },
    ],
  },
  'GET /v1/log-events': {
    events: [
      {
        kind: 'new-template',
        service: 'cart',
        atMs: NOW - 3 * 60_000,
        level: 'error',
        templateId: 't2',
        template: 'payment failed for <*>',
        example: 'payment failed for 17',
      },
    ],
  },
  'GET /api/traces': {
    traces: [
      {
        traceId: TRACE,
        rootService: 'cart',
        rootOperation: 'POST /cart/items',
        startMs: 1796018390000,
        durationMs: 80,
        spanCount: 2,
        errorCount: 1,
        error: true,
        services: ['cart'],
      },
    ],
  },
  [`GET /api/traces/${TRACE}`]: { traceId: TRACE, spans: SPANS },
};

const logLine = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({
    replica: 'cart-1',
    stream: 'stdout',
    line: JSON.stringify({ level, time: '2026-12-07T05:59:58.000Z', service: 'cart', msg, ...extra }),
  })}\n`;

/** The fake API, with the logs route streaming ndjson as the runtime does. */
function pageApi(routes: Record<string, FakeAnswer> = ROUTES) {
  const fake = fakeControlApi(routes);
  const fetchImpl = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      'http://dashboard.test',
    );
    if (url.pathname !== '/v1/services/cart/logs') return fake.fetchImpl(input, init);
    const body = `\n${logLine(30, 'cart 17 saved')}${logLine(50, 'payment failed for 17', { trace_id: TRACE })}`;
    return Promise.resolve(new Response(body, { headers: { 'content-type': 'application/x-ndjson' } }));
  };
  return { api: createApi({ baseUrl: '', token: 't' }, fetchImpl), calls: fake.calls };
}

describe('<ServicePage>', () => {
  it('charts the golden signals over the chosen range, with overlays and markers', async () => {
    const { api, calls } = pageApi();
    renderSignedIn(<ServicePage service="cart" now={() => NOW} />, { api, role: 'viewer' });
    const latency = await screen.findByRole('list', { name: 'Latency (HTTP) legend' });
    expect(within(latency).getByText('Latency p50').nextSibling?.textContent).toBe('12 ms');
    expect(within(latency).getByText('Latency p99').nextSibling?.textContent).toBe('250 ms');
    const ranges = calls.filter((c) => c.path === '/api/v1/query_range');
    expect(ranges).toHaveLength(4);
    expect(ranges[0]?.query.get('end')).toBe(String(NOW / 1000));
    expect(ranges[0]?.query.get('start')).toBe(String(NOW / 1000 - 3600));
    expect(ranges[0]?.query.get('step')).toBe('15');
    expect(calls.find((c) => c.path === '/v1/signals')?.query.get('window')).toBe('1m');

    // The failing signal says so on its own chart; the others still draw.
    expect((await screen.findByText('CPU (cores): bad_data: cpu is broken')).getAttribute('role')).toBe(
      'alert',
    );

    // The anomaly score of `traffic` is drawn on the traffic chart, with the detector's state in words.
    const traffic = await screen.findByRole('list', { name: 'HTTP requests/s legend' });
    await waitFor(() =>
      expect(within(traffic).getByText('anomaly score (traffic)').nextSibling?.textContent).toBe(
        'score 0.93',
      ),
    );
    expect(
      screen.getByText(/Anomaly detection on traffic: score 0.93, expected 15–25 · ANOMALY FIRING/),
    ).toBeTruthy();

    // Markers: this service's scaling and deploy, not another service's change; the episode on its chart.
    await waitFor(() => expect(screen.getAllByText('scaled 1 → 2').length).toBeGreaterThan(0));
    expect(screen.getAllByText('cart: updated (command)').length).toBe(3);
    expect(screen.queryByText('payments: updated (env)')).toBeNull();
    expect(screen.getByText('anomaly on traffic: above expected (score 0.97, firing)')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '6h' }));
    await waitFor(() =>
      expect(
        calls.filter((c) => c.path === '/api/v1/query_range' && c.query.get('step') === '90'),
      ).toHaveLength(4),
    );
    expect(screen.getByRole('button', { name: '6h' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('lists replicas, templates, logs and traces, and opens a trace from a log line', async () => {
    const { api, calls } = pageApi();
    renderSignedIn(<ServicePage service="cart" now={() => NOW} />, { api, role: 'viewer' });

    const replicas = await screen.findByRole('region', { name: 'Replicas' });
    const row2 = (await within(replicas).findByText('cart-2')).closest('tr') as HTMLElement;
    expect(within(row2).getByText('not ready')).toBeTruthy();
    expect(within(row2).getByText('backoff')).toBeTruthy();
    expect(within(row2).getByText('old')).toBeTruthy();
    expect(within(row2).getByText('killed (SIGKILL), 1 min ago')).toBeTruthy();
    const row1 = within(replicas).getByText('cart-1').closest('tr') as HTMLElement;
    expect(within(row1).getByText('5 min ago')).toBeTruthy();
    expect(within(replicas).getByText('1/2 ready · 1 at the desired revision')).toBeTruthy();

    const templates = screen.getByRole('region', { name: 'Top log templates' });
    const failed = (await within(templates).findByText('payment failed for <*>')).closest(
      'tr',
    ) as HTMLElement;
    expect(within(failed).getByText('new')).toBeTruthy();
    expect(within(failed).getByText('3/min')).toBeTruthy();

    expect(await screen.findByText('cart 17 saved')).toBeTruthy();
    fireEvent.click(
      within(failed).getByRole('button', { name: 'Show log lines of template payment failed for <*>' }),
    );
    expect(screen.queryByText('cart 17 saved')).toBeNull();
    expect(screen.getByText('payment failed for 17')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Show all lines' }));
    expect(screen.getByText('cart 17 saved')).toBeTruthy();

    const traces = screen.getByRole('region', { name: 'Traces' });
    expect(await within(traces).findByText('1 error')).toBeTruthy();
    const search = calls.find((c) => c.path === '/api/traces');
    expect(search?.query.get('service')).toBe('cart');
    expect(search?.query.get('limit')).toBe('20');
    expect(search?.query.get('start')).toBe(String(NOW - 3_600_000));

    fireEvent.click(screen.getByRole('button', { name: `Open trace ${TRACE.slice(0, 8)} (${TRACE})` }));
    const waterfall = await screen.findByRole('list', { name: `Spans of trace ${TRACE}` });
    expect(within(waterfall).getByText('error: connection reset')).toBeTruthy();
    expect(within(waterfall).getAllByRole('listitem')).toHaveLength(2);
  });

  it('says what is missing when detection, log mining and traces are unavailable', async () => {
    const { api } = pageApi({
      ...ROUTES,
      'GET /v1/anomalies/series': {
        status: 404,
        body: {
          detail:
            'live anomaly detection is off (runtime.aiops.detection.enabled or runtime.telemetry.enabled)',
        },
      },
      'GET /v1/anomalies': { status: 404, body: { detail: 'off' } },
      'GET /v1/services/cart/log-templates': { status: 404, body: { detail: 'log mining is off' } },
      'GET /v1/log-events': { status: 404, body: { detail: 'log mining is off' } },
      'GET /api/traces': { traces: [] },
      'GET /v1/signals': { signals: [] },
    });
    renderSignedIn(<ServicePage service="cart" now={() => NOW} />, { api });
    expect(
      await screen.findByText(/Anomaly overlays are unavailable: live anomaly detection is off/),
    ).toBeTruthy();
    expect(await screen.findByText('log mining is off')).toBeTruthy();
    expect(await screen.findByText('No traces of cart in this range.')).toBeTruthy();
    expect(await screen.findByText('No golden signals are defined for cart.')).toBeTruthy();
  });
});
