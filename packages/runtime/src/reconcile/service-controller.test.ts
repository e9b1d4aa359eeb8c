import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { FakeReplica } from '../../test/fake-replica.js';
import { serviceSpecSchema, type ServiceSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import { ServiceController } from './service-controller.js';

const spec = (greeting: string, replicas = 2): ServiceSpec =>
  serviceSpecSchema.parse({
    command: ['node', 'web.js'],
    replicas,
    env: { GREETING: greeting },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  });

function harness() {
  const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
  const made: FakeReplica[] = [];
  const controller = new ServiceController({
    name: 'web',
    spec: spec('hi'),
    clock,
    makeReplica: (ordinal, _spec, revision) => {
      const replica = new FakeReplica(`web-${ordinal}`, revision);
      made.push(replica);
      return replica as unknown as Replica;
    },
  });
  const live = () => made.filter((r) => r.phase === 'running');
  /** Marks every running replica ready and lets the controller react, until nothing changes. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      for (const r of live()) r.ready = true;
      await controller.kick();
    }
  };
  return { controller, made, live, settle, clock };
}

describe('ServiceController', () => {
  it('rolls a new template one surge replica at a time and records the revision history', async () => {
    const { controller, live, settle } = harness();
    await controller.start();
    await settle();
    const first = controller.revision;
    expect(live().map((r) => r.revision)).toEqual([first, first]);

    await controller.setSpec(spec('hello'));
    // maxSurge 1, maxUnavailable 0: one new replica, both old ones still there.
    expect(live()).toHaveLength(3);
    await settle();
    expect(live().map((r) => r.revision)).toEqual([controller.revision, controller.revision]);
    expect(controller.history().map((r) => [r.revision, r.cause])).toEqual([
      [first, 'start'],
      [controller.revision, 'apply'],
    ]);
    await controller.stop();
  });

  it('pause holds an update where it is; resume finishes it', async () => {
    const { controller, live, settle } = harness();
    await controller.start();
    await settle();
    const old = controller.revision;
    controller.pause();
    await controller.setSpec(spec('hello'));
    await settle();
    expect(live().map((r) => r.revision)).toEqual([old, old]);
    await controller.resume();
    await settle();
    expect(live().every((r) => r.revision === controller.revision)).toBe(true);
    expect(controller.revision).not.toBe(old);
    await controller.stop();
  });

  it('undo goes back to the previous template (or a named revision), keeping the replica count', async () => {
    const { controller, live, settle } = harness();
    await controller.start();
    await settle();
    const first = controller.revision;
    await controller.setReplicas(3);
    await settle();
    await controller.setSpec(spec('hello'), '', 3);
    await settle();
    const second = controller.revision;
    const back = await controller.undo();
    expect(back.revision).toBe(first);
    await settle();
    expect(live().map((r) => r.revision)).toEqual([first, first, first]);
    expect(controller.history().at(-1)).toMatchObject({ revision: first, cause: 'undo' });
    await controller.undo(second);
    await settle();
    expect(live().every((r) => r.revision === second)).toBe(true);
    await expect(controller.undo('0000000000')).rejects.toThrow(/no revision 0000000000/);
    await expect(controller.undo(second)).rejects.toThrow(/already runs/);
    await controller.stop();
  });
});
