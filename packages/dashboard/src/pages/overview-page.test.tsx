// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeCall } from '../testing/fake-api.js';
import { fakeControlApi, renderSignedIn } from '../testing/fake-api.js';
import { dependencyEdge, serviceStatus } from '../testing/fixtures.js';
import { OverviewPage, sloState } from './overview-page.js';

afterEach(cleanup);

const STATUS = {
  system: 'shop',
  startedAt: '2026-12-07T06:00:00.000Z',
  services: [
    serviceStatus('gateway', 1, 1, 'http://127.0.0.1:8080'),
    serviceStatus('cart', 2, 2),
    serviceStatus('orders', 2, 1),
    serviceStatus('payments', 1, 1),
    serviceStatus('catalog', 1, 1),
  ],
};

const GRAPH = {
  start: 1_796_623_800_000,
  end: 1_796_624_100_000,
  nodes: ['cart', 'catalog', 'gateway', 'orders', 'payments', 'postgres'].map((s) => ({
    service: s,
    spans: 100,
    errors: 0,
  })),
  edges: [
    dependencyEdge('gateway', 'cart', 3600, 0),
    dependencyEdge('gateway', 'catalog', 1200, 0),
    dependencyEdge('gateway', 'orders', 900, 90),
    dependencyEdge('orders', 'payments', 900, 0),
    dependencyEdge('orders', 'postgres', 1800, 0),
  ],
};

const ratio = (errors: string, total: string) =>
  `(sum by (service) (rate(${errors}[1m])) or 0 * sum by (service) (rate(${total}[1m]))) / sum by (service) (rate(${total}[1m]))`;
const HTTP = 'http_server_request_duration_seconds';
const SIGNALS = {
  signals: [
    {
      name: 'latency_p99',
      kind: 'latency',
      title: 'Latency p99',
      unit: 'seconds',
      expr: `histogram_quantile(0.99, sum by (service, le) (rate(${HTTP}_bucket[1m])))`,
    },
    {
      name: 'traffic',
      kind: 'traffic',
      title: 'HTTP requests/s',
      unit: 'requests/s',
      expr: `sum by (service) (rate(${HTTP}_count[1m]))`,
    },
    {
      name: 'errors',
      kind: 'errors',
      title: 'HTTP 5xx ratio',
      unit: 'ratio',
      expr: ratio(`${HTTP}_count{status=~"5.."}`, `${HTTP}_count`),
    },
    {
      name: 'rpc_traffic',
      kind: 'traffic',
      title: 'gRPC calls/s',
      unit: 'requests/s',
      expr: 'sum by (service) (rate(rpc_server_duration_seconds_count[1m]))',
    },
    {
      name: 'cpu',
      kind: 'saturation',
      title: 'CPU (cores)',
      unit: 'cores',
      expr: 'sum by (service) (rate(process_cpu_seconds_total[1m]))',
    },
  ],
};

const vector = (labels: string, values: Record<string, number>) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: Object.entries(values).map(([key, value]) => ({
      metric: { [labels]: key },
      value: [1_796_624_100, String(value)],
    })),
  },
});

const sloVector = (rows: [string, string, number][]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: rows.map(([service, slo, value]) => ({
      metric: { __name__: 'x', service, slo },
      value: [1_796_624_100, String(value)],
    })),
  },
});

function queries(slos: { budgets: [string, string, number][]; objectives: [string, string, number][] }) {
  return (call: FakeCall) => {
    const expr = call.query.get('query') ?? '';
    if (expr === 'slo:error_budget_remaining:ratio') return sloVector(slos.budgets);
    if (expr === 'slo:objective:ratio') return sloVector(slos.objectives);
    if (expr.startsWith('histogram_quantile(0.99'))
      return vector('service', { gateway: 0.12, cart: 0.08, orders: 0.3, payments: 0.2, catalog: 0.05 });
    if (expr.startsWith('(sum by (service) (rate(http'))
      return vector('service', { gateway: 0.01, cart: 0.001, orders: 0.02, payments: 0, catalog: 0.09 });
    if (expr.startsWith('sum by (service) (rate(http'))
      return vector('service', { gateway: 20, cart: 12, orders: 3, payments: 3, catalog: 4 });
    if (expr.startsWith('sum by (service) (rate(rpc')) return vector('service', { payments: 1 });
    return { status: { status: 400 }, body: { detail: `unexpected query ${expr}` } };
  };
}

const ANOMALY = {
  id: 'payments/latency_p95@1796624000000',
  service: 'payments',
  signal: 'latency_p95',
  kind: 'latency',
  unit: 'seconds',
  labels: { service: 'payments' },
  query: 'histogram_quantile(0.95, …)',
  state: 'firing',
  startsAtMs: 1_796_624_000_000,
  lastAnomalousAtMs: 1_796_624_090_000,
  score: 0.93,
  atMs: 1_796_624_060_000,
  value: 0.45,
  expected: 0.05,
  expectedLow: 0.03,
  expectedHigh: 0.08,
  direction: 'above',
  detector: 'ensemble',
};

const INCIDENT = {
  id: 'inc-20261207-0001',
  opened_at: '2026-12-07T06:10:00.000Z',
  resolved_at: null,
  status: 'open',
  verified: false,
  severity: 'critical',
  services: ['payments', 'orders'],
  root_causes: [
    { service: 'orders', kind: 'dependency', score: 0.2, evidence: ['calls to payments fail'] },
    { service: 'payments', kind: 'change', score: 0.7, evidence: ['deployed r2 1 min before'] },
  ],
  actions: [],
  timeline: [],
  signals: [],
  changes: [],
  merged_from: [],
};

function api(
  options: {
    incidents?: unknown[];
    slos?: { budgets: [string, string, number][]; objectives: [string, string, number][] };
  } = {},
) {
  return fakeControlApi({
    'GET /v1/status': STATUS,
    'GET /api/dependencies': GRAPH,
    'GET /v1/signals': SIGNALS,
    'GET /api/v1/query': queries(options.slos ?? { budgets: [], objectives: [] }),
    'GET /v1/anomalies': { anomalies: [ANOMALY] },
    'GET /v1/incidents': { incidents: options.incidents ?? [] },
  });
}

const linkNamed = (name: string) =>
  document.querySelector<SVGAElement>(`a[aria-label^="${name}:"]`) ?? undefined;

describe('<OverviewPage>', () => {
  it('draws every service with its figures and marks the ones needing attention', async () => {
    const fake = api();
    renderSignedIn(<OverviewPage />, { api: fake.api, role: 'viewer' });
    const cart = await screen.findByRole('link', {
      name: 'cart: 12 req/s · 0.1 % err, p99 80 ms · 2/2 ready',
    });
    expect(cart.getAttribute('href')).toBe('#/services/cart');
    expect(cart.getAttribute('class')).not.toContain('attention');

    // An active anomaly: red border and a ⚠ marker in its name, and the reason in its accessible name.
    await waitFor(() => expect(linkNamed('payments')?.getAttribute('class')).toContain('attention'));
    const payments = linkNamed('payments')!;
    expect(payments.getAttribute('aria-label')).toBe(
      'payments: 4 req/s · 0.0 % err, p99 200 ms · 1/1 ready; needs attention: anomaly in latency_p95',
    );
    expect(within(payments as unknown as HTMLElement).getByText(/⚠/)).toBeTruthy();
    // Unready replicas, and errors above 5 %.
    expect(linkNamed('orders')!.getAttribute('aria-label')).toContain('1 replica(s) not ready');
    await waitFor(() => expect(linkNamed('catalog')!.getAttribute('aria-label')).toContain('errors 9.0 %'));
    // A database seen only in traces is drawn, but is no link.
    expect(screen.getByRole('img', { name: /^postgres: called service outside the runtime/ })).toBeTruthy();
    expect(linkNamed('postgres')).toBeUndefined();

    const graphCall = fake.calls.find((c) => c.path === '/api/dependencies')!;
    expect(Number(graphCall.query.get('start'))).toBeGreaterThan(Date.now() - 6 * 60_000);
    expect(fake.calls.find((c) => c.path === '/v1/signals')!.query.get('window')).toBe('1m');
    // Only the signals the map shows are queried (not cpu).
    expect(fake.calls.some((c) => c.query.get('query')?.includes('process_cpu'))).toBe(false);
    expect(fake.calls.find((c) => c.path === '/v1/anomalies')!.query.get('state')).toBe('firing');
  });

  it('lays the gateway out first and draws calls with their rate', async () => {
    renderSignedIn(<OverviewPage />, { api: api().api });
    await screen.findByRole('link', { name: /^gateway:/ });
    const x = (name: string) => Number(linkNamed(name)!.querySelector('rect')!.getAttribute('x'));
    expect(x('gateway')).toBeLessThan(x('orders'));
    // Keyboard order follows the picture: the gateway's column first.
    expect(screen.getAllByRole('link')[0]!.getAttribute('aria-label')).toMatch(/^gateway:/);
    expect(x('orders')).toBeLessThan(x('payments'));
    expect(screen.getByText('gateway calls cart: 12 calls/s, 0.0 % errors')).toBeTruthy();
    // 10 % of gateway → orders calls fail: drawn as failing, with a marker.
    expect(
      screen.getByText('gateway calls orders: 3 calls/s, 10.0 % errors').parentElement!.getAttribute('class'),
    ).toContain('failing');
  });

  it('lists open incidents with their top cause, and marks their services', async () => {
    const fake = api({ incidents: [INCIDENT] });
    renderSignedIn(<OverviewPage />, { api: fake.api });
    const link = await screen.findByRole('link', { name: 'inc-20261207-0001' });
    expect(link.getAttribute('href')).toBe('#/incidents/inc-20261207-0001');
    const row = link.closest('tr')!;
    expect(row.textContent).toContain('payments change 70 %');
    expect(row.textContent).toContain('payments, orders');
    expect(within(row).getByText('open')).toBeTruthy();
    expect(fake.calls.find((c) => c.path === '/v1/incidents')!.query.get('status')).toBe('active');
    await waitFor(() =>
      expect(linkNamed('orders')!.getAttribute('aria-label')).toContain('in incident inc-20261207-0001'),
    );
  });

  it('says there are no SLOs and no open incidents when there are none', async () => {
    renderSignedIn(<OverviewPage />, { api: api().api });
    expect(await screen.findByText(/No SLOs are defined/)).toBeTruthy();
    expect(await screen.findByText('No open incidents.')).toBeTruthy();
  });

  it('shows each SLO with its objective, remaining budget and state', async () => {
    renderSignedIn(<OverviewPage />, {
      api: api({
        slos: {
          budgets: [
            ['payments', 'availability', -0.25],
            ['cart', 'availability', 0.82],
            ['orders', 'latency', 0.3],
          ],
          objectives: [
            ['cart', 'availability', 0.999],
            ['orders', 'latency', 0.99],
            ['payments', 'availability', 0.995],
          ],
        },
      }).api,
    });
    const table = (await screen.findByText('latency', { selector: 'td' })).closest('table')!;
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows).toEqual([
      ['cart', 'availability', '99.90 %', ' 82.0 %', 'ok'],
      ['orders', 'latency', '99.00 %', ' 30.0 %', 'burning'],
      ['payments', 'availability', '99.50 %', ' -25.0 %', 'exhausted'],
    ]);
  });

  it('shows why the map cannot be drawn when the status fails', async () => {
    const fake = fakeControlApi({
      'GET /v1/status': { status: 503, body: { detail: 'the runtime is stopping' } },
    });
    renderSignedIn(<OverviewPage />, { api: fake.api });
    expect(await screen.findByText('Status: the runtime is stopping')).toBeTruthy();
  });

  it('fetches the status again when a replica becomes ready', async () => {
    const fake = api();
    const page = renderSignedIn(<OverviewPage />, { api: fake.api });
    await screen.findByRole('link', { name: /^cart:/ });
    const before = fake.calls.filter((c) => c.path === '/v1/status').length;
    page.emit({ type: 'replica-ready', service: 'orders', replica: 'orders-2' });
    await waitFor(() => expect(fake.calls.filter((c) => c.path === '/v1/status').length).toBe(before + 1));
  });
});

describe('sloState', () => {
  it('is ok from half the budget, burning below, exhausted at none', () => {
    expect([1, 0.5, 0.49, 0.01, 0, -0.3].map(sloState)).toEqual([
      'ok',
      'ok',
      'burning',
      'burning',
      'exhausted',
      'exhausted',
    ]);
  });
});
