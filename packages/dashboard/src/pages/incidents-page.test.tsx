// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeCall } from '../testing/fake-api.js';
import { fakeControlApi, renderSignedIn } from '../testing/fake-api.js';
import { IncidentsPage } from './incidents-page.js';

afterEach(cleanup);

const incident = (id: string, status: string, overrides: Record<string, unknown> = {}) => ({
  id,
  opened_at: '2026-12-07T05:40:00.000Z',
  resolved_at: status === 'resolved' ? '2026-12-07T05:52:00.000Z' : null,
  status,
  verified: status === 'resolved',
  severity: 'critical',
  services: ['orders'],
  root_causes: [],
  actions: [],
  timeline: [],
  signals: [],
  changes: [],
  merged_from: [],
  ...overrides,
});

const INCIDENTS = [
  incident('inc-3', 'open', {
    services: ['payments', 'orders'],
    root_causes: [
      { service: 'orders', kind: 'dependency', score: 0.25, evidence: [] },
      { service: 'payments', kind: 'change', score: 0.61, evidence: [] },
    ],
  }),
  incident('inc-2', 'mitigating', {
    actions: [{ type: 'rollback', target: 'cart', at: '2026-12-07T05:45:00.000Z', result: 'executing' }],
  }),
  incident('inc-1', 'resolved', {
    actions: [
      { type: 'restart', target: 'cart/cart-2', at: '2026-12-07T05:45:00.000Z', result: 'executed' },
      { type: 'restart', target: 'cart/cart-2', at: '2026-12-07T05:47:00.000Z', result: 'verified' },
    ],
  }),
];

const PROPOSAL = {
  id: 'prop-7',
  incidentId: 'inc-3',
  action: { type: 'rollback', service: 'payments', revision: 'r2', toRevision: 'r1' },
  target: 'payments',
  policy: 'rollback-recent-deploy',
  reason: 'payments was deployed 1 min before the incident',
  proposedAtMs: 1_796_622_060_000,
  expiresAtMs: 1_796_622_960_000,
  proposedAt: '2026-12-07T05:41:00.000Z',
  expiresAt: '2026-12-07T05:56:00.000Z',
};

function fake(proposals: unknown[] = [PROPOSAL]) {
  return fakeControlApi({
    'GET /v1/incidents': (call: FakeCall) => {
      const status = call.query.get('status');
      return {
        incidents: INCIDENTS.filter((i) =>
          status === null ? true : status === 'active' ? i.status !== 'resolved' : i.status === status,
        ),
      };
    },
    'GET /v1/remediation/proposals': { proposals },
    'POST /v1/remediation/proposals/prop-7/approve': {
      incidentId: 'inc-3',
      state: 'executing',
      attempts: 1,
      proposalId: 'prop-7',
    },
    'POST /v1/remediation/proposals/prop-7/reject': { incidentId: 'inc-3', state: 'rejected', attempts: 0 },
  });
}

const ids = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelector('a')?.textContent);

describe('<IncidentsPage>', () => {
  it('lists incidents with status, services, top cause and action count', async () => {
    renderSignedIn(<IncidentsPage />, { api: fake([]).api, role: 'viewer' });
    const link = await screen.findByRole('link', { name: 'inc-3' });
    expect(link.getAttribute('href')).toBe('#/incidents/inc-3');
    const cells = [...link.closest('tr')!.querySelectorAll('td')].map((td) => td.textContent);
    expect(cells[1]).toBe('open');
    expect(cells[3]).toBe('–');
    expect(cells[4]).toBe('payments, orders');
    expect(cells[5]).toBe('payments change 61 %');
    expect(cells[6]).toBe('0');
    expect(ids()).toEqual(['inc-3', 'inc-2', 'inc-1']);
    const resolved = screen.getByRole('link', { name: 'inc-1' }).closest('tr')!;
    expect(resolved.querySelectorAll('td')[6]!.textContent).toBe('2');
  });

  it('filters by status through the API', async () => {
    const api = fake([]);
    renderSignedIn(<IncidentsPage />, { api: api.api });
    await screen.findByRole('link', { name: 'inc-1' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'resolved' } });
    await waitFor(() => expect(ids()).toEqual(['inc-1']));
    expect(
      api.calls
        .filter((c) => c.path === '/v1/incidents')
        .at(-1)!
        .query.get('status'),
    ).toBe('resolved');
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'active' } });
    await waitFor(() => expect(ids()).toEqual(['inc-3', 'inc-2']));
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'escalated' } });
    expect(await screen.findByText('No escalated incidents.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'all' } });
    await waitFor(() => expect(ids()).toHaveLength(3));
    expect(
      api.calls
        .filter((c) => c.path === '/v1/incidents')
        .at(-1)!
        .query.has('status'),
    ).toBe(false);
  });

  it('lets an operator approve a pending proposal (a POST), then refreshes the proposals', async () => {
    const api = fake();
    renderSignedIn(<IncidentsPage />, { api: api.api, role: 'operator' });
    const card = await screen.findByRole('region', { name: 'Waiting for approval' });
    expect(within(card).getByText('roll back payments to r1')).toBeTruthy();
    expect(within(card).getByText(/payments was deployed 1 min before/)).toBeTruthy();
    fireEvent.click(within(card).getByRole('button', { name: 'Approve: roll back payments to r1' }));
    expect(await screen.findByText('Approved.')).toBeTruthy();
    const posts = api.calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.path)).toEqual(['/v1/remediation/proposals/prop-7/approve']);
    await waitFor(() =>
      expect(api.calls.filter((c) => c.path === '/v1/remediation/proposals').length).toBe(2),
    );
  });

  it('still says the proposal was approved once it has left the pending list', async () => {
    let approved = false;
    const api = fakeControlApi({
      'GET /v1/incidents': { incidents: INCIDENTS },
      // The runtime's event refetches the list before the POST answers: the proposal is gone by then.
      'GET /v1/remediation/proposals': () => ({ proposals: approved ? [] : [PROPOSAL] }),
      'POST /v1/remediation/proposals/prop-7/approve': () => {
        approved = true;
        return { incidentId: 'inc-3', state: 'executing', attempts: 1, proposalId: 'prop-7' };
      },
    });
    renderSignedIn(<IncidentsPage />, { api: api.api, role: 'operator' });
    const card = await screen.findByRole('region', { name: 'Waiting for approval' });
    fireEvent.click(within(card).getByRole('button', { name: 'Approve: roll back payments to r1' }));
    expect(await screen.findByText('Approved.')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Approve: / })).toBeNull());
    expect(screen.getByText('Approved.')).toBeTruthy();
    expect(screen.getByText(/Under way: roll back payments to r1/)).toBeTruthy();
  });

  it('posts a rejection, and says why when the API refuses a decision', async () => {
    const api = fakeControlApi({
      'GET /v1/incidents': { incidents: [] },
      'GET /v1/remediation/proposals': { proposals: [PROPOSAL] },
      'POST /v1/remediation/proposals/prop-7/reject': {
        status: 404,
        body: { detail: 'no pending remediation proposal prop-7' },
      },
    });
    renderSignedIn(<IncidentsPage />, { api: api.api, role: 'admin' });
    fireEvent.click(await screen.findByRole('button', { name: /^Reject: / }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The decision was refused: no pending remediation proposal prop-7',
    );
    expect(api.calls.some((c) => c.method === 'POST' && c.path.endsWith('/reject'))).toBe(true);
    expect(screen.getByText('No incidents yet.')).toBeTruthy();
  });

  it('shows a viewer the proposal without Approve / Reject', async () => {
    renderSignedIn(<IncidentsPage />, { api: fake().api, role: 'viewer' });
    const card = await screen.findByRole('region', { name: 'Waiting for approval' });
    expect(within(card).getByText('roll back payments to r1')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Approve|Reject/ })).toBeNull();
  });

  it('says so when incidents are off', async () => {
    const api = fakeControlApi({
      'GET /v1/incidents': {
        status: 404,
        body: { detail: 'incidents are off (runtime.aiops.incidents.enabled or runtime.telemetry.enabled)' },
      },
      'GET /v1/remediation/proposals': { status: 404, body: { detail: 'incidents are off' } },
    });
    renderSignedIn(<IncidentsPage />, { api: api.api });
    expect((await screen.findByRole('alert')).textContent).toContain('Incidents: incidents are off');
    expect(screen.queryByRole('region', { name: 'Waiting for approval' })).toBeNull();
  });
});
