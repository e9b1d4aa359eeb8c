import { createFlagStore, type FlagStore } from '@opsloop/flags';
import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import type { RevisionRecord, ServiceController } from '../reconcile/service-controller.js';
import { EndpointRegistry } from '../registry/registry.js';
import { parseSpec } from '../spec/load-spec.js';
import type { SystemSpec } from '../spec/schema.js';
import { createRuntimeRemediationPlatform, rateLimitFlagOf } from './runtime-remediation-platform.js';

const SPEC = parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: shop }
services:
  gateway:
    command: [node, g.js]
    replicas: 2
    disruptionBudget: { minAvailable: 1 }
    dependsOn: [orders, payments]
    optionalDependencies: [payments]
  orders:
    command: [node, o.js]
    replicas: 3
    autoscaling: { minReplicas: 2, maxReplicas: 6, metrics: [{ type: cpu, targetUtilizationPercent: 70 }] }
  payments:
    command: [node, p.js]
`);

const FLAGS = {
  flags: {
    'gateway-rate-limit-rps': {
      state: 'ENABLED',
      variants: { unlimited: 0, strict: 5 },
      defaultVariant: 'unlimited',
    },
    'payments-provider': {
      state: 'ENABLED',
      variants: { primary: 'stripe', secondary: 'adyen' },
      defaultVariant: 'primary',
      metadata: { failoverFor: 'payment-provider' },
    },
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  },
};

/** A fake replica: counts restarts; `running` false answers like a replica without a process. */
function fakeReplica(name: string, running = true) {
  const restarts: string[] = [];
  return {
    name,
    ready: true,
    restarts,
    restart(reason: string) {
      if (!running) return false;
      restarts.push(reason);
      return true;
    },
    whenReady: () => Promise.resolve(),
  };
}

/** A fake controller with the fields the platform reads. */
function fakeController(service: string, replicas: number, history: Partial<RevisionRecord>[] = []) {
  const state = {
    desiredReplicas: replicas,
    revision: 'r1',
    progress: undefined as unknown,
    replicas: Array.from({ length: replicas }, (_, i) => fakeReplica(`${service}-${i + 1}`)),
  };
  const controller = {
    get desiredReplicas() {
      return state.desiredReplicas;
    },
    get revision() {
      return state.revision;
    },
    replicas: () => state.replicas,
    history: () => history,
    progress: () => state.progress,
  };
  return { state, controller: controller as unknown as ServiceController };
}

function setup(spec: SystemSpec = SPEC, withFlags = true, scheduledDown: readonly string[] = []) {
  const flags: FlagStore | undefined = withFlags ? createFlagStore(FLAGS) : undefined;
  const controllers = {
    gateway: fakeController('gateway', 2),
    orders: fakeController('orders', 3, [
      { revision: 'r1', at: '2026-12-07T11:00:00.000Z', cause: 'start' },
      { revision: 'r2', at: '2026-12-07T11:30:00.000Z', cause: 'apply' },
    ]),
    payments: fakeController('payments', 1, [
      { revision: 'r1', at: '2026-12-07T11:00:00.000Z', cause: 'start' },
    ]),
  };
  const scaled: [string, number][] = [];
  const undone: string[] = [];
  const restarted: string[] = [];
  const clock = createManualClock(Date.UTC(2026, 11, 7, 12));
  const registry = new EndpointRegistry();
  const platform = createRuntimeRemediationPlatform({
    clock,
    spec: () => spec,
    controllerOf: (service) => controllers[service as keyof typeof controllers]?.controller,
    undoRollout: (service) => {
      undone.push(service);
      controllers[service as keyof typeof controllers].state.revision = 'r0';
      return Promise.resolve();
    },
    restartService: (service) => {
      restarted.push(service);
      controllers[service as keyof typeof controllers].state.revision = 'r3';
      return Promise.resolve();
    },
    scale: (service, replicas) => {
      scaled.push([service, replicas]);
      controllers[service as keyof typeof controllers].state.desiredReplicas = replicas;
      return Promise.resolve();
    },
    flags,
    scheduledDown: (service) => scheduledDown.includes(service),
    circuits: {
      open: (caller, target) => registry.openCircuit(caller, target),
      close: (caller, target) => registry.closeCircuit(caller, target),
    },
  });
  return { platform, controllers, scaled, undone, restarted, flags: flags!, clock, registry };
}

/**
 * The call's promise; a synchronous throw becomes a rejection (some actions throw before their promise
 * exists, which the remediation engine catches the same way).
 */
const settled = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call);

describe('the runtime as remediation platform', () => {
  it('refuses to scale, restart or replace a service the schedule holds down', async () => {
    const { platform, scaled, restarted, controllers } = setup(SPEC, true, ['orders']);
    for (const outcome of [
      await platform.scale('orders', 3),
      await platform.restartService('orders'),
      await platform.replaceReplica('orders-1'),
    ])
      expect(outcome).toMatchObject({ ok: false, detail: expect.stringContaining('by the schedule') });
    expect(scaled).toEqual([]);
    expect(restarted).toEqual([]);
    expect(controllers.orders.state.replicas[0]!.restarts).toEqual([]);
    expect(await platform.scale('gateway', 3)).toMatchObject({ ok: true });
  });

  it('setRateLimit adds a remediation variant to <service>-rate-limit-rps; its undo restores the variant', async () => {
    const { platform, flags } = setup();
    expect(rateLimitFlagOf('gateway')).toBe('gateway-rate-limit-rps');
    const outcome = await platform.setRateLimit('gateway', 12.4);
    expect(outcome).toMatchObject({ ok: true, detail: expect.stringContaining('12 requests/s') });
    const flag = flags.get('gateway-rate-limit-rps')!;
    expect(flag.defaultVariant).toBe('remediation');
    expect(flag.variants).toEqual({ unlimited: 0, strict: 5, remediation: 12 });
    // Other flags are left as they were.
    expect(flags.get('new-checkout')?.defaultVariant).toBe('on');
    await outcome.undo!();
    expect(flags.get('gateway-rate-limit-rps')?.defaultVariant).toBe('unlimited');
  });

  it('setRateLimit: at least 1 request/s; null goes back to the unlimited variant; no flag, a refusal', async () => {
    const { platform, flags } = setup();
    await platform.setRateLimit('gateway', 0.2);
    expect(flags.get('gateway-rate-limit-rps')?.variants.remediation).toBe(1);
    const back = await platform.setRateLimit('gateway', null);
    expect(back.ok).toBe(true);
    expect(flags.get('gateway-rate-limit-rps')?.defaultVariant).toBe('unlimited');
    expect(await platform.setRateLimit('orders', 10)).toEqual({
      ok: false,
      detail: 'orders has no run-time rate limit (no flag orders-rate-limit-rps)',
    });
  });

  it('setRateLimit undo leaves a variant someone else chose since', async () => {
    const { platform, flags } = setup();
    const outcome = await platform.setRateLimit('gateway', 10);
    flags.set('gateway-rate-limit-rps', { defaultVariant: 'strict' });
    await outcome.undo!();
    expect(flags.get('gateway-rate-limit-rps')?.defaultVariant).toBe('strict');
  });

  it('setFlag refuses an unknown flag, an unknown variant and the current variant', async () => {
    const { platform, flags } = setup();
    expect(await platform.setFlag('nope', 'on')).toEqual({
      ok: false,
      detail: 'no feature flag named "nope"',
    });
    expect(await platform.setFlag('new-checkout', 'maybe')).toEqual({
      ok: false,
      detail: 'flag new-checkout has no variant "maybe"',
    });
    expect((await platform.setFlag('new-checkout', 'on')).ok).toBe(false);
    expect(flags.get('new-checkout')?.defaultVariant).toBe('on');
  });

  it('setFlag switches the variant; its undo restores it only if nobody changed it since', async () => {
    const { platform, flags } = setup();
    const first = await platform.setFlag('new-checkout', 'off');
    expect(first).toMatchObject({ ok: true, detail: 'flag new-checkout: on → off' });
    expect(flags.get('new-checkout')?.defaultVariant).toBe('off');
    await first.undo!();
    expect(flags.get('new-checkout')?.defaultVariant).toBe('on');

    const second = await platform.setFlag('new-checkout', 'off');
    flags.set('new-checkout', { state: 'DISABLED' });
    flags.set('new-checkout', { defaultVariant: 'on' });
    flags.set('new-checkout', { defaultVariant: 'off' });
    // Someone set it back to "off" themselves: still the remediation's variant, so undo restores.
    await second.undo!();
    expect(flags.get('new-checkout')?.defaultVariant).toBe('on');

    const third = await platform.setFlag('new-checkout', 'off');
    flags.set('new-checkout', { defaultVariant: 'on' });
    await third.undo!();
    expect(flags.get('new-checkout')?.defaultVariant).toBe('on');
  });

  it('without a flag store, flag actions throw a clear error', async () => {
    const { platform } = setup(SPEC, false);
    for (const call of [
      () => platform.setFlag('x', 'y'),
      () => platform.setRateLimit('gateway', 5),
      () => platform.failover('payment-provider', 'secondary'),
    ])
      await expect(settled(call)).rejects.toThrow('this system serves no feature flags');
  });

  it('failover finds the switch by metadata.failoverFor, and refuses a dependency without one', async () => {
    const { platform, flags } = setup();
    const outcome = await platform.failover('payment-provider', 'secondary');
    expect(outcome).toMatchObject({ ok: true, detail: 'flag payments-provider: primary → secondary' });
    expect(flags.get('payments-provider')?.defaultVariant).toBe('secondary');
    await outcome.undo!();
    expect(flags.get('payments-provider')?.defaultVariant).toBe('primary');
    expect(await platform.failover('database', 'replica')).toEqual({
      ok: false,
      detail: 'database declares no failover (a flag with metadata.failoverFor)',
    });
  });

  it('restartReplica restarts the named replica; unknown or not running, a refusal or an error', async () => {
    const { platform, controllers } = setup();
    expect(await platform.restartReplica('orders-2')).toEqual({ ok: true, detail: 'orders-2 restarting' });
    expect(controllers.orders.state.replicas[1]!.restarts).toEqual(['RestartedByRemediation']);
    controllers.payments.state.replicas = [fakeReplica('payments-1', false)];
    expect(await platform.restartReplica('payments-1')).toEqual({
      ok: false,
      detail: 'payments-1 has no running process to restart',
    });
    await expect(settled(() => platform.restartReplica('orders-9'))).rejects.toThrow(
      'no replica named "orders-9"',
    );
  });

  it('scale and rollback go through the runtime; scale undo only if the count is still its own', async () => {
    const { platform, scaled, undone, controllers } = setup();
    const up = await platform.scale('orders', 5);
    expect(up).toMatchObject({ ok: true, detail: 'orders scaled 3 → 5' });
    await up.undo!();
    expect(scaled).toEqual([
      ['orders', 5],
      ['orders', 3],
    ]);
    const again = await platform.scale('orders', 4);
    controllers.orders.state.desiredReplicas = 6;
    await again.undo!();
    expect(controllers.orders.state.desiredReplicas).toBe(6);
    expect(await platform.rollback('orders')).toEqual({
      ok: true,
      detail: 'orders rolled back from r1 to r0',
    });
    expect(undone).toEqual(['orders']);
    await expect(settled(() => platform.scale('nope', 1))).rejects.toThrow('no service named "nope"');
  });

  it('restartService rolls the service through the runtime and names both revisions', async () => {
    const { platform, restarted } = setup();
    expect(await platform.restartService('orders')).toEqual({
      ok: true,
      detail: 'orders rolling restart: revision r1 → r3',
    });
    expect(restarted).toEqual(['orders']);
    await expect(settled(() => platform.restartService('nope'))).rejects.toThrow('no service named "nope"');
  });

  it('replaceReplica surges one replica, restarts the old one and scales back', async () => {
    const { platform, scaled, controllers } = setup();
    controllers.gateway.state.replicas.push(fakeReplica('gateway-3'));
    const outcome = await platform.replaceReplica('gateway-1');
    expect(outcome).toMatchObject({ ok: true });
    expect(scaled).toEqual([
      ['gateway', 3],
      ['gateway', 2],
    ]);
    expect(controllers.gateway.state.replicas[0]!.restarts).toEqual(['ReplacedByRemediation']);
  });

  it('opens a circuit only to an optional dependency, and refuses unknown services', async () => {
    const { platform, registry } = setup();
    const required = await platform.openCircuit('gateway', 'orders', 60_000);
    expect(required).toMatchObject({ ok: false, detail: expect.stringContaining('optionalDependencies') });
    expect((await platform.openCircuit('nobody', 'payments', 60_000)).ok).toBe(false);
    expect((await platform.openCircuit('gateway', 'nobody', 60_000)).ok).toBe(false);
    expect(registry.openCircuits()).toEqual([]);
    expect((await platform.closeCircuit('gateway', 'payments')).ok).toBe(false);
  });

  it('an open circuit hides the dependency from its caller until its undo, or until it closes by itself', async () => {
    const { platform, registry, clock } = setup();
    registry.set('payments', { instance: 'payments-1', url: 'http://127.0.0.1:4001', version: '1' });
    const opened = await platform.openCircuit('gateway', 'payments', 60_000);
    expect(opened.ok).toBe(true);
    expect(registry.list('payments', 'gateway').endpoints).toEqual([]);
    expect(registry.list('payments', 'orders').endpoints).toHaveLength(1);
    await opened.undo!();
    expect(registry.list('payments', 'gateway').endpoints).toHaveLength(1);

    expect((await platform.openCircuit('gateway', 'payments', 60_000)).ok).toBe(true);
    clock.advance(59_000);
    expect(registry.openCircuits()).toEqual([{ caller: 'gateway', service: 'payments' }]);
    clock.advance(1_000);
    expect(registry.openCircuits()).toEqual([]);

    // Closed by hand: its timer is gone, so a circuit opened again later keeps its own full duration.
    expect((await platform.openCircuit('gateway', 'payments', 60_000)).ok).toBe(true);
    clock.advance(40_000);
    expect((await platform.closeCircuit('gateway', 'payments')).ok).toBe(true);
    expect((await platform.openCircuit('gateway', 'payments', 60_000)).ok).toBe(true);
    clock.advance(30_000); // past the first opening's 60 s
    expect(registry.openCircuits()).toHaveLength(1);
    clock.advance(30_000);
    expect(registry.openCircuits()).toEqual([]);
  });

  it('serviceState: counts, bounds from autoscaling or the replica count, budget, last rollout', async () => {
    const { platform, controllers } = setup();
    controllers.orders.state.replicas[2]!.ready = false;
    expect(await platform.serviceState('orders')).toEqual({
      replicas: 3,
      readyReplicas: 2,
      minReplicas: 2,
      maxReplicas: 6,
      minAvailable: 0,
      lastRollout: {
        revision: 'r2',
        previousRevision: 'r1',
        startedAtMs: Date.parse('2026-12-07T11:30:00.000Z'),
        promotedAtMs: Date.parse('2026-12-07T11:30:00.000Z'),
        state: 'complete',
      },
    });
    controllers.orders.state.progress = { phase: 'canary' };
    const progressing = await platform.serviceState('orders');
    expect(progressing.lastRollout).toMatchObject({ state: 'progressing' });
    expect(progressing.lastRollout).not.toHaveProperty('promotedAtMs');
    expect(await platform.serviceState('gateway')).toEqual({
      replicas: 2,
      readyReplicas: 2,
      minReplicas: 1,
      maxReplicas: 4,
      minAvailable: 1,
    });
    // One replica, no autoscaling: it may own its data, so it is never scaled (max = 1); only a start: no rollout.
    expect(await platform.serviceState('payments')).toEqual({
      replicas: 1,
      readyReplicas: 1,
      minReplicas: 1,
      maxReplicas: 1,
      minAvailable: 0,
    });
    await expect(settled(() => platform.serviceState('nope'))).rejects.toThrow('no service named "nope"');
  });
});
