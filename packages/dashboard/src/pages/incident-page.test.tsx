// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeControlApi, renderSignedIn } from '../testing/fake-api.js';
import { IncidentPage } from './incident-page.js';

afterEach(cleanup);

const INCIDENT = {
  id: 'inc-20261207-0003',
  opened_at: '2026-12-07T05:40:00.000Z',
  resolved_at: '2026-12-07T05:52:30.000Z',
  status: 'resolved',
  verified: true,
  severity: 'critical',
  services: ['payments', 'orders'],
  // Not in rank order on purpose: the page ranks by score.
  root_causes: [
    { service: 'orders', kind: 'dependency', score: 0.18, evidence: ['calls to payments fail (41 %)'] },
    {
      service: 'payments',
      kind: 'change',
      score: 0.64,
      evidence: ['deployed r2 52 s before the first symptom', 'its 5xx ratio rose from 0.1 % to 38 %'],
    },
    { service: 'postgres', kind: 'saturation', score: 0.09, evidence: [] },
  ],
  actions: [
    {
      type: 'rollback',
      target: 'payments',
      at: '2026-12-07T05:43:10.000Z',
      result: 'executed',
      detail: 'rolled back payments r2 → r1',
    },
    { type: 'rollback', target: 'payments', at: '2026-12-07T05:45:10.000Z', result: 'verified' },
  ],
  timeline: [
    { at: '2026-12-07T05:43:10.000Z', kind: 'action', summary: 'executed: roll back payments r2 → r1' },
    { at: '2026-12-07T05:39:08.000Z', kind: 'change', summary: 'payments deployed r2' },
    {
      at: '2026-12-07T05:40:00.000Z',
      kind: 'signal',
      summary: 'payments errors 0.38 (expected 0.001)',
      count: 4,
      last_at: '2026-12-07T05:42:00.000Z',
    },
    { at: '2026-12-07T05:40:12.000Z', kind: 'diagnosis', summary: 'top cause: payments change (64 %)' },
    { at: '2026-12-07T05:45:10.000Z', kind: 'verification', summary: 'payments errors back to normal' },
    { at: '2026-12-07T05:52:30.000Z', kind: 'status', summary: 'resolved (verified)' },
  ],
  signals: [],
  changes: [{ at: '2026-12-07T05:39:08.000Z', service: 'payments', change: 'deploy', detail: 'r1 → r2' }],
  merged_from: ['inc-20261207-0002'],
};

const PROPOSALS = {
  proposals: [
    {
      id: 'prop-9',
      incidentId: 'inc-20261207-0003',
      action: { type: 'scale-out', service: 'orders', from: 2, to: 4 },
      target: 'orders',
      policy: 'scale-out-saturated',
      reason: 'orders CPU at 95 %',
      proposedAtMs: 1_796_622_060_000,
      expiresAtMs: 1_796_622_960_000,
      proposedAt: '2026-12-07T05:41:00.000Z',
      expiresAt: '2026-12-07T05:56:00.000Z',
    },
    {
      id: 'prop-10',
      incidentId: 'inc-other',
      action: { type: 'restart', service: 'cart', replica: 'cart-1' },
      target: 'cart/cart-1',
      policy: 'restart-unhealthy',
      reason: 'cart-1 unready',
      proposedAtMs: 1_796_622_060_000,
      expiresAtMs: 1_796_622_960_000,
      proposedAt: '2026-12-07T05:41:00.000Z',
      expiresAt: '2026-12-07T05:56:00.000Z',
    },
  ],
};

function fake(incident: unknown = INCIDENT) {
  return fakeControlApi({
    'GET /v1/incidents/inc-20261207-0003': incident,
    'GET /v1/remediation/proposals': PROPOSALS,
    'POST /v1/remediation/proposals/prop-9/approve': { incidentId: 'inc-20261207-0003', state: 'executing' },
  });
}

describe('<IncidentPage>', () => {
  it('shows the header: status, times, duration and services', async () => {
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: fake().api, role: 'viewer' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Incident inc-20261207-0003' })).toBeTruthy();
    expect(screen.getByText('resolved')).toBeTruthy();
    expect(screen.getByText('recovery verified')).toBeTruthy();
    expect(screen.getByText('Duration').nextElementSibling!.textContent).toBe('13 min');
    expect(screen.getByText('Merged from').nextElementSibling!.textContent).toBe('inc-20261207-0002');
    const services = screen.getByText('Services').nextElementSibling!;
    expect(
      within(services as HTMLElement)
        .getByRole('link', { name: 'orders' })
        .getAttribute('href'),
    ).toBe('#/services/orders');
  });

  it('ranks the root causes by score, each with its evidence', async () => {
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: fake().api });
    const list = await screen.findByRole('list', { name: 'Root causes, most likely first' });
    const causes = [...list.children].map((li) => li.querySelector('.cause-head')!.textContent);
    expect(causes).toEqual([
      'paymentschangescore 64 %',
      'ordersdependencyscore 18 %',
      'postgressaturationscore 9 %',
    ]);
    const evidence = screen.getByRole('list', { name: 'Evidence for payments change' });
    expect(
      within(evidence)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['deployed r2 52 s before the first symptom', 'its 5xx ratio rose from 0.1 % to 38 %']);
  });

  it('shows every timeline entry oldest first with its time, kind and summary, and filters by kind', async () => {
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: fake().api });
    const timeline = await screen.findByRole('list', { name: 'Timeline, oldest first' });
    const entries = () =>
      within(timeline)
        .getAllByRole('listitem')
        .map((li) => [li.querySelector('time')!.getAttribute('dateTime'), li.getAttribute('data-kind')]);
    expect(entries()).toEqual([
      ['2026-12-07T05:39:08.000Z', 'change'],
      ['2026-12-07T05:40:00.000Z', 'signal'],
      ['2026-12-07T05:40:12.000Z', 'diagnosis'],
      ['2026-12-07T05:43:10.000Z', 'action'],
      ['2026-12-07T05:45:10.000Z', 'verification'],
      ['2026-12-07T05:52:30.000Z', 'status'],
    ]);
    expect(within(timeline).getByText(/payments errors 0.38/).textContent).toContain('(×4, last');
    expect(within(timeline).getAllByRole('listitem')[0]!.textContent).toContain('changepayments deployed r2');
    fireEvent.click(screen.getByRole('checkbox', { name: /signal \(1\)/ }));
    expect(entries().map((e) => e[1])).not.toContain('signal');
    expect(entries()).toHaveLength(5);
  });

  it('lists the actions with their result', async () => {
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: fake().api });
    const actions = await screen.findByRole('region', { name: 'Actions' });
    const rows = within(actions).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelectorAll('td')[3]!.textContent)).toEqual([
      'executedrolled back payments r2 → r1',
      'verified',
    ]);
  });

  it("offers an operator this incident's pending proposal only, and approves it", async () => {
    const api = fake();
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: api.api, role: 'operator' });
    const card = await screen.findByRole('region', { name: 'Remediation waiting for approval' });
    expect(within(card).queryByText(/cart-1/)).toBeNull();
    fireEvent.click(within(card).getByRole('button', { name: 'Approve: scale orders from 2 to 4' }));
    await waitFor(() =>
      expect(api.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([
        '/v1/remediation/proposals/prop-9/approve',
      ]),
    );
  });

  it('hides Approve / Reject from a viewer', async () => {
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: fake().api, role: 'viewer' });
    await screen.findByRole('region', { name: 'Remediation waiting for approval' });
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('fetches again on incident and remediation events', async () => {
    const api = fake();
    const page = renderSignedIn(<IncidentPage id="inc-20261207-0003" />, { api: api.api });
    await screen.findByRole('list', { name: 'Timeline, oldest first' });
    const count = () => api.calls.filter((c) => c.path === '/v1/incidents/inc-20261207-0003').length;
    const before = count();
    page.emit({ type: 'remediation', incident: 'inc-20261207-0003', phase: 'verified' });
    await waitFor(() => expect(count()).toBe(before + 1));
  });

  it('says when the incident is unknown, and when it is not diagnosed yet', async () => {
    renderSignedIn(<IncidentPage id="inc-nope" />, { api: fake().api });
    expect((await screen.findByRole('alert')).textContent).toContain('This incident cannot be shown');
    cleanup();
    renderSignedIn(<IncidentPage id="inc-20261207-0003" />, {
      api: fake({
        ...INCIDENT,
        status: 'open',
        resolved_at: null,
        root_causes: [],
        actions: [],
        timeline: [],
      }).api,
    });
    expect(await screen.findByText(/Not diagnosed yet/)).toBeTruthy();
    expect(screen.getByText('No action was taken.')).toBeTruthy();
    expect(screen.getByText('Nothing recorded yet.')).toBeTruthy();
    expect(screen.getByText('Duration').nextElementSibling!.textContent).toMatch(/so far$/);
  });
});
