import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { DiagnosisError, type Diagnosis } from './diagnosis.js';
import {
  PolicyError,
  defaultPolicies,
  parsePolicies,
  type DefaultPoliciesOptions,
  type RemediationPolicyInput,
} from './policy.js';
import { createRemediationEngine } from './remediation-engine.js';
import type { ServiceState } from './remediation-platform.js';
import { diagnosisOf, replicasOf } from './testing/diagnoses.js';
import { createFakePlatform } from './testing/fake-platform.js';

const NOW = Date.UTC(2026, 11, 7, 3, 0, 0);
const MIN = 60_000;

/** Runs one diagnosis in auto mode and returns the platform's action calls (state reads left out). */
async function actionsFor(
  diagnosis: Diagnosis,
  setup: {
    states?: Record<string, Partial<ServiceState>>;
    defaults?: DefaultPoliciesOptions;
    policies?: RemediationPolicyInput[];
  } = {},
) {
  const clock = createManualClock(NOW);
  const platform = createFakePlatform(setup.states);
  const engine = createRemediationEngine({
    clock,
    platform,
    mode: 'auto',
    policies: setup.policies ?? defaultPolicies(setup.defaults),
    verify: () => Promise.resolve('recovered'),
  });
  const status = await engine.diagnose(diagnosis);
  engine.stop();
  return {
    status,
    calls: platform.calls.filter((c) => c.method !== 'serviceState').map((c) => [c.method, ...c.args]),
    steps: engine.history(),
  };
}

describe('default policies', () => {
  it('rolls back a rollout promoted within the window (a regression after promotion)', async () => {
    const { calls, steps } = await actionsFor(diagnosisOf('i1', 'change', 'orders'), {
      states: {
        orders: {
          lastRollout: {
            revision: 'r42',
            previousRevision: 'r41',
            startedAtMs: NOW - 50 * MIN,
            promotedAtMs: NOW - 10 * MIN,
            state: 'promoted',
          },
        },
      },
    });
    expect(calls).toEqual([['rollback', 'orders']]);
    const executing = steps.find((s) => s.phase === 'executing')!;
    expect(executing.policy).toBe('change-rollout-rollback');
    expect(executing.detail).toContain('r42');
    expect(executing.detail).toContain('promoted 10 min before');
  });

  it('does not tie an old rollout to the incident: a recent flag change is turned off instead', async () => {
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'change', 'checkout', {
        changes: [
          { change: 'flag', flag: 'new-pricing', atMs: NOW - 5 * MIN, variant: 'on', previousVariant: 'off' },
        ],
      }),
      {
        states: {
          checkout: {
            lastRollout: {
              revision: 'r9',
              previousRevision: 'r8',
              startedAtMs: NOW - 5 * 60 * MIN,
              state: 'promoted',
            },
          },
        },
      },
    );
    expect(calls).toEqual([['setFlag', 'new-pricing', 'off']]);
  });

  it('sets a flag to its configured off variant', async () => {
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'change', 'checkout', {
        changes: [
          {
            service: 'checkout',
            change: 'flag',
            flag: 'pricing',
            atMs: NOW - MIN,
            variant: 'v2',
            previousVariant: 'v1',
          },
        ],
      }),
      { defaults: { flagOffVariants: { pricing: 'disabled' } } },
    );
    expect(calls).toEqual([['setFlag', 'pricing', 'disabled']]);
  });

  it('never turns back a flag remediation already set back (the bad variant would go back in)', async () => {
    // bad-flag then bad-config in the recovery benchmark: the flip, remediation's fix, then a new incident.
    const flip = {
      change: 'flag',
      flag: 'payment-timeout',
      variant: 'aggressive',
      previousVariant: 'standard',
    };
    const { calls, steps } = await actionsFor(
      diagnosisOf('i2', 'change', 'checkout', {
        changes: [
          { ...flip, atMs: NOW - 2 * MIN },
          {
            change: 'flag',
            flag: 'payment-timeout',
            variant: 'standard',
            previousVariant: 'aggressive',
            atMs: NOW - MIN,
            origin: 'remediation',
          },
        ],
      }),
    );
    expect(calls).toEqual([]);
    expect(steps.at(-1)!.phase).toBe('escalated');
  });

  it('rolls back a config change (config rolls out as a revision)', async () => {
    const { calls, steps } = await actionsFor(
      diagnosisOf('i1', 'change', 'cart', {
        changes: [{ service: 'cart', change: 'config', atMs: NOW - 3 * MIN, revision: 'c7' }],
      }),
    );
    expect(calls).toEqual([['rollback', 'cart']]);
    expect(steps.find((s) => s.phase === 'executing')!.policy).toBe('change-config-rollback');
  });

  it('escalates a change it cannot tie to anything', async () => {
    const { calls, status, steps } = await actionsFor(diagnosisOf('i1', 'change', 'cart'));
    expect(calls).toEqual([]);
    expect(status.state).toBe('escalated');
    expect(steps.map((s) => s.phase)).toEqual(['escalated']);
    expect(steps[0]!.detail).toContain('no remediation policy applies');
  });

  it('restarts the busiest replica of a saturated service', async () => {
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'saturation', 'catalog', {
        replicas: { catalog: replicasOf('catalog', [0.3, 0.97, 0.4]) },
      }),
    );
    expect(calls).toEqual([['restartReplica', 'catalog-2']]);
  });

  it('replaces every replica of a saturated service when none is busier than the others', async () => {
    // The recovery benchmark's CPU burn in both replicas of catalog: restarting the busiest left the other.
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'saturation', 'catalog', {
        replicas: { catalog: replicasOf('catalog', [0.31, 0.27]) },
      }),
    );
    expect(calls).toEqual([['restartService', 'catalog']]);
  });

  it('scales out when every replica is saturated and the service can grow', async () => {
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'saturation', 'catalog', {
        replicas: { catalog: replicasOf('catalog', [0.9, 0.95, 0.85]) },
      }),
    );
    expect(calls).toEqual([['scale', 'catalog', 4]]);
  });

  it('restarts the failing replica on a failure', async () => {
    const replicas = replicasOf('orders');
    replicas[2] = { ...replicas[2]!, ready: false, restarts: 4 };
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'failure', 'orders', { replicas: { orders: replicas } }),
    );
    expect(calls).toEqual([['restartReplica', 'orders-3']]);
  });

  it('rolling-restarts a 2-replica service whose replicas fail alike (a service-wide failure)', async () => {
    const { calls, steps } = await actionsFor(
      diagnosisOf('i1', 'failure', 'catalog', { replicas: { catalog: replicasOf('catalog', [0.3, 0.32]) } }),
    );
    expect(calls).toEqual([['restartService', 'catalog']]);
    const executing = steps.find((s) => s.phase === 'executing')!;
    expect(executing).toMatchObject({ action: 'rolling-restart', target: 'catalog', service: 'catalog' });
    expect(executing.detail).toMatch(/^rolling restart of catalog \(no replica of catalog stands out/);
  });

  it('restarts the one not-ready replica of a 2-replica service on a failure', async () => {
    const replicas = replicasOf('catalog', [0.3, 0.3]);
    replicas[1] = { ...replicas[1]!, ready: false };
    const { calls, steps } = await actionsFor(
      diagnosisOf('i1', 'failure', 'catalog', { replicas: { catalog: replicas } }),
    );
    expect(calls).toEqual([['restartReplica', 'catalog-2']]);
    expect(steps[0]!.detail).toContain('replica catalog-2 is not ready');
  });

  it('restarts the only replica of a single-replica service on a failure', async () => {
    const { calls, steps } = await actionsFor(
      diagnosisOf('i1', 'failure', 'catalog', { replicas: { catalog: replicasOf('catalog', [0.3]) } }),
    );
    expect(calls).toEqual([['restartReplica', 'catalog-1']]);
    expect(steps[0]!.detail).toContain('is the only replica');
  });

  it('restarts the replica with more restarts, or the one holding the CPU, on a failure', async () => {
    const restarted = replicasOf('catalog', [0.3, 0.3, 0.3]);
    restarted[2] = { ...restarted[2]!, restarts: 3, startedAtMs: NOW - 60_000 };
    const byRestarts = await actionsFor(
      diagnosisOf('i1', 'failure', 'catalog', { replicas: { catalog: restarted } }),
    );
    expect(byRestarts.calls).toEqual([['restartReplica', 'catalog-3']]);
    // Restarts long past (an earlier incident's repair) single nobody out: every replica is replaced.
    restarted[2] = { ...restarted[2], startedAtMs: NOW - 20 * 60_000 };
    const longAgo = await actionsFor(
      diagnosisOf('i0', 'failure', 'catalog', { replicas: { catalog: restarted } }),
    );
    expect(longAgo.calls).toEqual([['restartService', 'catalog']]);
    const byCpu = await actionsFor(
      diagnosisOf('i2', 'failure', 'catalog', {
        replicas: { catalog: replicasOf('catalog', [0.2, 0.9, 0.3]) },
      }),
    );
    expect(byCpu.calls).toEqual([['restartReplica', 'catalog-2']]);
    // Idle noise is not concentration: 0.04 against 0.01 cores.
    const idle = await actionsFor(
      diagnosisOf('i3', 'failure', 'catalog', { replicas: { catalog: replicasOf('catalog', [0.01, 0.04]) } }),
    );
    expect(idle.calls).toEqual([['restartService', 'catalog']]);
  });

  it('restarts the replica with most restarts when none is ready (a rolling restart keeps nothing)', async () => {
    const replicas = replicasOf('catalog', [0.3, 0.3]).map((r, i) => ({ ...r, ready: false, restarts: i }));
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'failure', 'catalog', { replicas: { catalog: replicas } }),
    );
    expect(calls).toEqual([['restartReplica', 'catalog-2']]);
  });

  it('rolling-restarts a saturated service at maxReplicas (a single replica is restarted)', async () => {
    const atMax = { catalog: { replicas: 3, readyReplicas: 3, maxReplicas: 3 } };
    const { calls, steps } = await actionsFor(
      diagnosisOf('i1', 'saturation', 'catalog', {
        replicas: { catalog: replicasOf('catalog', [0.9, 0.95, 0.85]) },
      }),
      { states: atMax },
    );
    expect(calls).toEqual([['restartService', 'catalog']]);
    expect(steps[0]!.detail).toContain('catalog at its maxReplicas (3)');
    const single = await actionsFor(
      diagnosisOf('i2', 'saturation', 'catalog', { replicas: { catalog: replicasOf('catalog', [0.95]) } }),
      { states: { catalog: { replicas: 1, readyReplicas: 1, maxReplicas: 1, minAvailable: 0 } } },
    );
    expect(single.calls).toEqual([['restartReplica', 'catalog-1']]);
  });

  it('meets saturation by load with more replicas, never a restart (and nothing at maxReplicas)', async () => {
    const loaded = diagnosisOf('i1', 'saturation', 'users', {
      replicas: { users: replicasOf('users', [0.9]) },
      requestRates: { users: 4 },
    });
    const busy = {
      ...loaded,
      context: { ...loaded.context, currentRequestRates: { users: 8 } },
    };
    const scaled = await actionsFor(busy, {
      states: { users: { replicas: 1, readyReplicas: 1, maxReplicas: 3, minAvailable: 0 } },
    });
    expect(scaled.calls).toEqual([['scale', 'users', 2]]);
    const atMax = await actionsFor(busy, {
      states: { users: { replicas: 1, readyReplicas: 1, maxReplicas: 1, minAvailable: 0 } },
    });
    expect(atMax.calls).toEqual([]);
    expect(atMax.status.state).toBe('escalated');
    // The usual load: a sick replica, restarted.
    const usual = { ...loaded, context: { ...loaded.context, currentRequestRates: { users: 4.4 } } };
    const restarted = await actionsFor(usual, {
      states: { users: { replicas: 1, readyReplicas: 1, maxReplicas: 1, minAvailable: 0 } },
    });
    expect(restarted.calls).toEqual([['restartReplica', 'users-1']]);
  });

  it('fails a dependency over to its configured alternative', async () => {
    const { calls } = await actionsFor(diagnosisOf('i1', 'dependency', 'payment-provider'), {
      defaults: { failovers: { 'payment-provider': 'payment-provider-secondary' } },
    });
    expect(calls).toEqual([['failover', 'payment-provider', 'payment-provider-secondary']]);
    // payments unreachable from checkout (named by what failed, used by checkout): its provider failover is
    // no cure for payments itself (the fourth recovery run failed payments over, to no effect).
    const base = diagnosisOf('i2', 'dependency', 'payments');
    const unreachable = { ...base, rootCauses: [{ ...base.rootCauses[0]!, usedBy: ['checkout'] }] };
    const reset = await actionsFor(
      {
        ...unreachable,
        context: { ...unreachable.context, replicas: { checkout: replicasOf('checkout', [0.2]) } },
      },
      { defaults: { failovers: { payments: 'secondary' } } },
    );
    // Not the provider failover: checkout's side of the link renewed, a restart of its replica.
    expect(reset.calls).toEqual([['restartReplica', 'checkout-1']]);
    // Named by no caller, the cause's service has no one to renew: nothing is restarted.
    expect((await actionsFor(base)).calls).toEqual([]);
  });

  it("resets a database's callers' connection pools by restarting a caller's replica", async () => {
    const d = diagnosisOf('i1', 'dependency', 'postgres', {
      services: ['postgres', 'orders'],
      signals: [{ service: 'orders', signal: 'errors', direction: 'above' }],
      replicas: { orders: replicasOf('orders', [0.1, 0.5, 0.2]) },
    });
    const { calls } = await actionsFor(d);
    expect(calls).toEqual([['restartReplica', 'orders-2']]);
  });

  it("resets only the pools of the callers whose calls to the database failed, not every anomalous service's", async () => {
    // One name stands for every service's own database (the embedded PGlite, one PostgreSQL server): orders'
    // queries are slow, checkout is a knock-on victim calling its own database, untouched.
    const base = diagnosisOf('i1', 'dependency', 'postgresql', {
      services: ['checkout', 'orders'],
      signals: [
        { service: 'checkout', signal: 'latency_p95', direction: 'above' },
        { service: 'orders', signal: 'rpc_latency_p95', direction: 'above' },
      ],
      replicas: { checkout: replicasOf('checkout', [0.9, 0.1]), orders: replicasOf('orders', [0.1, 0.3]) },
    });
    const d = { ...base, rootCauses: [{ ...base.rootCauses[0]!, usedBy: ['orders'] }] };
    const { calls } = await actionsFor(d);
    expect(calls).toEqual([['restartReplica', 'orders-2']]);
    // Without it (an older caller of the engine), every anomalous caller is a candidate: checkout's busiest.
    expect((await actionsFor(base)).calls).toEqual([['restartReplica', 'checkout-1']]);
  });

  it('opens the configured circuits to a failing dependency, else escalates', async () => {
    const d = diagnosisOf('i1', 'dependency', 'inventory');
    const opened = await actionsFor(d, { defaults: { circuitCallers: { inventory: ['orders', 'cart'] } } });
    expect(opened.calls).toEqual([
      ['openCircuit', 'orders', 'inventory', 60_000],
      ['openCircuit', 'cart', 'inventory', 60_000],
    ]);
    const none = await actionsFor(d);
    expect(none.calls).toEqual([]);
    expect(none.status.state).toBe('escalated');
  });

  it('sheds load at the entry at 80 % of its pre-incident rate on a traffic surge', async () => {
    const { calls } = await actionsFor(
      diagnosisOf('i1', 'traffic', 'catalog', { requestRates: { gateway: 250 } }),
    );
    expect(calls).toEqual([['setRateLimit', 'gateway', 200]]);
  });

  it('scales out on a traffic surge when no pre-incident rate is known', async () => {
    const { calls } = await actionsFor(diagnosisOf('i1', 'traffic', 'catalog'));
    expect(calls).toEqual([['scale', 'catalog', 4]]);
  });

  it('tries the next root cause when the top one has no applicable policy', async () => {
    const d = diagnosisOf('i1', 'change', 'cart', {
      extraCauses: [{ service: 'catalog', kind: 'saturation', score: 0.6, evidence: [] }],
      replicas: { catalog: replicasOf('catalog', [0.9, 0.1, 0.1]) },
    });
    const { calls } = await actionsFor(d);
    expect(calls).toEqual([['restartReplica', 'catalog-1']]);
  });

  it('matches on service and signal', async () => {
    const policies: RemediationPolicyInput[] = [
      {
        name: 'orders-latency',
        match: { service: 'orders', signal: 'latency_p95' },
        action: { type: 'scale-out' },
      },
      { name: 'anything', match: {}, action: { type: 'restart' } },
    ];
    expect((await actionsFor(diagnosisOf('i1', 'failure', 'orders'), { policies })).calls).toEqual([
      ['scale', 'orders', 4],
    ]);
    const errors = diagnosisOf('i2', 'failure', 'orders', {
      signals: [{ service: 'orders', signal: 'errors', direction: 'above' }],
    });
    // The replicas are alike (0.2, 0.3, 0.25 cores): a restart replaces them all.
    expect((await actionsFor(errors, { policies })).calls).toEqual([['restartService', 'orders']]);
  });
});

describe('parsePolicies', () => {
  it('fills in defaults', () => {
    const [p] = parsePolicies([{ name: 'p', action: { type: 'shed-load' } }]);
    expect(p).toEqual({
      name: 'p',
      match: {},
      action: { type: 'shed-load', params: { service: 'gateway', fraction: 0.8 } },
      verify: { deadlineSeconds: 60, settleSeconds: 0 },
    });
  });

  it("accepts restart's pick auto, and the default failure policy uses it", () => {
    const [p] = parsePolicies([{ name: 'p', action: { type: 'restart', params: { pick: 'auto' } } }]);
    expect(p!.action).toEqual({
      type: 'restart',
      params: { of: 'service', pick: 'auto', scaleOutIfAllSaturated: false, saturatedCpu: 0.8 },
    });
    expect(defaultPolicies().find((d) => d.name === 'failure-restart')!.action.params).toMatchObject({
      pick: 'auto',
    });
  });

  it.each([
    [[{ name: 'p', action: { type: 'reboot-the-world' } }], /policies\.0\.action\.type/],
    [[{ name: 'p', action: { type: 'shed-load', params: { fraction: 1.5 } } }], /fraction/],
    [
      [
        { name: 'p', action: { type: 'restart' } },
        { name: 'p', action: { type: 'rollback' } },
      ],
      /duplicate policy name "p"/,
    ],
    [[{ name: 'p', action: { type: 'restart' }, mode: 'yolo' }], /policies\.0\.mode/],
    [[{ name: 'p', match: { kind: 'weather' }, action: { type: 'restart' } }], /match\.kind/],
    ['not a list', /^bad remediation policy: policies: /],
    [[{ name: 'p', action: { type: 'replace', params: { pick: 'auto' } } }], /action\.params\.pick/],
  ])('refuses %j with one line', (input, message) => {
    expect(() => parsePolicies(input)).toThrow(PolicyError);
    expect(() => parsePolicies(input)).toThrow(message);
  });

  it('refuses a malformed diagnosis with a DiagnosisError', async () => {
    const engine = createRemediationEngine({
      clock: createManualClock(NOW),
      platform: createFakePlatform(),
      mode: 'auto',
      verify: () => Promise.resolve('recovered'),
    });
    const bad = {
      ...diagnosisOf('i1', 'failure', 'orders'),
      rootCauses: [{ service: 'orders', kind: 'bad-luck', score: 1, evidence: [] }],
    };
    await expect(engine.diagnose(bad as unknown as Diagnosis)).rejects.toThrow(DiagnosisError);
    await expect(engine.diagnose(bad as unknown as Diagnosis)).rejects.toThrow(/rootCauses\.0\.kind/);
  });
});
