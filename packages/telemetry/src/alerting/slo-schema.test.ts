import { HTTP_DURATION_BUCKETS } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { sloSchema, slosSchema } from './slo-schema.js';

const issues = (input: unknown) => {
  const result = sloSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('SLO schema', () => {
  it('accepts the three indicator kinds and applies defaults', () => {
    const slos = slosSchema.parse([
      {
        name: 'checkout-availability',
        objective: 99.5,
        indicator: { kind: 'availability', route: '/checkout' },
      },
      {
        name: 'checkout-latency',
        objective: 99,
        window: '28d',
        indicator: { kind: 'latency', thresholdSeconds: 0.5 },
      },
      {
        name: 'saga-success',
        objective: 99,
        indicator: {
          kind: 'ratio',
          good: 'sum(rate(checkout_sagas_finished_total{state="completed"}[$window]))',
          total: 'sum(rate(checkout_sagas_finished_total[$window]))',
        },
      },
    ]);
    expect(slos[0]).toEqual({
      name: 'checkout-availability',
      objective: 99.5,
      window: '30d',
      indicator: { kind: 'availability', route: '/checkout', protocol: 'http' },
    });
    expect(slos[1]!.window).toBe('28d');
    expect(slos[2]!.indicator.kind).toBe('ratio');
  });

  it('names the histogram bucket bounds when a latency threshold is not one of them', () => {
    const [message] = issues({
      name: 'x',
      objective: 99,
      indicator: { kind: 'latency', thresholdSeconds: 0.3 },
    });
    expect(message).toContain('indicator.thresholdSeconds');
    expect(message).toContain(HTTP_DURATION_BUCKETS.join(', '));
  });

  it('refuses bad objectives, windows, names, routes and PromQL', () => {
    const ok = { name: 'a', objective: 99, indicator: { kind: 'availability' } };
    expect(issues(ok)).toEqual([]);
    expect(issues({ ...ok, objective: 100 })[0]).toMatch(/objective: must be below 100/);
    expect(issues({ ...ok, objective: 0 })[0]).toMatch(/objective/);
    expect(issues({ ...ok, window: '30 days' })[0]).toMatch(/window: must be a duration/);
    expect(issues({ ...ok, window: '12h' })[0]).toMatch(/window: must be between 1d and 90d/);
    expect(issues({ ...ok, name: 'Checkout_SLO' })[0]).toMatch(/name: must be kebab-case/);
    expect(issues({ ...ok, indicator: { kind: 'availability', route: 'checkout' } })[0]).toMatch(/route/);
    expect(issues({ ...ok, indicator: { kind: 'availability', extra: 1 } })[0]).toMatch(/indicator/);
    expect(issues({ ...ok, indicator: { kind: 'nope' } })[0]).toMatch(/indicator/);
    expect(
      issues({
        ...ok,
        indicator: { kind: 'ratio', good: 'sum(rate(x[5m]))', total: 'sum(rate(y[$window]))' },
      })[0],
    ).toMatch(/indicator.good: must use \$window/);
    expect(
      issues({
        ...ok,
        indicator: { kind: 'ratio', good: 'sum(rate(x[$window])', total: 'sum(rate(y[$window]))' },
      })[0],
    ).toMatch(/indicator.good: is not valid PromQL/);
  });

  it('refuses two SLOs of a service with the same name', () => {
    const slo = { name: 'a', objective: 99, indicator: { kind: 'availability' } };
    const result = slosSchema.safeParse([slo, slo]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([1, 'name']);
  });
});
