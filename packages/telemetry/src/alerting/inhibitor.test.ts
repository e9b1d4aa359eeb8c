import { describe, expect, it } from 'vitest';
import { alertFingerprint } from './alert-fingerprint.js';
import { inhibitedBy, type InhibitRule } from './inhibitor.js';
import { parseMatchers } from './label-matchers.js';

const alert = (labels: Record<string, string>) => ({ labels, fingerprint: alertFingerprint(labels) });

const rules: InhibitRule[] = [
  // A page burn alert makes the ticket one of the same SLO redundant.
  {
    sourceMatchers: parseMatchers('{alertname="SLOErrorBudgetBurn",severity="page"}'),
    targetMatchers: parseMatchers('{alertname="SLOErrorBudgetBurn",severity="ticket"}'),
    equal: ['service', 'slo'],
  },
  // A service that is down explains its SLO alerts.
  {
    sourceMatchers: parseMatchers('{alertname="ServiceDown"}'),
    targetMatchers: parseMatchers('{alertname="SLOErrorBudgetBurn"}'),
    equal: ['service'],
  },
];

describe('inhibition', () => {
  const page = alert({
    alertname: 'SLOErrorBudgetBurn',
    severity: 'page',
    service: 'checkout',
    slo: 'checkout-availability',
  });
  const ticket = alert({
    alertname: 'SLOErrorBudgetBurn',
    severity: 'ticket',
    service: 'checkout',
    slo: 'checkout-availability',
  });
  const otherSlo = alert({
    alertname: 'SLOErrorBudgetBurn',
    severity: 'ticket',
    service: 'checkout',
    slo: 'checkout-latency',
  });
  const down = alert({ alertname: 'ServiceDown', severity: 'page', service: 'checkout', job: 'checkout' });
  const ordersPage = alert({
    alertname: 'SLOErrorBudgetBurn',
    severity: 'page',
    service: 'orders',
    slo: 'orders-availability',
  });

  it('mutes the ticket of the SLO that pages, not the tickets of other SLOs', () => {
    expect(inhibitedBy(rules, [page, ticket, otherSlo], ticket.labels, ticket.fingerprint)).toEqual([
      page.fingerprint,
    ]);
    expect(inhibitedBy(rules, [page, ticket, otherSlo], otherSlo.labels, otherSlo.fingerprint)).toEqual([]);
    expect(inhibitedBy(rules, [page, ticket], page.labels, page.fingerprint)).toEqual([]);
  });

  it("mutes a down service's SLO alerts, not another service's", () => {
    expect(inhibitedBy(rules, [down], page.labels, page.fingerprint)).toEqual([down.fingerprint]);
    expect(inhibitedBy(rules, [down], ordersPage.labels, ordersPage.fingerprint)).toEqual([]);
    expect(inhibitedBy(rules, [down], down.labels, down.fingerprint)).toEqual([]);
  });

  it('does not let alerts matching both sides of a rule inhibit each other', () => {
    const both: InhibitRule[] = [
      {
        sourceMatchers: parseMatchers('{team="shop"}'),
        targetMatchers: parseMatchers('{team="shop"}'),
        equal: [],
      },
    ];
    const a = alert({ alertname: 'A', team: 'shop' });
    const b = alert({ alertname: 'B', team: 'shop' });
    expect(inhibitedBy(both, [a, b], a.labels, a.fingerprint)).toEqual([]);
  });

  it('treats a label absent on both sides as equal', () => {
    const rule: InhibitRule[] = [
      {
        sourceMatchers: parseMatchers('{alertname="S"}'),
        targetMatchers: parseMatchers('{alertname="T"}'),
        equal: ['zone'],
      },
    ];
    const s = alert({ alertname: 'S' });
    const t = alert({ alertname: 'T' });
    expect(inhibitedBy(rule, [s], t.labels, t.fingerprint)).toEqual([s.fingerprint]);
    const tz = alert({ alertname: 'T', zone: 'eu' });
    expect(inhibitedBy(rule, [s], tz.labels, tz.fingerprint)).toEqual([]);
  });
});
