import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { FakeReplica } from '../../test/fake-replica.js';
import { serviceSpecSchema, type ServiceSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import { ReleaseRun } from './release-run.js';
import { ServiceController } from './service-controller.js';

const ANALYSIS = { intervalSeconds: 10, minRequests: 50, maxInconclusive: 3 };
const specOf = (version: string, strategy: 'rolling' | 'canary' = 'canary'): ServiceSpec =>
  serviceSpecSchema.parse({
    command: ['node', 'svc.js'],
    replicas: 2,
    env: { VERSION: version },
    strategy:
      strategy === 'canary'
        ? { type: 'Canary', canary: { steps: [50], analysis: ANALYSIS } }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  });

function system() {
  const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
  const made: FakeReplica[] = [];
  const controller = (name: string, spec: ServiceSpec) =>
    new ServiceController({
      name,
      spec,
      clock,
      makeReplica: (ordinal, _spec, revision) => {
        const replica = new FakeReplica(`${name}-${ordinal}`, revision);
        made.push(replica);
        return replica as unknown as Replica;
      },
      measure: (replicas) =>
        Promise.resolve(new Map(replicas.map((r) => [r.name, (r as unknown as FakeReplica).sample()]))),
    });
  const orders = controller('orders', specOf('1', 'rolling'));
  const checkout = controller('checkout', specOf('1'));
  const live = () => made.filter((r) => r.phase === 'running');
  const flush = async () => {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      for (const r of live()) r.ready = true;
      await Promise.all([orders.kick(), checkout.kick()]);
      await flush();
    }
  };
  /** Every live replica serves `n` requests; those of `bad` (a revision) fail 10 % of them. */
  const serve = (n: number, bad?: string) => {
    for (const r of live()) {
      r.requests += n;
      if (r.revision === bad) r.errors += Math.round(n / 10);
    }
  };
  return { clock, orders, checkout, live, settle, serve, flush };
}

describe('ReleaseRun', () => {
  it('rolls the members out one at a time in the order given and completes', async () => {
    const s = system();
    await Promise.all([s.orders.start(), s.checkout.start()]);
    await s.settle();
    const phases: string[] = [];
    const run = new ReleaseRun({
      group: 'contract',
      members: [
        { service: 'orders', controller: s.orders, spec: specOf('2', 'rolling'), extra: '' },
        { service: 'checkout', controller: s.checkout, spec: specOf('2'), extra: '' },
      ],
      deadlineMs: 600_000,
      clock: s.clock,
      report: (phase, message) => phases.push(`${phase}: ${message}`),
      onRolledBack: () => undefined,
    });
    const checkoutBefore = s.checkout.revision;
    await s.settle();
    // orders first (a rolling update): checkout has not moved yet.
    expect(run.status().members.map((m) => m.state)).toEqual(['complete', 'rolling']);
    expect(s.checkout.revision).not.toBe(checkoutBefore);
    expect(run.holds('checkout')).toBe(true);
    s.serve(200);
    s.clock.advance(10_000);
    await s.flush();
    await s.settle();
    await expect(run.done).resolves.toBe('complete');
    expect(run.status().phase).toBe('complete');
    expect(run.holds('orders')).toBe(false);
    expect(phases[0]).toMatch(/^started: orders → checkout/);
  });

  it('rolls every member back when a later one fails its analysis', async () => {
    const s = system();
    await Promise.all([s.orders.start(), s.checkout.start()]);
    await s.settle();
    const ordersBefore = s.orders.revision;
    const checkoutBefore = s.checkout.revision;
    const rolledBack: string[] = [];
    const run = new ReleaseRun({
      group: 'contract',
      members: [
        { service: 'orders', controller: s.orders, spec: specOf('2', 'rolling'), extra: '' },
        { service: 'checkout', controller: s.checkout, spec: specOf('2-broken'), extra: '' },
      ],
      deadlineMs: 600_000,
      clock: s.clock,
      report: () => undefined,
      onRolledBack: (service) => rolledBack.push(service),
    });
    await s.settle();
    s.serve(300, s.checkout.revision);
    s.clock.advance(10_000);
    await s.flush();
    await s.settle();
    await expect(run.done).resolves.toBe('rolled-back');
    expect(s.checkout.revision).toBe(checkoutBefore);
    expect(s.orders.revision).toBe(ordersBefore);
    expect(rolledBack).toEqual(['orders']);
    expect(run.status()).toMatchObject({
      phase: 'rolled-back',
      message: 'checkout was rolled back',
      members: [
        { service: 'orders', state: 'rolled-back' },
        { service: 'checkout', state: 'failed' },
      ],
    });
    expect(s.live().every((r) => r.revision === ordersBefore || r.revision === checkoutBefore)).toBe(true);
  });

  it('fails a member that misses the deadline, and undoes it', async () => {
    const s = system();
    await Promise.all([s.orders.start(), s.checkout.start()]);
    await s.settle();
    const checkoutBefore = s.checkout.revision;
    const run = new ReleaseRun({
      group: 'contract',
      members: [
        { service: 'checkout', controller: s.checkout, spec: specOf('2'), extra: '' },
        { service: 'orders', controller: s.orders, spec: specOf('2', 'rolling'), extra: '' },
      ],
      deadlineMs: 60_000,
      clock: s.clock,
      report: () => undefined,
      onRolledBack: () => undefined,
    });
    await s.settle();
    // No traffic: the canary's analyses stay inconclusive until the deadline.
    for (let i = 0; i < 7; i++) {
      s.clock.advance(10_000);
      await s.flush();
    }
    await s.settle();
    await expect(run.done).resolves.toBe('rolled-back');
    expect(s.checkout.revision).toBe(checkoutBefore);
    expect(run.status().message).toMatch(/checkout did not finish within 60 s/);
  });
});
