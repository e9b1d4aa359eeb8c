import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../src/events.js';
import type { Runtime, StartResult } from '../src/runtime.js';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor } from './fake-service.js';
import { startLiveRuntime, type LiveRuntime } from './live-runtime.js';

/**
 * Canary and blue-green rollouts of a live service under continuous load: real replicas, real scrapes,
 * real traffic splits through the exposed address. Bounds only ("within 60 s"), no timing assertions.
 */
describe('progressive rollouts of a live service', () => {
  let live: LiveRuntime;
  let script = '';
  let runtime: Runtime;
  let result: StartResult;
  let events: RuntimeEvent[] = [];

  const specText = (greeting: string, strategy: string, env: Record<string, string> = {}) =>
    parseSpec(`apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: progressive }
runtime: { bus: "off" }
services:
  web:
    command: ${JSON.stringify([process.execPath, script])}
    replicas: 2
    drainSeconds: 1
    expose: { port: 0, previewPort: 0 }
    env: ${JSON.stringify({ GREETING: greeting, ...env })}
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
    strategy: ${strategy}
`);
  const CANARY =
    '{ type: Canary, canary: { steps: [25, 50], analysis: { intervalSeconds: 3, minRequests: 40, maxInconclusive: 20 } } }';
  const BLUE_GREEN = '{ type: BlueGreen, blueGreen: { scaleDownDelaySeconds: 2 } }';

  beforeAll(async () => {
    live = await startLiveRuntime(
      'progressive',
      (fakeScript) => {
        script = fakeScript;
        return specText('v1', CANARY);
      },
      30_000,
    );
    ({ runtime, result, events } = live);
  }, 60_000);

  afterAll(() => live?.stop());

  /** Requests through `url` until stopped, a new connection each; counts answers by greeting and failures. */
  function load(url: () => string, concurrency = 4) {
    const seen = new Map<string, number>();
    let failed = 0;
    let total = 0;
    let done = false;
    const loops = Array.from({ length: concurrency }, async () => {
      while (!done) {
        total++;
        try {
          const response = await request(`${url()}/work`, {
            reset: true,
            headersTimeout: 5_000,
            bodyTimeout: 5_000,
          });
          const text = await response.body.text();
          if (response.statusCode !== 200) failed++;
          else {
            const greeting = (JSON.parse(text) as { greeting: string }).greeting;
            seen.set(greeting, (seen.get(greeting) ?? 0) + 1);
          }
        } catch {
          failed++;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    return {
      seen,
      stats: () => ({ total, failed }),
      stop: async () => {
        done = true;
        await Promise.all(loops);
        return { total, failed };
      },
    };
  }

  const rollout = () => runtime.rolloutStatus('web');

  it('promotes a good canary step by step with no failed request', async () => {
    expect(result.ready, JSON.stringify(events.slice(0, 12))).toBe(true);
    const traffic = load(() => result.endpoints.web!);
    await runtime.apply(specText('v2', CANARY));
    const next = rollout().revision;
    await waitFor('the canary at 25 %', () => rollout().progress?.weight === 25, 30_000, 100);
    await waitFor(
      'the promotion',
      () => rollout().stableRevision === next && rollout().complete,
      60_000,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { total, failed } = await traffic.stop();
    expect(failed).toBe(0);
    expect(total).toBeGreaterThan(200);
    expect(traffic.seen.get('v1')).toBeGreaterThan(0);
    expect(traffic.seen.get('v2')).toBeGreaterThan(0);
    const analyses = events.filter((e) => e.type === 'rollout-analysis');
    expect(analyses.length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'rollout-promoted' && e.revision === next)).toBe(true);
  }, 120_000);

  it('rolls back a canary that answers 5 % errors, failures bounded by its share', async () => {
    const stable = rollout().stableRevision;
    const traffic = load(() => result.endpoints.web!);
    await runtime.apply(specText('v3-bad', CANARY, { ERROR_RATE: '0.05' }));
    const bad = rollout().revision;
    expect(bad).not.toBe(stable);
    await waitFor(
      'the automatic rollback',
      () => events.some((e) => e.type === 'rollout-aborted' && e.from === bad),
      60_000,
      200,
    );
    await waitFor(
      'only the stable revision',
      () => rollout().complete && rollout().revision === stable,
      30_000,
      200,
    );
    const { total, failed } = await traffic.stop();
    const v3 = traffic.seen.get('v3-bad') ?? 0;
    // Only the canary failed requests, about 5 % of its share (25 % of the traffic).
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThanOrEqual(Math.ceil((v3 + failed) * 0.05) + 2);
    expect(failed / total).toBeLessThan(0.05 * 0.5);
    expect(rollout().lastOutcome).toMatchObject({ result: 'aborted', revision: stable, other: bad });
    // The runtime's desired state went back too: the same spec applied again is a new rollout.
    expect(runtime.status().services.find((s) => s.name === 'web')!.revision).toBe(stable);
  }, 120_000);

  it('switches a blue-green rollout on promote, previewing first, with no failed request', async () => {
    // The strategy of the spec being applied drives its rollout: this one is blue-green.
    const traffic = load(() => result.endpoints.web!);
    await runtime.apply(specText('v4-green', BLUE_GREEN));
    await waitFor(
      'the preview ready',
      () => rollout().progress?.phase === 'waiting-for-promotion',
      30_000,
      100,
    );
    const previewUrl = result.endpoints['web.preview'] ?? rollout().preview?.url ?? '';
    expect(previewUrl).not.toBe('');
    const preview = await request(`${previewUrl}/x`, { reset: true });
    expect((JSON.parse(await preview.body.text()) as { greeting: string }).greeting).toBe('v4-green');
    expect(traffic.seen.get('v4-green') ?? 0).toBe(0);
    const blue = rollout().stableRevision;
    await runtime.rolloutAction('web', 'promote');
    await waitFor('green serving', () => (traffic.seen.get('v4-green') ?? 0) > 50, 30_000, 100);
    // The old revision stays up (no traffic) for the scale-down delay, then goes.
    await waitFor('blue gone', () => rollout().complete && rollout().stableRevision !== blue, 30_000, 200);
    const { failed } = await traffic.stop();
    expect(failed).toBe(0);
    expect(events.some((e) => e.type === 'rollout-promoted' && e.from === blue)).toBe(true);
  }, 120_000);
});
