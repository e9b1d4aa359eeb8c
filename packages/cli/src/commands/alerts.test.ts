import { describe, expect, it } from 'vitest';
import { formatAlerts } from './alerts.js';

describe('opsloop alerts', () => {
  it('lists firing alerts first with their labels, age and summary', () => {
    const now = Date.parse('2026-12-06T12:10:00Z');
    const text = formatAlerts(
      [
        {
          labels: { alertname: 'SLOErrorBudgetBurn', severity: 'ticket', service: 'orders' },
          annotations: {},
          state: 'pending',
          activeAt: '2026-12-06T12:09:30Z',
          value: '3.5',
        },
        {
          labels: { alertname: 'ServiceDown', severity: 'page', service: 'payments', job: 'payments' },
          annotations: { summary: 'Service payments is down' },
          state: 'firing',
          activeAt: '2026-12-06T12:00:00Z',
          value: '0',
        },
      ],
      now,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toMatch(
      /^FIRING\s+ServiceDown\s+page\s+service=payments job=payments\s+10m\s+Service payments is down$/,
    );
    expect(lines[2]).toMatch(/^PENDING\s+SLOErrorBudgetBurn\s+ticket\s+service=orders\s+30s$/);
    expect(formatAlerts([], now)).toBe('no alerts\n');
  });
});
