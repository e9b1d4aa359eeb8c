import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

/**
 * Scheduled scaling on a real runtime: with `uptime: never` the scheduled service is scaled to zero at the
 * first tick (the excluded one keeps running), and applying `uptime: always` brings its replicas back. The
 * windows themselves are tested with a driven clock in src/schedule.
 */
describe('scheduled scaling of a live system', () => {
  let live: LiveRuntime;
  let script = '';

  const specWith = (uptime: string) =>
    parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: scheduled }
runtime:
  bus: "off"
  schedule: { uptime: ${uptime}, exclude: [api] }
services:
  web:
    command: ${JSON.stringify([process.execPath, script])}
    replicas: 2
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
  api:
    command: ${JSON.stringify([process.execPath, script])}
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
`);

  beforeAll(async () => {
    live = await startLiveRuntime('schedule', (fakeScript) => {
      script = fakeScript;
      return specWith('never');
    });
  }, 60_000);

  afterAll(() => live?.stop());

  const service = (name: string) => live.runtime.status().services.find((s) => s.name === name)!;

  it('scales the scheduled service to 0 in downtime and restores it when the schedule says always', async () => {
    await waitFor('web scaled to 0', () => service('web').replicas.length === 0, 10_000);
    expect(service('web').desiredReplicas).toBe(0);
    expect(service('api')).toMatchObject({ desiredReplicas: 1, readyReplicas: 1 });
    expect(live.runtime.status().schedule).toMatchObject({
      state: 'down',
      held: ['web'],
      nextTransition: null,
    });
    expect(live.events).toContainEqual(
      expect.objectContaining({
        type: 'scheduled-scaling',
        service: 'web',
        from: 2,
        to: 0,
        reason: 'downtime',
      }),
    );

    const changes = await live.runtime.apply(specWith('always'));
    expect(changes).toEqual([{ action: 'schedule', from: 'never', to: 'always' }]);
    await waitFor('web back at 2 ready replicas', () => service('web').readyReplicas === 2, 10_000);
    expect(live.runtime.status().schedule).toMatchObject({ state: 'up', held: [] });
    expect(live.events).toContainEqual(
      expect.objectContaining({
        type: 'scheduled-scaling',
        service: 'web',
        from: 0,
        to: 2,
        reason: 'uptime',
      }),
    );
  });
});
