import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { MetricsQueryError, type QueryResult } from '../metrics/metrics-source.js';
import { isStaleNaN } from '../model/stale-nan.js';
import type { PostableAlert } from './alert-types.js';
import { createRuleEvaluator } from './rule-evaluator.js';
import type { RuleEvaluatorOptions } from './rule-evaluator-types.js';
import type { RuleGroup } from './rule-types.js';
import { createMemoryAppender, fakeMetricsSource, vectorResult } from './testing/fake-metrics-source.js';

const MIN = 60_000;
const T0 = 1_700_000_040_000; // a multiple of 1m

function setup(
  groups: RuleGroup[],
  answer: Parameters<typeof fakeMetricsSource>[0],
  extra: Partial<RuleEvaluatorOptions> = {},
) {
  const clock = createManualClock(T0);
  const appender = createMemoryAppender();
  const sent: PostableAlert[][] = [];
  const evaluator = createRuleEvaluator({
    source: fakeMetricsSource(answer),
    clock,
    groups,
    appender,
    externalURL: 'http://prometheus.test',
    notify: (alerts) => sent.push([...alerts]),
    ...extra,
  });
  return { clock, appender, sent, evaluator };
}

describe('rule evaluator: recording rules', () => {
  it('stores the result under the record name with the rule labels (empty value removes a label)', async () => {
    const group: RuleGroup = {
      name: 'g',
      rules: [
        {
          record: 'service:http_requests:rate5m',
          expr: 'sum by (service, drop) (x)',
          labels: { team: 'shop', drop: '' },
        },
      ],
    };
    const { evaluator, appender } = setup([group], () =>
      vectorResult([{ service: 'a', drop: 'y' }, 2], [{ service: 'b' }, 3]),
    );
    await evaluator.evaluateGroup('g', T0);
    expect(appender.samples).toEqual([
      { labels: { __name__: 'service:http_requests:rate5m', service: 'a', team: 'shop' }, t: T0, v: 2 },
      { labels: { __name__: 'service:http_requests:rate5m', service: 'b', team: 'shop' }, t: T0, v: 3 },
    ]);
    expect(appender.commits).toBe(1);
    expect(evaluator.groups()[0]!.rules[0]).toMatchObject({
      health: 'ok',
      lastEvaluationMs: T0,
      type: 'recording',
    });
  });

  it('records a scalar as one series, marks vanished series stale, refuses matrices and duplicate outputs', async () => {
    let step = 0;
    const answers: Record<string, QueryResult[]> = {
      s: [{ type: 'scalar', timestampMs: 0, value: 0.995 }],
      v: [vectorResult([{ route: '/a' }, 1], [{ route: '/b' }, 1]), vectorResult([{ route: '/a' }, 2])],
      m: [{ type: 'matrix', series: [] }],
      d: [vectorResult([{ a: '1' }, 1], [{ a: '2' }, 1])],
    };
    const group: RuleGroup = {
      name: 'g',
      rules: [
        { record: 'slo:objective:ratio', expr: 's' },
        { record: 'r:v:sum', expr: 'v' },
        { record: 'r:m:sum', expr: 'm' },
        { record: 'r:d:sum', expr: 'd', labels: { a: '' } },
      ],
    };
    const { evaluator, appender } = setup(
      [group],
      (q) => answers[q]![Math.min(step, answers[q]!.length - 1)]!,
    );
    await evaluator.evaluateGroup('g', T0);
    step = 1;
    await evaluator.evaluateGroup('g', T0 + MIN);
    expect(
      appender.samples.filter((s) => s.labels.__name__ === 'slo:objective:ratio').map((s) => [s.t, s.v]),
    ).toEqual([
      [T0, 0.995],
      [T0 + MIN, 0.995],
    ]);
    const b = appender.samples.filter((s) => s.labels.route === '/b');
    expect(b.map((s) => s.t)).toEqual([T0, T0 + MIN]);
    expect(isStaleNaN(b[1]!.v)).toBe(true);
    const [, , matrix, dup] = evaluator.groups()[0]!.rules;
    expect(matrix).toMatchObject({ health: 'err', lastError: expect.stringContaining('matrix') });
    expect(dup).toMatchObject({ health: 'err', lastError: expect.stringContaining('same labelset') });
  });
});

describe('rule evaluator: alerting rules', () => {
  const rule = (extra: object = {}): RuleGroup => ({
    name: 'alerts',
    interval: '1m',
    rules: [
      {
        alert: 'HighErrorRatio',
        expr: 'errors > 0.1',
        for: '2m',
        labels: { severity: 'page', team: '{{ $labels.service }}-team', alertname: 'ignored' },
        annotations: { summary: '{{ $labels.service }} at {{ $value | humanizePercentage }}' },
        ...extra,
      },
    ],
  });

  /** Feeds `values` (one per minute, null = no series) and returns the evaluator. */
  async function run(values: (number | null)[], extra: object = {}) {
    let i = 0;
    const ctx = setup([rule(extra)], () =>
      values[i] === null
        ? vectorResult()
        : vectorResult([{ __name__: 'errors', service: 'checkout' }, values[i]!]),
    );
    for (i = 0; i < values.length; i++) await ctx.evaluator.evaluateGroup('alerts', T0 + i * MIN);
    return ctx;
  }

  it('goes pending, fires after `for`, then resolves, as Prometheus', async () => {
    const states: string[] = [];
    let i = 0;
    const values = [0.2, 0.2, 0.2, 0.2, null, null];
    const ctx = setup([rule()], () =>
      values[i] === null ? vectorResult() : vectorResult([{ service: 'checkout' }, values[i]!]),
    );
    for (i = 0; i < values.length; i++) {
      await ctx.evaluator.evaluateGroup('alerts', T0 + i * MIN);
      states.push(
        ctx.evaluator
          .groups()[0]!
          .rules[0]!.alerts!.map((a) => a.state)
          .join() || 'none',
      );
    }
    // Firing at T0+2m (active for exactly `for`); resolved (inactive, kept to be sent) when the series goes.
    expect(states).toEqual(['pending', 'pending', 'firing', 'firing', 'inactive', 'inactive']);
    const [alert] = ctx.evaluator.groups()[0]!.rules[0]!.alerts!;
    expect(alert).toMatchObject({
      labels: { alertname: 'HighErrorRatio', service: 'checkout', severity: 'page', team: 'checkout-team' },
      annotations: { summary: 'checkout at 20%' },
      activeAtMs: T0,
      firedAtMs: T0 + 2 * MIN,
      resolvedAtMs: T0 + 4 * MIN,
    });
    expect(ctx.evaluator.alerts()).toEqual([]);
  });

  it('writes ALERTS and ALERTS_FOR_STATE while pending/firing, stale once resolved', async () => {
    const { appender } = await run([0.2, 0.2, 0.2, null]);
    const alerts = appender.samples.filter((s) => s.labels.__name__ === 'ALERTS');
    expect(alerts.map((s) => [s.t - T0, s.labels.alertstate, isStaleNaN(s.v) ? 'stale' : s.v])).toEqual([
      [0, 'pending', 1],
      [MIN, 'pending', 1],
      [2 * MIN, 'firing', 1],
      [2 * MIN, 'pending', 'stale'], // the pending series ends when the alert fires
      [3 * MIN, 'firing', 'stale'],
    ]);
    const forState = appender.samples.filter(
      (s) => s.labels.__name__ === 'ALERTS_FOR_STATE' && !isStaleNaN(s.v),
    );
    expect(new Set(forState.map((s) => s.v))).toEqual(new Set([T0 / 1000]));
    expect(forState[0]!.labels).toMatchObject({
      alertname: 'HighErrorRatio',
      service: 'checkout',
      severity: 'page',
    });
  });

  it('sends firing alerts (valid for 4 intervals), re-sends after the resend delay, and sends the resolution once', async () => {
    const { sent } = await run([0.2, 0.2, 0.2, 0.2, 0.2, null, null]);
    const summary = sent.map((batch) => batch.map((a) => [a.startsAtMs - T0, (a.endsAtMs ?? 0) - T0]));
    // Sent at 2m (fired), not at 3m (within resend delay 1m: 2m + 1m is not before 3m), at 4m, resolved at 5m.
    expect(summary).toEqual([
      [[2 * MIN, 2 * MIN + 4 * MIN]],
      [[2 * MIN, 4 * MIN + 4 * MIN]],
      [[2 * MIN, 5 * MIN]],
    ]);
    expect(sent[0]![0]).toMatchObject({
      labels: { alertname: 'HighErrorRatio', service: 'checkout', severity: 'page', team: 'checkout-team' },
      generatorURL: 'http://prometheus.test/graph?g0.expr=errors%20%3E%200.1&g0.tab=1',
    });
  });

  it('forgets a pending alert whose condition clears, without sending anything', async () => {
    const { evaluator, sent } = await run([0.2, null, 0.2]);
    expect(sent).toEqual([]);
    expect(evaluator.alerts().map((a) => [a.state, a.activeAtMs])).toEqual([['pending', T0 + 2 * MIN]]);
  });

  it('fires at once without `for`, and keeps firing for `keep_firing_for` after the condition clears', async () => {
    const states: string[] = [];
    let i = 0;
    const values = [0.2, null, null, null, null];
    const ctx = setup([rule({ for: '0s', keepFiringFor: '2m' })], () =>
      values[i] === null ? vectorResult() : vectorResult([{ service: 'c' }, 1]),
    );
    for (i = 0; i < values.length; i++) {
      await ctx.evaluator.evaluateGroup('alerts', T0 + i * MIN);
      const [a] = ctx.evaluator.groups()[0]!.rules[0]!.alerts!;
      states.push(a?.state ?? 'none');
    }
    expect(states).toEqual(['firing', 'firing', 'firing', 'inactive', 'inactive']);
  });

  it('drops a resolved alert after 15 minutes, and a returning condition starts a new pending alert', async () => {
    const values: (number | null)[] = [0.2, 0.2, 0.2, null, ...Array<null>(16).fill(null), 0.2];
    const { evaluator } = await run(values);
    expect(evaluator.groups()[0]!.rules[0]!.alerts!.map((a) => [a.state, a.activeAtMs - T0])).toEqual([
      ['pending', 20 * MIN],
    ]);
  });

  it('marks a failing rule err with the error, keeps its alerts and evaluates the next rules', async () => {
    let fail = false;
    const group: RuleGroup = {
      name: 'g',
      rules: [
        { alert: 'A', expr: 'a' },
        { record: 'b:b:b', expr: 'b' },
      ],
    };
    const errors: string[] = [];
    const ctx = setup(
      [group],
      (q) => {
        if (fail && q === 'a') throw new MetricsQueryError('execution', 'many-to-many matching not allowed');
        return vectorResult([{ x: '1' }, 1]);
      },
      { onError: (g, r, e) => errors.push(`${g}/${r}: ${e.message}`) },
    );
    await ctx.evaluator.evaluateGroup('g', T0);
    fail = true;
    await ctx.evaluator.evaluateGroup('g', T0 + MIN);
    const [a, b] = ctx.evaluator.groups()[0]!.rules;
    expect(a).toMatchObject({
      health: 'err',
      lastError: 'many-to-many matching not allowed',
      lastEvaluationMs: T0 + MIN,
    });
    expect(a!.alerts!.map((x) => x.state)).toEqual(['firing']);
    expect(b).toMatchObject({ health: 'ok', lastEvaluationMs: T0 + MIN });
    expect(errors).toEqual(['g/A: many-to-many matching not allowed']);
    fail = false;
    await ctx.evaluator.evaluateGroup('g', T0 + 2 * MIN);
    expect(ctx.evaluator.groups()[0]!.rules[0]).toMatchObject({ health: 'ok' });
    expect(ctx.evaluator.groups()[0]!.rules[0]).not.toHaveProperty('lastError');
  });

  it('refuses two series that become one alert after the rule labels', async () => {
    const group: RuleGroup = { name: 'g', rules: [{ alert: 'A', expr: 'a', labels: { instance: '' } }] };
    const { evaluator } = setup([group], () => vectorResult([{ instance: '1' }, 1], [{ instance: '2' }, 1]));
    await evaluator.evaluateGroup('g', T0);
    expect(evaluator.groups()[0]!.rules[0]!.lastError).toMatch(/same labelset after applying alert labels/);
  });

  it('adds external labels to sent alerts unless the alert has the label', async () => {
    const group: RuleGroup = { name: 'g', rules: [{ alert: 'A', expr: 'a', labels: { region: 'eu' } }] };
    const { evaluator, sent } = setup([group], () => vectorResult([{}, 1]), {
      externalLabels: { cluster: 'prod', region: 'us' },
    });
    await evaluator.evaluateGroup('g', T0);
    expect(sent[0]![0]!.labels).toEqual({ alertname: 'A', cluster: 'prod', region: 'eu' });
  });

  it('does not let a throwing notify mark the rule unhealthy', async () => {
    const group: RuleGroup = { name: 'g', rules: [{ alert: 'A', expr: 'a' }] };
    const { evaluator } = setup([group], () => vectorResult([{}, 1]), {
      notify: () => {
        throw new Error('notifier down');
      },
    });
    await evaluator.evaluateGroup('g', T0);
    expect(evaluator.groups()[0]!.rules[0]!.health).toBe('ok');
  });
});
