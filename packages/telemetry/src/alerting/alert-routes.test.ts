import { describe, expect, it } from 'vitest';
import { buildRouteTree, groupKeyOf, groupLabelsOf, matchRoutes } from './alert-routes.js';

const tree = buildRouteTree({
  receiver: 'default',
  groupBy: ['alertname', 'service'],
  groupWait: '10s',
  routes: [
    { matchers: ['severity="page"'], receiver: 'pager', groupWait: '0s', continue: true },
    {
      matchers: ['severity=~"page|ticket"'],
      receiver: 'tickets',
      groupBy: ['...'],
      routes: [{ matchers: ['service="orders"'], receiver: 'orders-team' }],
    },
    { matchers: ['severity="ticket"'], receiver: 'never' },
  ],
});

describe('routing tree', () => {
  it('matches depth first, stops at the first match unless continue, and falls back to the parent', () => {
    const receivers = (labels: Record<string, string>) => matchRoutes(tree, labels).map((r) => r.receiver);
    expect(receivers({ severity: 'page', service: 'checkout' })).toEqual(['pager', 'tickets']);
    expect(receivers({ severity: 'ticket', service: 'orders' })).toEqual(['orders-team']);
    expect(receivers({ severity: 'ticket', service: 'checkout' })).toEqual(['tickets']);
    expect(receivers({ severity: 'info' })).toEqual(['default']);
  });

  it('inherits timers and grouping, with Alertmanager defaults', () => {
    const [pager, tickets] = tree.routes;
    expect([tree.groupWaitMs, tree.groupIntervalMs, tree.repeatIntervalMs]).toEqual([
      10_000, 300_000, 14_400_000,
    ]);
    expect([pager!.groupWaitMs, pager!.groupBy]).toEqual([0, ['alertname', 'service']]);
    expect(tickets!.groupBy).toBe('all');
    expect(tickets!.routes[0]!.groupBy).toBe('all');
    expect(tickets!.routes[0]!.groupWaitMs).toBe(10_000);
  });

  it("builds Alertmanager's group keys", () => {
    const labels = { alertname: 'SLOErrorBudgetBurn', service: 'checkout', severity: 'page' };
    const [pager] = matchRoutes(tree, labels);
    expect(groupKeyOf(pager!, groupLabelsOf(pager!, labels))).toBe(
      '{}/{severity="page"}:{alertname="SLOErrorBudgetBurn", service="checkout"}',
    );
    expect(groupKeyOf(tree, groupLabelsOf(tree, { alertname: 'X' }))).toBe('{}:{alertname="X"}');
  });
});
