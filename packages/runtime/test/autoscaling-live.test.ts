import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../src/events.js';
import type { Runtime, StartResult } from '../src/runtime.js';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

/**
 * The live half of the autoscaling must-show (the HPA rules themselves are tested with a driven clock in
 * src/autoscale): a real runtime scrapes real replicas; a burst of requests scales the service out, and
 * when it stops, back in. Bounded in time; no timing assertion beyond "within the bound".
 */
describe('autoscaling a live service on requests per second', () => {
  let live: LiveRuntime;
  let script = '';
  let runtime: Runtime;
  let result: StartResult;
  let events: RuntimeEvent[] = [];

  const specText = () =>
    parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: scaling }
runtime: { bus: "off" }
services:
  web:
    command: ${JSON.stringify([process.execPath, script])}
    replicas: 1
    expose: { port: 0 }
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
    autoscaling:
      minReplicas: 1
      maxReplicas: 3
      periodSeconds: 5
      metrics: [{ type: rps, targetPerReplica: 5 }]
      behavior:
        scaleDown: { stabilizationWindowSeconds: 0 }
`);

  beforeAll(async () => {
    live = await startLiveRuntime(
      'autoscale',
      (fakeScript) => {
        script = fakeScript;
        return specText();
      },
      30_000,
    );
    ({ runtime, result, events } = live);
  }, 60_000);

  afterAll(() => live?.stop());

  const web = () => runtime.status().services.find((s) => s.name === 'web')!;

  it('scales out under a burst of requests and back in once it stops', async () => {
    expect(result.ready, JSON.stringify(events.slice(0, 12))).toBe(true);
    let done = false;
    // About 40 requests/s against a target of 5 per replica: the HPA wants the maximum, 3.
    const load = (async () => {
      while (!done) {
        await Promise.all(
          Array.from({ length: 4 }, () =>
            request(`${result.endpoints.web}/work`, { reset: true })
              .then((r) => r.body.dump())
              .catch(() => undefined),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await waitFor('a scale-out to 3', () => (web().desiredReplicas === 3 ? true : undefined), 60_000, 250);
    } finally {
      done = true;
      await load;
    }
    const out = events.find((e) => e.type === 'autoscaled');
    expect(out).toMatchObject({ type: 'autoscaled', service: 'web', from: 1 });
    await waitFor('the scale-in to 1', () => (web().desiredReplicas === 1 ? true : undefined), 120_000, 250);
    const history = await request(`${result.controlUrl}/v1/services/web/autoscaling`, {
      headers: { authorization: `Bearer ${runtime.adminToken}` },
    });
    const body = (await history.body.json()) as { decisions: { desired: number; reason: string }[] };
    expect(history.statusCode).toBe(200);
    expect(body.decisions.some((d) => d.desired === 3)).toBe(true);
    expect(body.decisions.at(-1)?.reason).toEqual(expect.any(String));
  }, 200_000);
});
