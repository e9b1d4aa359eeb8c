// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseStatus, RolloutStatus } from '@opsloop/contracts';
import type { SystemStatus } from '../api/types.js';
import { fakeControlApi, renderSignedIn, type FakeCall } from '../testing/fake-api.js';
import { DeploymentsPage, describeDeliveryEvent, rolloutState } from './deployments-page.js';

afterEach(cleanup);

const replica = (service: string, ordinal: number, revision: string) => ({
  name: `${service}-${ordinal}`,
  service,
  phase: 'running' as const,
  ready: true,
  pid: 4100 + ordinal,
  port: 41000 + ordinal,
  url: `http://127.0.0.1:${41000 + ordinal}`,
  restarts: 0,
  lastExit: null,
  startedAt: '2026-12-07T06:00:00.000Z',
  nextRestartAt: null,
  revision,
});

const STATUS: SystemStatus = {
  system: 'shop',
  startedAt: '2026-12-07T05:58:00.000Z',
  services: [
    {
      name: 'catalog',
      desiredReplicas: 2,
      readyReplicas: 3,
      exposed: null,
      replicas: [
        replica('catalog', 1, 'aaaaaaaaaa'),
        replica('catalog', 2, 'aaaaaaaaaa'),
        replica('catalog', 3, 'bbbbbbbbbb'),
      ],
      revision: 'bbbbbbbbbb',
      updatedReplicas: 1,
    },
    {
      name: 'orders',
      desiredReplicas: 1,
      readyReplicas: 1,
      exposed: null,
      replicas: [replica('orders', 1, 'cccccccccc')],
      revision: 'cccccccccc',
      updatedReplicas: 1,
    },
  ],
};

// As the runtime answers a canary (steps [10, 50]) at its second step, after two verdicts.
const CATALOG: RolloutStatus = {
  service: 'catalog',
  strategy: 'Canary',
  revision: 'bbbbbbbbbb',
  stableRevision: 'aaaaaaaaaa',
  desiredReplicas: 2,
  updatedReplicas: 1,
  readyReplicas: 3,
  paused: false,
  complete: false,
  progress: {
    strategy: 'Canary',
    stableRevision: 'aaaaaaaaaa',
    newRevision: 'bbbbbbbbbb',
    weight: 50,
    step: 2,
    steps: 2,
    phase: 'analysing',
    fastTrack: false,
    analyses: [
      {
        at: '2026-12-07T06:01:00.000Z',
        weight: 10,
        verdict: 'pass',
        baselineRequests: 1800,
        canaryRequests: 210,
        checks: [
          {
            name: 'success-rate',
            verdict: 'pass',
            baseline: 0.999,
            canary: 1,
            pValue: 1,
            detail: 'errors 0.00 % (canary) vs 0.10 % (baseline), tolerance 1.00 %, p = 1.00',
          },
          {
            name: 'latency-p99',
            verdict: 'pass',
            baseline: 48.5,
            canary: 47.9,
            pValue: 0.91,
            detail: 'p99 47.9 ms (canary) vs 48.5 ms (baseline), allowed 58.2 ms',
          },
        ],
      },
      {
        at: '2026-12-07T06:02:00.000Z',
        weight: 50,
        verdict: 'inconclusive',
        baselineRequests: 1200,
        canaryRequests: 1150,
        checks: [
          {
            name: 'success-rate',
            verdict: 'pass',
            baseline: 0.998,
            canary: 0.997,
            pValue: 0.4,
            detail: 'errors 0.30 % (canary) vs 0.20 % (baseline), tolerance 1.00 %, p = 0.400',
          },
          {
            name: 'latency-p99',
            verdict: 'inconclusive',
            baseline: 49,
            canary: 74.5,
            pValue: 0.08,
            detail: 'p99 74.5 ms (canary) vs 49 ms (baseline), allowed 58.8 ms, p = 0.0800',
          },
          {
            name: 'detector-errors',
            verdict: 'pass',
            baseline: 0.002,
            canary: 0.003,
            detail: "within the expected band [baseline: live detection's state]",
          },
          {
            name: 'detector-latency',
            verdict: 'inconclusive',
            baseline: null,
            canary: null,
            detail: 'the detectors could not judge: too few points',
          },
        ],
      },
    ],
  },
  history: [
    { revision: 'aaaaaaaaaa', at: '2026-12-07T05:58:00.000Z', cause: 'initial' },
    { revision: 'bbbbbbbbbb', at: '2026-12-07T06:00:00.000Z', cause: 'apply' },
  ],
};

const ORDERS: RolloutStatus = {
  service: 'orders',
  strategy: 'RollingUpdate',
  revision: 'cccccccccc',
  stableRevision: 'cccccccccc',
  desiredReplicas: 1,
  updatedReplicas: 1,
  readyReplicas: 1,
  paused: false,
  complete: true,
  lastOutcome: {
    result: 'aborted',
    revision: 'cccccccccc',
    other: 'dddddddddd',
    at: '2026-12-07T05:59:00.000Z',
    reason: 'analysis failed',
  },
  history: [
    { revision: 'cccccccccc', at: '2026-12-07T05:58:00.000Z', cause: 'initial' },
    { revision: 'dddddddddd', at: '2026-12-07T05:58:30.000Z', cause: 'apply' },
    { revision: 'cccccccccc', at: '2026-12-07T05:59:00.000Z', cause: 'rollback' },
  ],
};

const RELEASES: { releases: ReleaseStatus[] } = {
  releases: [
    {
      group: 'contract',
      phase: 'rolled-back',
      startedAt: '2026-12-07T05:58:20.000Z',
      finishedAt: '2026-12-07T05:59:00.000Z',
      message: 'orders was rolled back by its analysis',
      members: [
        { service: 'orders', from: 'cccccccccc', to: 'dddddddddd', state: 'rolled-back' },
        { service: 'checkout', from: 'eeeeeeeeee', to: null, state: 'pending' },
      ],
    },
  ],
};

const EVENTS = {
  events: [
    {
      seq: 10,
      at: '2026-12-07T06:00:00.000Z',
      type: 'spec-applied',
      changes: ['catalog: rolling update aaaaaaaaaa → bbbbbbbbbb'],
    },
    {
      seq: 11,
      at: '2026-12-07T06:00:01.000Z',
      type: 'replica-started',
      service: 'catalog',
      replica: 'catalog-3',
      pid: 4103,
      port: 41003,
    },
    {
      seq: 12,
      at: '2026-12-07T06:00:05.000Z',
      type: 'rollout-step',
      service: 'catalog',
      revision: 'bbbbbbbbbb',
      weight: 10,
      step: 1,
      of: 2,
    },
    {
      seq: 13,
      at: '2026-12-07T06:01:00.000Z',
      type: 'rollout-analysis',
      service: 'catalog',
      revision: 'bbbbbbbbbb',
      weight: 10,
      verdict: 'pass',
      summary: 'success-rate pass; latency-p99 pass',
    },
    {
      seq: 14,
      at: '2026-12-07T06:01:01.000Z',
      type: 'release-group',
      group: 'contract',
      phase: 'rolled-back',
      message: 'orders was rolled back',
    },
  ],
  last: 14,
};

function routes(overrides: Record<string, unknown> = {}) {
  return {
    'GET /v1/status': STATUS,
    'GET /v1/services/catalog/rollout': CATALOG,
    'GET /v1/services/orders/rollout': ORDERS,
    'GET /v1/releases': RELEASES,
    'GET /v1/events': EVENTS,
    ...overrides,
  };
}

const posts = (calls: FakeCall[]) =>
  calls.filter((c) => c.method === 'POST').map((c) => ({ path: c.path, body: c.body }));

describe('<DeploymentsPage>', () => {
  it('shows a canary in progress: step of N, traffic, and the canary-vs-baseline analysis', async () => {
    const fake = fakeControlApi(routes());
    renderSignedIn(<DeploymentsPage />, { api: fake.api, role: 'viewer' });
    const card = await screen.findByRole('region', { name: 'Rollout of catalog' });
    const view = within(card);
    expect(view.getByText('Canary', { selector: 'dd' })).toBeTruthy();
    expect(view.getByText('analysing')).toBeTruthy();
    expect(view.getByText('2 of 3')).toBeTruthy();
    expect(view.getByText('50 %')).toBeTruthy();
    const steps = within(view.getByRole('list', { name: 'Steps of the catalog rollout' })).getAllByRole(
      'listitem',
    );
    expect(steps.map((s) => s.textContent)).toEqual([
      '✓Step 1done',
      '2Step 2 · 50 %current',
      '3Promotion · 100 %pending',
    ]);
    expect(steps[1]!.getAttribute('aria-current')).toBe('step');

    const analysis = view.getByRole('region', { name: 'Canary vs baseline analysis of catalog' });
    const rows = within(within(analysis).getAllByRole('table')[0]!).getAllByRole('row').slice(1);
    expect(rows.map((r) => Array.from(r.children, (c) => c.textContent).slice(0, 4))).toEqual([
      ['Success rate', '99.70 %', '99.80 %', 'pass'],
      ['Latency p99', '74.5 ms', '49 ms', 'inconclusive'],
      ['Error ratio (detector)', '0.30 %', '0.20 %', 'pass'],
      ['Latency p95 (detector)', '–', '–', 'inconclusive'],
    ]);
    const chart = within(analysis).getByRole('img');
    expect(chart.getAttribute('aria-label')).toContain(
      'Latency p99 canary 74.5 ms, baseline 49 ms, inconclusive',
    );
    expect(within(analysis).getByText('Earlier verdicts (1)')).toBeTruthy();
  });

  it('lists every service, release groups and the rollout history, and hides mutating buttons from viewers', async () => {
    const fake = fakeControlApi(routes());
    renderSignedIn(<DeploymentsPage />, { api: fake.api, role: 'viewer' });
    const services = await screen.findByRole('region', { name: 'Services' });
    expect(within(services).getByText('RollingUpdate')).toBeTruthy();
    expect(within(services).getByText('aborted')).toBeTruthy();
    const releases = await screen.findByRole('table', { name: 'Members of release group contract' });
    expect(within(releases).getByText('unchanged')).toBeTruthy();
    const history = await screen.findByRole('region', { name: 'Rollout history' });
    await waitFor(() => expect(within(history).getAllByRole('row')).toHaveLength(5));
    expect(within(history).queryByText('replica-started')).toBeNull();
    expect(within(history).getByText('step 1 of 2: 10 % to bbbbbbbbbb')).toBeTruthy();
    expect(screen.queryAllByRole('button', { name: /promote|pause|resume|abort|undo/i })).toEqual([]);
  });

  it('lets an operator promote at once and abort after confirming, posting to the rollout routes', async () => {
    const fake = fakeControlApi(
      routes({
        'POST /v1/services/catalog/rollout/promote': CATALOG,
        'POST /v1/services/catalog/rollout/abort': CATALOG,
      }),
    );
    renderSignedIn(<DeploymentsPage />, { api: fake.api, role: 'operator' });
    fireEvent.click(await screen.findByRole('button', { name: 'Promote catalog' }));
    await waitFor(() =>
      expect(posts(fake.calls)).toEqual([{ path: '/v1/services/catalog/rollout/promote', body: {} }]),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Abort catalog' }));
    const question = screen.getByRole('group', {
      name: /Abort the rollout of catalog and go back to aaaaaaaaaa/,
    });
    expect(posts(fake.calls)).toHaveLength(1);
    fireEvent.click(within(question).getByRole('button', { name: 'Yes, abort' }));
    await waitFor(() => expect(posts(fake.calls)).toHaveLength(2));
    expect(posts(fake.calls)[1]).toEqual({ path: '/v1/services/catalog/rollout/abort', body: {} });
  });

  it('cancels a confirmation with nothing sent, and shows the problem detail of a refused undo', async () => {
    const fake = fakeControlApi(
      routes({
        'POST /v1/services/orders/rollout/undo': {
          status: 409,
          body: { detail: 'orders has no earlier revision to go back to' },
        },
      }),
    );
    renderSignedIn(<DeploymentsPage />, { api: fake.api, role: 'operator' });
    fireEvent.click(await screen.findByRole('button', { name: 'Undo orders' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(posts(fake.calls)).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Undo orders' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, undo' }));
    const alert = await screen.findByText(/orders has no earlier revision to go back to/);
    expect(alert.getAttribute('role')).toBe('alert');
    expect(posts(fake.calls)).toEqual([{ path: '/v1/services/orders/rollout/undo', body: {} }]);
  });

  it('offers Resume on a paused rollout and refetches on rollout events', async () => {
    let catalog: RolloutStatus = {
      ...CATALOG,
      paused: true,
      progress: { ...CATALOG.progress!, phase: 'paused' },
    };
    const fake = fakeControlApi(routes({ 'GET /v1/services/catalog/rollout': () => catalog }));
    const page = renderSignedIn(<DeploymentsPage />, { api: fake.api, role: 'admin' });
    expect(await screen.findByRole('button', { name: 'Resume catalog' })).toBeTruthy();
    catalog = { ...CATALOG };
    page.emit({ type: 'rollout-action', service: 'catalog', action: 'resume' });
    expect(await screen.findByRole('button', { name: 'Pause catalog' })).toBeTruthy();
  });

  it('says when nothing is rolling out, and shows an error when the status cannot be read', async () => {
    const quiet = fakeControlApi(
      routes({
        'GET /v1/services/catalog/rollout': {
          ...CATALOG,
          progress: undefined,
          complete: true,
          updatedReplicas: 2,
        },
      }),
    );
    renderSignedIn(<DeploymentsPage />, { api: quiet.api, role: 'viewer' });
    expect(await screen.findByText(/No rollout in progress/)).toBeTruthy();
    cleanup();
    const broken = fakeControlApi(
      routes({ 'GET /v1/status': { status: 503, body: { detail: 'the runtime is stopping' } } }),
    );
    renderSignedIn(<DeploymentsPage />, { api: broken.api, role: 'viewer' });
    expect((await screen.findByText(/the runtime is stopping/)).textContent).toBe(
      'Rollouts: the runtime is stopping',
    );
  });
});

describe('rollout helpers', () => {
  it('names the state of a rollout', () => {
    expect(rolloutState(CATALOG)).toEqual({ label: 'analysing', tone: 'info' });
    expect(rolloutState(ORDERS)).toEqual({ label: 'complete', tone: 'ok' });
    expect(rolloutState({ ...ORDERS, complete: false })).toEqual({ label: 'rolling', tone: 'info' });
    expect(rolloutState({ ...CATALOG, progress: { ...CATALOG.progress!, fastTrack: true } }).label).toBe(
      'rolling back',
    );
  });

  it('describes delivery events in one line', () => {
    expect(
      describeDeliveryEvent({
        seq: 1,
        at: '',
        type: 'rollout-aborted',
        service: 'orders',
        revision: 'cccccccccc',
        from: 'dddddddddd',
        reason: 'analysis failed',
      }),
    ).toBe('back to cccccccccc from dddddddddd: analysis failed');
    expect(describeDeliveryEvent({ seq: 2, at: '', type: 'spec-applied', changes: ['a', 'b'] })).toBe('a; b');
  });
});
