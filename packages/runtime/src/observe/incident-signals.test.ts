import type { PostableAlert } from '@opsloop/telemetry';
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../events.js';
import { changeSignalOf, createAlertTransitions, createCrashAlerts } from './incident-signals.js';

const AT = 1_000_000;

describe('changeSignalOf', () => {
  it.each<[string, RuntimeEvent, string, string]>([
    [
      'a promoted rollout',
      { type: 'rollout-promoted', service: 'orders', revision: 'r2', from: 'r1' },
      'rollout-promoted',
      'orders r1 → r2 promoted',
    ],
    [
      'an aborted rollout',
      { type: 'rollout-aborted', service: 'orders', revision: 'r2', from: 'r1', reason: 'errors' },
      'rollout-aborted',
      'orders r2 aborted: errors',
    ],
    [
      'a rollout undo',
      { type: 'rollout-action', service: 'orders', action: 'undo' },
      'rollback',
      'orders rolled back',
    ],
    [
      'a rollout restart',
      { type: 'rollout-action', service: 'orders', action: 'restart' },
      'restart',
      'orders restarted',
    ],
    [
      'a scale',
      { type: 'service-scaled', service: 'orders', from: 2, to: 3 },
      'scale',
      'orders scaled 2 → 3',
    ],
    [
      'an autoscale',
      { type: 'autoscaled', service: 'orders', from: 3, to: 5, reason: 'cpu' },
      'scale',
      'orders scaled 3 → 5',
    ],
    [
      'a crash',
      {
        type: 'replica-exited',
        replica: 'orders-1',
        service: 'orders',
        reason: 'Signal(SIGKILL)',
        code: null,
        signal: 'SIGKILL',
        restartInMs: 0,
      },
      'replica-exited',
      'orders-1 exited (Signal(SIGKILL), SIGKILL)',
    ],
    [
      'an exit with a code',
      {
        type: 'replica-exited',
        replica: 'orders-1',
        service: 'orders',
        reason: 'Error',
        code: 3,
        signal: null,
        restartInMs: 200,
      },
      'replica-exited',
      'orders-1 exited (Error, code 3)',
    ],
    [
      'a kill',
      { type: 'replica-killed', replica: 'orders-1', service: 'orders', reason: 'LivenessProbeFailed' },
      'restart',
      'orders-1 killed: LivenessProbeFailed',
    ],
    [
      'a replica going unready',
      { type: 'replica-unready', replica: 'orders-1', service: 'orders', reason: 'probe failed' },
      'replica-unready',
      'orders-1 not ready: probe failed',
    ],
  ])('makes %s a change signal', (_what, event, change, detail) => {
    expect(changeSignalOf(event, AT)).toEqual({
      type: 'change',
      atMs: AT,
      service: 'orders',
      change,
      detail,
    });
  });

  it.each<[string, RuntimeEvent]>([
    [
      'a stop the runtime asked for (restartInMs null)',
      {
        type: 'replica-exited',
        replica: 'orders-1',
        service: 'orders',
        reason: 'Completed',
        code: 0,
        signal: null,
        restartInMs: null,
      },
    ],
    ['another rollout action', { type: 'rollout-action', service: 'orders', action: 'pause' }],
    ['a replica start', { type: 'replica-started', replica: 'orders-1', service: 'orders', pid: 1, port: 2 }],
    ['a replica ready', { type: 'replica-ready', replica: 'orders-1', service: 'orders', url: 'http://x' }],
    [
      'a rollout step',
      { type: 'rollout-step', service: 'orders', revision: 'r2', weight: 10, step: 1, of: 3 },
    ],
    ['a spec applied', { type: 'spec-applied', changes: ['orders'] }],
    ['a telemetry warning', { type: 'telemetry-warning', message: 'x' }],
    ['a chaos event', { type: 'chaos', phase: 'start', id: 'c1', detail: 'x' }],
  ])('ignores %s', (_what, event) => {
    expect(changeSignalOf(event, AT)).toBeUndefined();
  });

  it('marks a scheduled scale as the schedule’s (planned, not a symptom)', () => {
    const event: RuntimeEvent = {
      type: 'scheduled-scaling',
      service: 'orders',
      from: 2,
      to: 0,
      reason: 'downtime',
      uptime: 'Mon-Fri 08:00-19:00 Europe/Berlin',
    };
    expect(changeSignalOf(event, AT)).toEqual({
      type: 'change',
      atMs: AT,
      service: 'orders',
      change: 'scale',
      detail: 'orders scaled 2 → 0 by the schedule (downtime)',
      origin: 'schedule',
    });
  });
});

describe('createAlertTransitions', () => {
  const alert = (name: string, labels: Record<string, string> = {}, endsAtMs?: number): PostableAlert => ({
    labels: { alertname: name, ...labels },
    annotations: { summary: `${name} summary` },
    startsAtMs: AT - 60_000,
    ...(endsAtMs === undefined ? {} : { endsAtMs }),
  });

  it('signals firing once, stays silent on repeats, signals resolved once', () => {
    const transitions = createAlertTransitions();
    const firing = alert('ServiceDown', { service: 'orders', severity: 'critical' }, AT + 600_000);
    expect(transitions([firing], AT)).toEqual([
      {
        type: 'alert',
        atMs: AT,
        alert: {
          name: 'ServiceDown',
          labels: { alertname: 'ServiceDown', service: 'orders', severity: 'critical' },
          state: 'firing',
          severity: 'critical',
          summary: 'ServiceDown summary',
        },
      },
    ]);
    expect(transitions([firing], AT + 15_000)).toEqual([]);
    expect(transitions([{ ...firing, endsAtMs: AT + 600_000 + 15_000 }], AT + 30_000)).toEqual([]);

    const resolved = { ...firing, endsAtMs: AT + 40_000 };
    const out = transitions([resolved], AT + 45_000);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ atMs: AT + 45_000, alert: { name: 'ServiceDown', state: 'resolved' } });
    expect(transitions([resolved], AT + 60_000)).toEqual([]);
    // It can fire again after resolving.
    expect(transitions([firing], AT + 75_000).map((s) => s.alert.state)).toEqual(['firing']);
  });

  it('tells alerts apart by all their labels, in any order', () => {
    const transitions = createAlertTransitions();
    const orders = alert('HighErrorRate', { service: 'orders' });
    const cart = alert('HighErrorRate', { service: 'cart' });
    expect(transitions([orders, cart], AT)).toHaveLength(2);
    const reordered: PostableAlert = { ...orders, labels: { service: 'orders', alertname: 'HighErrorRate' } };
    expect(transitions([reordered], AT + 1)).toEqual([]);
  });

  it('ignores a resolution of an alert it never saw firing, and leaves severity out when absent', () => {
    const transitions = createAlertTransitions();
    expect(transitions([alert('ServiceDown', {}, AT - 1)], AT)).toEqual([]);
    const [signal] = transitions([{ ...alert('Slow'), annotations: {} }], AT);
    expect(signal!.alert).toEqual({ name: 'Slow', labels: { alertname: 'Slow' }, state: 'firing' });
  });

  it.each(['MetricAnomaly', 'NewLogTemplate', 'LogErrorBurst', 'RemediationStep'])(
    'skips its own alert %s',
    (name) => {
      const transitions = createAlertTransitions();
      expect(transitions([alert(name, { service: 'orders' })], AT)).toEqual([]);
      expect(transitions([alert(name, { service: 'orders' }, AT)], AT + 1)).toEqual([]);
    },
  );
});

describe('createCrashAlerts', () => {
  const exited = (reason: string, restartInMs: number | null, replica = 'orders-1') =>
    ({
      type: 'replica-exited',
      replica,
      service: 'orders',
      reason,
      code: reason === 'Error' ? 1 : null,
      signal: null,
      restartInMs,
    }) as const;
  const ready = (replica = 'orders-1') =>
    ({ type: 'replica-ready', replica, service: 'orders', url: 'http://127.0.0.1:1' }) as const;

  it('fires at a crash, once per episode, and resolves when the replica is ready again', () => {
    const crashes = createCrashAlerts();
    expect(crashes(exited('Error', 1000), 5)).toEqual({
      type: 'alert',
      atMs: 5,
      alert: {
        name: 'ReplicaCrashed',
        labels: { alertname: 'ReplicaCrashed', service: 'orders', replica: 'orders-1', severity: 'warning' },
        state: 'firing',
        severity: 'warning',
        summary: 'orders-1 crashed (Error, code 1)',
      },
    });
    // A crash loop is one episode.
    expect(crashes(exited('Error', 2000), 6)).toBeUndefined();
    expect(crashes(ready(), 7)?.alert).toMatchObject({ state: 'resolved', labels: { replica: 'orders-1' } });
    expect(crashes(ready(), 8)).toBeUndefined();
    expect(crashes(exited('OOMKilled', 1000), 9)?.alert.summary).toBe('orders-1 crashed (OOMKilled)');
  });

  it('leaves out exits that were asked for: stops, restarts and replacements', () => {
    const crashes = createCrashAlerts();
    expect(crashes(exited('Completed', null), 1)).toBeUndefined();
    expect(crashes(exited('RestartedByRemediation', 0), 2)).toBeUndefined();
    expect(crashes(exited('ReplacedByRemediation', 0), 3)).toBeUndefined();
    expect(crashes(ready(), 4)).toBeUndefined();
  });
});
