import { createManualClock, type ManualClock } from '@opsloop/kit';
import type { WebhookPayload } from '@opsloop/telemetry';
import { describe, expect, it } from 'vitest';
import type { ActionLimitsOptions } from './action-limits.js';
import { defaultPolicies, type RemediationMode, type RemediationPolicyInput } from './policy.js';
import { createRemediationEngine, type VerifyResult } from './remediation-engine.js';
import {
  ProposalNotFoundError,
  RemediationOptionsError,
  RemediationSnapshotError,
  RemediationStoppedError,
} from './remediation-errors.js';
import type { ServiceState } from './remediation-platform.js';
import type { RemediationStep } from './remediation-step.js';
import { diagnosisOf, replicasOf } from './testing/diagnoses.js';
import { createFakePlatform, type FakePlatform } from './testing/fake-platform.js';

const NOW = Date.UTC(2026, 11, 7, 3, 0, 0);
const MIN = 60_000;

/** Lets every pending promise chain settle (the engine's awaits on the fake platform and on verify). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the manual clock in 1 s steps, letting the engine's async work run between steps. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    clock.advance(Math.min(1000, ms - t));
    await flush();
  }
}

interface Setup {
  mode?: RemediationMode;
  states?: Record<string, Partial<ServiceState>>;
  limits?: ActionLimitsOptions;
  policies?: RemediationPolicyInput[];
  verify?: (incidentId: string, sinceMs: number) => Promise<VerifyResult>;
  surge?: boolean;
  maxAttemptsPerIncident?: number;
  minCauseShare?: number;
}

function setup(options: Setup = {}) {
  const clock = createManualClock(NOW);
  const platform: FakePlatform = createFakePlatform(options.states);
  const steps: RemediationStep[] = [];
  const audit: RemediationStep[] = [];
  const payloads: WebhookPayload[] = [];
  const verdicts = new Map<string, VerifyResult>();
  let ids = 0;
  const engine = createRemediationEngine({
    clock,
    platform,
    mode: options.mode ?? 'auto',
    policies: options.policies ?? defaultPolicies(),
    verify: options.verify ?? ((incidentId) => Promise.resolve(verdicts.get(incidentId) ?? 'not-recovered')),
    onStep: (s) => steps.push(s),
    audit: (s) => audit.push(s),
    notify: (p) => payloads.push(p),
    newId: () => `p${++ids}`,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.surge !== undefined ? { surge: options.surge } : {}),
    ...(options.maxAttemptsPerIncident ? { maxAttemptsPerIncident: options.maxAttemptsPerIncident } : {}),
    ...(options.minCauseShare !== undefined ? { minCauseShare: options.minCauseShare } : {}),
  });
  const phases = (incidentId: string) => steps.filter((s) => s.incidentId === incidentId).map((s) => s.phase);
  const actions = () =>
    platform.calls.filter((c) => c.method !== 'serviceState').map((c) => [c.method, ...c.args]);
  return { clock, platform, engine, steps, audit, payloads, verdicts, phases, actions };
}

/** A saturation incident on `service`: its busiest replica (`<service>-2`) gets restarted. */
const saturation = (id: string, service = 'orders') =>
  diagnosisOf(id, 'saturation', service, { replicas: { [service]: replicasOf(service, [0.3, 0.95, 0.4]) } });

/**
 * The shop's case: errors injected into both replicas of catalog (the root cause, 0.83); cart, a knock-on
 * victim, scores 0.1. Both catalog replicas look alike.
 */
const serviceWideFailure = (id: string, cartScore = 0.1) =>
  diagnosisOf(id, 'failure', 'catalog', {
    services: ['catalog', 'cart'],
    signals: [
      { service: 'catalog', signal: 'errors', direction: 'above' },
      { service: 'cart', signal: 'errors', direction: 'above' },
    ],
    replicas: { catalog: replicasOf('catalog', [0.3, 0.31]), cart: replicasOf('cart', [0.2, 0.2]) },
    extraCauses: [{ service: 'cart', kind: 'failure', score: cartScore, evidence: ['errors in cart'] }],
  });

describe('rolling restart and weak causes', () => {
  it('rolling-restarts a service failing on every replica, and never acts on a weak cause', async () => {
    const d = serviceWideFailure('a');
    const t = setup();
    await t.engine.diagnose({ ...d, rootCauses: [{ ...d.rootCauses[0]!, score: 0.83 }, d.rootCauses[1]!] });
    expect(t.actions()).toEqual([['restartService', 'catalog']]);
    expect(t.payloads[0]!.alerts[0]!.labels).toMatchObject({ action: 'rolling-restart', service: 'catalog' });
    await advance(t.clock, 61_000);
    // Not effective: cart (0.1 against 0.83) is no candidate, so the incident goes to a person.
    expect(t.actions()).toEqual([['restartService', 'catalog']]);
    expect(t.phases('a')).toEqual(['executing', 'executed', 'verifying', 'not-effective', 'escalated']);
    expect(t.steps[3]!.detail).toContain('a rolling restart has no undo');
    expect(t.steps.at(-1)!.detail).toContain('not acted on (score below 0.5 of the top cause');
    expect(t.steps.at(-1)!.detail).toContain('failure of cart (0.1)');
  });

  it('takes a cause at minCauseShare of the top score, and every cause with minCauseShare 0', async () => {
    const even = setup();
    await even.engine.diagnose(serviceWideFailure('a', 0.45));
    await advance(even.clock, 61_000);
    expect(even.actions()).toEqual([
      ['restartService', 'catalog'],
      ['restartService', 'cart'],
    ]);
    const all = setup({ minCauseShare: 0 });
    await all.engine.diagnose(serviceWideFailure('a', 0.1));
    await advance(all.clock, 61_000);
    expect(all.actions()).toEqual([
      ['restartService', 'catalog'],
      ['restartService', 'cart'],
    ]);
    expect(() => setup({ minCauseShare: 1.5 })).toThrow(RemediationOptionsError);
    expect(() => setup({ minCauseShare: Number.NaN })).toThrow(/minCauseShare must be between 0 and 1/);
  });

  it('counts rolling restarts in the hourly limit and holds the service lock while verifying', async () => {
    const t = setup();
    for (const id of ['a', 'b', 'c']) {
      t.verdicts.set(id, 'recovered');
      await t.engine.diagnose(serviceWideFailure(id));
      if (id === 'a') {
        // In flight: another action on catalog waits.
        const busy = await t.engine.diagnose(saturation('busy', 'catalog'));
        expect(busy.state).toBe('escalated');
        expect(t.steps.find((s) => s.incidentId === 'busy')!.detail).toContain(
          'an action on catalog is already in flight',
        );
      }
      await advance(t.clock, 15_000);
      expect(t.engine.incident(id)!.state).toBe('verified');
    }
    const fourth = await t.engine.diagnose(serviceWideFailure('d'));
    expect(fourth.state).toBe('escalated');
    expect(t.steps.find((s) => s.incidentId === 'd')!.detail).toMatch(
      /refused rolling restart of catalog: 3 actions on catalog in the last hour/,
    );
    expect(t.platform.callsOf('restartService')).toHaveLength(3);
  });

  it('refuses a rolling restart when no replica is ready, and takes the next candidate', async () => {
    const t = setup({ states: { catalog: { replicas: 2, readyReplicas: 0 } }, minCauseShare: 0 });
    await t.engine.diagnose(serviceWideFailure('a'));
    expect(t.steps[0]!.phase).toBe('refused');
    expect(t.steps[0]!.detail).toContain(
      'catalog has no ready replica: a rolling restart has nothing to keep available',
    );
    expect(t.actions()).toEqual([['restartService', 'cart']]);
  });

  it('proposes a rolling restart in suggest mode and executes it on approval', async () => {
    const t = setup({ mode: 'suggest' });
    const status = await t.engine.diagnose(serviceWideFailure('a'));
    expect(t.engine.pending()[0]).toMatchObject({ target: 'catalog', action: { type: 'rolling-restart' } });
    await t.engine.approve(status.proposalId!, 'alice');
    expect(t.actions()).toEqual([['restartService', 'catalog']]);
  });
});

describe('guardrails', () => {
  it('refuses a 4th action on a service within an hour, and allows it again after the hour', async () => {
    const t = setup();
    for (const id of ['a', 'b', 'c']) {
      t.verdicts.set(id, 'recovered');
      await t.engine.diagnose(saturation(id));
      await advance(t.clock, 15_000);
      expect(t.engine.incident(id)!.state).toBe('verified');
    }
    const fourth = await t.engine.diagnose(saturation('d'));
    expect(fourth.state).toBe('escalated');
    expect(t.phases('d')).toEqual(['refused', 'escalated']);
    expect(t.steps.find((s) => s.incidentId === 'd')!.detail).toMatch(
      /3 actions on orders in the last hour \(limit 3/,
    );
    expect(t.platform.callsOf('restartReplica')).toHaveLength(3);

    await advance(t.clock, 60 * MIN);
    t.verdicts.set('e', 'recovered');
    await t.engine.diagnose(saturation('e'));
    expect(t.phases('e')).toEqual(['executing', 'executed', 'verifying']);
    expect(t.platform.callsOf('restartReplica')).toHaveLength(4);
  });

  it('refuses a second action on a service while one is in flight, then allows it once verified', async () => {
    const t = setup();
    await t.engine.diagnose(saturation('a'));
    expect(t.engine.incident('a')!.state).toBe('verifying');
    const second = await t.engine.diagnose(diagnosisOf('b', 'failure', 'orders'));
    expect(second.state).toBe('escalated');
    expect(t.phases('b')).toEqual(['refused', 'escalated']);
    expect(t.steps.find((s) => s.phase === 'refused')!.detail).toContain(
      'an action on orders is already in flight',
    );

    t.verdicts.set('a', 'recovered');
    await advance(t.clock, 10_000);
    expect(t.engine.incident('a')!.state).toBe('verified');
    await t.engine.diagnose(diagnosisOf('c', 'failure', 'orders'));
    expect(t.phases('c')).toContain('executing');
  });

  it('handles an incident once while its remediation goes on, and anew once it reopened after it ended', async () => {
    const t = setup();
    await t.engine.diagnose(saturation('a'));
    const again = await t.engine.diagnose(diagnosisOf('a', 'failure', 'catalog'));
    expect(again.state).toBe('verifying');
    expect(t.platform.callsOf('restartReplica')).toHaveLength(1);

    t.verdicts.set('a', 'recovered');
    await advance(t.clock, 10_000);
    expect(t.engine.incident('a')!.state).toBe('verified');
    // The same diagnosis again is still handled once; reopened by the next fault, a new run acts on it.
    expect((await t.engine.diagnose(diagnosisOf('a', 'failure', 'catalog'))).state).toBe('verified');
    t.verdicts.delete('a');
    const reopened = await t.engine.diagnose({
      ...diagnosisOf('a', 'failure', 'catalog'),
      reopenedAtMs: t.clock.now(),
    });
    expect(reopened.state).toBe('verifying');
    expect(t.platform.calls.filter((c) => c.method !== 'serviceState').length).toBe(2);
  });

  it('holds at most globalMaxConcurrent actions in flight across services', async () => {
    const t = setup({ limits: { globalMaxConcurrent: 2 } });
    await t.engine.diagnose(saturation('a', 'orders'));
    await t.engine.diagnose(saturation('b', 'cart'));
    const third = await t.engine.diagnose(saturation('c', 'catalog'));
    expect(third.state).toBe('escalated');
    expect(t.steps.find((s) => s.incidentId === 'c')!.detail).toContain(
      '2 actions in flight (global limit 2)',
    );
    expect(t.platform.callsOf('restartReplica').map((c) => c.args[0])).toEqual(['orders-2', 'cart-2']);
  });

  it('replaces instead of restarting when a restart would go below minAvailable', async () => {
    const t = setup({ states: { orders: { replicas: 2, readyReplicas: 2, minAvailable: 2 } } });
    await t.engine.diagnose(saturation('a'));
    expect(t.actions()).toEqual([['replaceReplica', 'orders-2']]);
    const executing = t.steps.find((s) => s.phase === 'executing')!;
    expect(executing.action).toBe('replace');
    expect(executing.detail).toContain('would leave 1 ready replicas (minAvailable 2): replacing instead');
  });

  it('refuses the restart when surging is off, and escalates', async () => {
    const t = setup({ surge: false, states: { orders: { replicas: 2, readyReplicas: 2, minAvailable: 2 } } });
    const status = await t.engine.diagnose(saturation('a'));
    expect(t.actions()).toEqual([]);
    expect(status.state).toBe('escalated');
    expect(t.steps[0]!.detail).toContain('minAvailable 2');
  });

  it('restarts a replica that is not ready even at minAvailable (it costs no ready replica)', async () => {
    const t = setup({ states: { orders: { replicas: 3, readyReplicas: 2, minAvailable: 2 } } });
    const replicas = replicasOf('orders');
    replicas[0] = { ...replicas[0]!, ready: false, restarts: 2 };
    await t.engine.diagnose(diagnosisOf('a', 'failure', 'orders', { replicas: { orders: replicas } }));
    expect(t.actions()).toEqual([['restartReplica', 'orders-1']]);
  });

  it('never scales above maxReplicas: the next candidate is taken instead', async () => {
    const t = setup({ states: { catalog: { replicas: 6, readyReplicas: 6, maxReplicas: 6 } } });
    // Traffic without a known rate: shed-load does not apply, scale-out is refused at the maximum.
    const status = await t.engine.diagnose(diagnosisOf('a', 'traffic', 'catalog'));
    expect(t.actions()).toEqual([]);
    expect(status.state).toBe('escalated');
    expect(t.steps[0]!.detail).toContain('catalog is at its maxReplicas (6)');
  });
});

describe('modes', () => {
  it('off: records what it would do once per incident and does nothing', async () => {
    const t = setup({ mode: 'off' });
    await t.engine.diagnose(saturation('a'));
    await t.engine.diagnose(saturation('a'));
    expect(t.actions()).toEqual([]);
    expect(t.phases('a')).toEqual(['skipped']);
    expect(t.steps[0]!.detail).toMatch(/^remediation is off: would restart replica orders-2 of orders/);
  });

  it('suggest: waits for approval, then executes', async () => {
    const t = setup({ mode: 'suggest' });
    const status = await t.engine.diagnose(saturation('a'));
    expect(status).toMatchObject({ state: 'pending-approval', proposalId: 'p1' });
    expect(t.actions()).toEqual([]);
    await advance(t.clock, 10 * MIN);
    expect(t.actions()).toEqual([]);
    const [proposal] = t.engine.pending();
    expect(proposal).toMatchObject({
      id: 'p1',
      incidentId: 'a',
      target: 'orders/orders-2',
      policy: 'saturation-restart',
      proposedAtMs: NOW,
      expiresAtMs: NOW + 15 * MIN,
    });
    expect(proposal!.action).toEqual({ type: 'restart', service: 'orders', replica: 'orders-2' });

    const approved = await t.engine.approve('p1', 'alice');
    expect(approved.state).toBe('verifying');
    expect(t.actions()).toEqual([['restartReplica', 'orders-2']]);
    expect(t.engine.pending()).toEqual([]);
    expect(t.phases('a')).toEqual(['proposed', 'approved', 'executing', 'executed', 'verifying']);
    expect(t.steps[1]).toMatchObject({ phase: 'approved', by: 'alice', proposalId: 'p1' });
    await expect(t.engine.approve('p1', 'bob')).rejects.toThrow(ProposalNotFoundError);
  });

  it('suggest: a rejected proposal does nothing', async () => {
    const t = setup({ mode: 'suggest' });
    await t.engine.diagnose(saturation('a'));
    const rejected = t.engine.reject('p1', 'bob', 'we are mid-migration');
    expect(rejected.state).toBe('rejected');
    await advance(t.clock, 30 * MIN);
    expect(t.actions()).toEqual([]);
    expect(t.phases('a')).toEqual(['proposed', 'rejected']);
    expect(t.steps[1]!.detail).toBe('rejected by bob: we are mid-migration');
    expect(() => t.engine.reject('p1', 'bob', 'again')).toThrow(ProposalNotFoundError);
  });

  it('suggest: an unanswered proposal expires and the incident is escalated', async () => {
    const t = setup({ mode: 'suggest' });
    await t.engine.diagnose(saturation('a'));
    await advance(t.clock, 15 * MIN - 1000);
    expect(t.engine.pending()).toHaveLength(1);
    await advance(t.clock, 1000);
    expect(t.engine.pending()).toEqual([]);
    expect(t.phases('a')).toEqual(['proposed', 'expired', 'escalated']);
    expect(t.actions()).toEqual([]);
    await expect(t.engine.approve('p1', 'late')).rejects.toThrow(ProposalNotFoundError);
  });

  it('suggest: approval re-checks the guardrails against the current state', async () => {
    const t = setup({ mode: 'suggest' });
    await t.engine.diagnose(saturation('a'));
    t.platform.states.set('orders', {
      replicas: 2,
      readyReplicas: 2,
      minReplicas: 1,
      maxReplicas: 6,
      minAvailable: 2,
    });
    await t.engine.approve('p1', 'alice');
    expect(t.actions()).toEqual([['replaceReplica', 'orders-2']]);
  });

  it("a policy's mode overrides the engine's", async () => {
    const t = setup({
      mode: 'auto',
      policies: [
        {
          name: 'careful-restart',
          match: { kind: 'saturation' },
          action: { type: 'restart' },
          mode: 'suggest',
        },
      ],
    });
    expect((await t.engine.diagnose(saturation('a'))).state).toBe('pending-approval');
    expect(t.actions()).toEqual([]);
  });
});

describe('verification', () => {
  it('resolves on recovery (a restart is given its settle time before the first check)', async () => {
    const checks: number[] = [];
    const t = setup({
      verify: (_id, since) => {
        checks.push(t.clock.now() - since);
        return Promise.resolve(checks.length >= 3 ? 'recovered' : 'not-recovered');
      },
    });
    await t.engine.diagnose(saturation('a'));
    await advance(t.clock, 30_000);
    expect(checks).toEqual([10_000, 15_000, 20_000]);
    expect(t.phases('a')).toEqual(['executing', 'executed', 'verifying', 'verified']);
    expect(t.steps.at(-1)!.detail).toBe('recovered 20 s after restart replica orders-2 of orders');
  });

  it('undoes an action that does not help, tries the next candidate, then escalates', async () => {
    const t = setup();
    await t.engine.diagnose(diagnosisOf('a', 'traffic', 'catalog', { requestRates: { gateway: 100 } }));
    expect(t.actions()).toEqual([['setRateLimit', 'gateway', 80]]);
    await advance(t.clock, 60_000);
    // Shedding did not help: the limit goes back, and the next candidate (scale-out) is taken.
    expect(t.actions()).toEqual([
      ['setRateLimit', 'gateway', 80],
      ['setRateLimit', 'gateway', null],
      ['scale', 'catalog', 4],
    ]);
    await advance(t.clock, 70_000);
    expect(t.actions().slice(3)).toEqual([['scale', 'catalog', 3]]);
    expect(t.phases('a')).toEqual([
      'executing',
      'executed',
      'verifying',
      'not-effective',
      'undone',
      'executing',
      'executed',
      'verifying',
      'not-effective',
      'undone',
      'escalated',
    ]);
    expect(t.engine.incident('a')).toMatchObject({ state: 'escalated', attempts: 2 });
    expect(t.steps.at(-1)!.detail).toContain('2 actions did not recover the incident');
    // Both services' locks are free again.
    t.verdicts.set('b', 'recovered');
    await t.engine.diagnose(saturation('b', 'catalog'));
    expect(t.phases('b')).toContain('executing');
  });

  it('says a rollback has no undo, and escalates when nothing else applies', async () => {
    const t = setup({
      states: {
        orders: {
          lastRollout: {
            revision: 'r2',
            previousRevision: 'r1',
            startedAtMs: NOW - MIN,
            state: 'progressing',
          },
        },
      },
    });
    await t.engine.diagnose(diagnosisOf('a', 'change', 'orders'));
    await advance(t.clock, 61_000);
    expect(t.actions()).toEqual([['rollback', 'orders']]);
    expect(t.phases('a')).toEqual(['executing', 'executed', 'verifying', 'not-effective', 'escalated']);
    expect(t.steps[3]!.detail).toContain('a rollback has no undo');
  });

  it('closes the circuits it opened when opening them did not help', async () => {
    const t = setup({ policies: defaultPolicies({ circuitCallers: { inventory: ['orders', 'cart'] } }) });
    await t.engine.diagnose(diagnosisOf('a', 'dependency', 'inventory'));
    await advance(t.clock, 60_000);
    expect(t.actions()).toEqual([
      ['openCircuit', 'orders', 'inventory', 60_000],
      ['openCircuit', 'cart', 'inventory', 60_000],
      ['closeCircuit', 'orders', 'inventory'],
      ['closeCircuit', 'cart', 'inventory'],
    ]);
    expect(t.phases('a').slice(-3)).toEqual(['not-effective', 'undone', 'escalated']);
  });

  it('counts a verifier that throws as unknown and still keeps to the deadline', async () => {
    const t = setup({ verify: () => Promise.reject(new Error('metrics store down')) });
    await t.engine.diagnose(saturation('a'));
    await advance(t.clock, 61_000);
    expect(t.phases('a')).toEqual(['executing', 'executed', 'verifying', 'not-effective', 'escalated']);
    expect(t.steps[3]!.detail).toContain('last check: unknown');
  });

  it('cancel stops verification and frees the service', async () => {
    const t = setup();
    await t.engine.diagnose(saturation('a'));
    expect(t.engine.cancel('a')).toBe(true);
    expect(t.engine.cancel('a')).toBe(false);
    await advance(t.clock, 120_000);
    expect(t.phases('a')).toEqual(['executing', 'executed', 'verifying', 'skipped']);
    await t.engine.diagnose(saturation('b'));
    expect(t.phases('b')).toContain('executing');
  });

  it('cancel withdraws a pending proposal', async () => {
    const t = setup({ mode: 'suggest' });
    await t.engine.diagnose(saturation('a'));
    t.engine.cancel('a');
    expect(t.engine.pending()).toEqual([]);
    await advance(t.clock, 20 * MIN);
    expect(t.phases('a')).toEqual(['proposed', 'skipped']);
  });
});

describe('failures never crash the loop', () => {
  it('a throwing platform call is a failed step; the next incident is handled', async () => {
    const t = setup();
    t.platform.failing.set('rollback', 'throw');
    t.platform.states.set('orders', {
      replicas: 3,
      readyReplicas: 3,
      minReplicas: 1,
      maxReplicas: 6,
      minAvailable: 1,
      lastRollout: { revision: 'r2', previousRevision: 'r1', startedAtMs: NOW - MIN, state: 'promoted' },
    });
    const status = await t.engine.diagnose(diagnosisOf('a', 'change', 'orders'));
    expect(status.state).toBe('escalated');
    expect(t.phases('a')).toEqual(['executing', 'failed', 'escalated']);
    expect(t.steps[1]!.detail).toBe('failed: roll back orders r2 → r1 threw: rollback exploded');

    t.verdicts.set('b', 'recovered');
    await t.engine.diagnose(saturation('b'));
    await advance(t.clock, 15_000);
    expect(t.phases('b')).toEqual(['executing', 'executed', 'verifying', 'verified']);
  });

  it('a failed action moves on to the next candidate', async () => {
    const t = setup();
    t.platform.failing.set('setRateLimit', 'not-ok');
    await t.engine.diagnose(diagnosisOf('a', 'traffic', 'catalog', { requestRates: { gateway: 100 } }));
    expect(t.actions()).toEqual([
      ['setRateLimit', 'gateway', 80],
      ['scale', 'catalog', 4],
    ]);
    expect(t.phases('a')).toEqual(['executing', 'failed', 'executing', 'executed', 'verifying']);
  });

  it('a circuit that fails to open closes the ones already opened', async () => {
    const t = setup({ policies: defaultPolicies({ circuitCallers: { inventory: ['orders', 'cart'] } }) });
    let opened = 0;
    const open = t.platform.openCircuit;
    t.platform.openCircuit = (caller, target, ms) =>
      ++opened === 2 ? Promise.reject(new Error('cart has no breaker')) : open(caller, target, ms);
    await t.engine.diagnose(diagnosisOf('a', 'dependency', 'inventory'));
    expect(t.actions()).toEqual([
      ['openCircuit', 'orders', 'inventory', 60_000],
      ['closeCircuit', 'orders', 'inventory'],
    ]);
    expect(t.phases('a')).toEqual(['executing', 'failed', 'escalated']);
    expect(t.steps[1]!.detail).toContain('cart has no breaker');
  });

  it('a platform call that never settles fails after the action timeout', async () => {
    const t = setup();
    t.platform.failing.set('restartReplica', 'hang');
    const pending = t.engine.diagnose(saturation('a'));
    await flush();
    await advance(t.clock, 119_000);
    expect(t.phases('a')).toEqual(['executing']);
    await advance(t.clock, 1000);
    expect((await pending).state).toBe('escalated');
    expect(t.steps[1]!.detail).toContain('did not finish within 120 s');
  });

  it('an unavailable service state is a refusal, not a crash', async () => {
    const t = setup();
    t.platform.failing.set('serviceState', 'throw');
    const status = await t.engine.diagnose(saturation('a'));
    expect(status.state).toBe('escalated');
    expect(t.actions()).toEqual([]);
  });

  it('observers that throw do not stop remediation', async () => {
    const clock = createManualClock(NOW);
    const platform = createFakePlatform();
    const engine = createRemediationEngine({
      clock,
      platform,
      mode: 'auto',
      verify: () => Promise.resolve('recovered'),
      onStep: () => {
        throw new Error('dashboard down');
      },
      notify: () => {
        throw new Error('webhook down');
      },
      audit: () => {
        throw new Error('disk full');
      },
    });
    await engine.diagnose(saturation('a'));
    await advance(clock, 15_000);
    expect(engine.incident('a')!.state).toBe('verified');
  });

  it('after stop, timers are gone and calls are refused', async () => {
    const t = setup();
    await t.engine.diagnose(saturation('a'));
    t.engine.stop();
    expect(t.clock.pending()).toBe(0);
    await expect(t.engine.diagnose(saturation('b'))).rejects.toThrow(RemediationStoppedError);
  });
});

describe('notifications and audit', () => {
  it('sends every step as an Alertmanager v4 webhook payload and audits it', async () => {
    const t = setup();
    t.verdicts.set('inc-7', 'recovered');
    await t.engine.diagnose(saturation('inc-7'));
    await advance(t.clock, 15_000);
    expect(t.payloads).toHaveLength(4);
    expect(t.audit).toEqual(t.steps);
    const executing = t.payloads[0]!;
    expect(executing).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'opsloop-remediation',
      groupLabels: { alertname: 'RemediationStep', incident: 'inc-7' },
      truncatedAlerts: 0,
      externalURL: '',
    });
    expect(executing.groupKey).toBe('{}:{alertname="RemediationStep", incident="inc-7"}');
    expect(executing.alerts).toHaveLength(1);
    const alert = executing.alerts[0]!;
    expect(alert.labels).toEqual({
      alertname: 'RemediationStep',
      incident: 'inc-7',
      service: 'orders',
      action: 'restart',
      phase: 'executing',
      severity: 'info',
    });
    expect(alert.annotations.summary).toBe('Remediation of inc-7: executing restart orders/orders-2');
    expect(alert.annotations.description).toContain('restart replica orders-2 of orders');
    expect(alert.startsAt).toBe(new Date(NOW).toISOString());
    expect(alert.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(executing.commonLabels).toEqual(alert.labels);

    const verified = t.payloads.at(-1)!;
    expect(verified.status).toBe('resolved');
    expect(verified.alerts[0]!.labels.phase).toBe('verified');
    expect(verified.alerts[0]!.endsAt).toBe(new Date(NOW + 10_000).toISOString());
    expect(verified.alerts[0]!.fingerprint).not.toBe(alert.fingerprint);
  });

  it('marks escalations critical', async () => {
    const t = setup();
    await t.engine.diagnose(diagnosisOf('a', 'change', 'cart'));
    expect(t.payloads[0]!.alerts[0]!.labels).toMatchObject({
      phase: 'escalated',
      action: 'none',
      severity: 'critical',
    });
  });
});

describe('snapshot and restore', () => {
  it('keeps the hourly counters across a restart', async () => {
    const first = setup();
    for (const id of ['a', 'b', 'c']) {
      first.verdicts.set(id, 'recovered');
      await first.engine.diagnose(saturation(id));
      await advance(first.clock, 15_000);
    }
    const snapshot = first.engine.snapshot();
    expect(snapshot.actions.orders).toHaveLength(3);
    first.engine.stop();

    const second = setup();
    second.clock.advance(first.clock.now() - NOW);
    second.engine.restore(JSON.parse(JSON.stringify(snapshot)));
    expect((await second.engine.diagnose(saturation('d'))).state).toBe('escalated');
    expect(second.actions()).toEqual([]);
  });

  it('refuses a malformed snapshot', () => {
    const t = setup();
    expect(() => t.engine.restore({ version: 2, actions: {} })).toThrow(RemediationSnapshotError);
    expect(() => t.engine.restore({ version: 1, actions: { orders: ['soon'] } })).toThrow(
      /actions\.orders\.0/,
    );
  });
});
