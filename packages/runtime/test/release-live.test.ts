import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../src/events.js';
import { ApplyError } from '../src/reconcile/spec-diff.js';
import type { Runtime, StartResult } from '../src/runtime.js';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

/** A release group through the runtime: two services released as one, rolled back as one. */
describe('a release group of two live services', () => {
  let live: LiveRuntime;
  let script = '';
  let runtime: Runtime;
  let result: StartResult;
  let events: RuntimeEvent[] = [];

  const specOf = (api: Record<string, string>, web: Record<string, string>) => {
    const service = (env: Record<string, string>, extra: string) => `
    command: ${JSON.stringify([process.execPath, script])}
    replicas: 2
    drainSeconds: 1
    expose: { port: 0 }
    env: ${JSON.stringify(env)}
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
    strategy: { type: Canary, canary: { steps: [50], analysis: { intervalSeconds: 2, minRequests: 40, maxInconclusive: 30 } } }${extra}`;
    return parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: release }
runtime: { bus: "off" }
releaseGroups:
  contract: { services: [web, api] }
services:
  api:${service(api, '')}
  web:${service(web, '\n    dependsOn: [api]')}
`);
  };

  beforeAll(async () => {
    live = await startLiveRuntime(
      'release',
      (fakeScript) => {
        script = fakeScript;
        return specOf({ GREETING: 'api1' }, { GREETING: 'web1' });
      },
      30_000,
    );
    ({ runtime, result, events } = live);
  }, 60_000);

  afterAll(() => live?.stop());

  it('rolls api then web; web fails its analysis, so both go back', async () => {
    expect(result.ready).toBe(true);
    let done = false;
    const hit = async (url: string) => {
      while (!done) {
        await request(`${url}/work`, { reset: true })
          .then((r) => r.body.dump())
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const load = Promise.all([
      hit(result.endpoints.api!),
      hit(result.endpoints.api!),
      hit(result.endpoints.web!),
      hit(result.endpoints.web!),
    ]);
    const apiBefore = runtime.rolloutStatus('api').revision;
    const webBefore = runtime.rolloutStatus('web').revision;
    try {
      await runtime.apply(specOf({ GREETING: 'api2' }, { GREETING: 'web2', ERROR_RATE: '0.1' }));
      expect(runtime.releases()).toMatchObject([{ group: 'contract', phase: 'rolling' }]);
      // Dependency order: api (which web depends on) first.
      expect(runtime.releases()[0]!.members.map((m) => m.service)).toEqual(['api', 'web']);
      // The release owns its services while it runs.
      await expect(runtime.apply(specOf({ GREETING: 'api3' }, { GREETING: 'web3' }))).rejects.toThrow(
        ApplyError,
      );
      await waitFor('the release to end', () => runtime.releases()[0]!.phase === 'rolled-back', 90_000, 200);
    } finally {
      done = true;
      await load;
    }
    const release = runtime.releases()[0]!;
    expect(release.members).toMatchObject([
      { service: 'api', state: 'rolled-back' },
      { service: 'web', state: 'failed' },
    ]);
    await waitFor(
      'both back',
      () => runtime.rolloutStatus('api').complete && runtime.rolloutStatus('web').complete,
      30_000,
      200,
    );
    expect(runtime.rolloutStatus('api').revision).toBe(apiBefore);
    expect(runtime.rolloutStatus('web').revision).toBe(webBefore);
    expect(events.some((e) => e.type === 'release-group' && e.phase === 'rolled back')).toBe(true);
  }, 150_000);
});
