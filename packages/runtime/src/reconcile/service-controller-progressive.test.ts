import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { FakeReplica } from '../../test/fake-replica.js';
import { serviceSpecSchema, type ServiceSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import type { ProgressEvent } from './progressive-rollout.js';
import {
  ServiceController,
  type RolloutOutcome,
  type ServiceControllerOptions,
} from './service-controller.js';

const ANALYSIS = { intervalSeconds: 10, minRequests: 50, maxInconclusive: 3 };

const canarySpec = (greeting: string, replicas = 4): ServiceSpec =>
  serviceSpecSchema.parse({
    command: ['node', 'web.js'],
    replicas,
    env: { GREETING: greeting },
    strategy: { type: 'Canary', canary: { steps: [25, 50], analysis: ANALYSIS } },
  });

const blueGreenSpec = (greeting: string, blueGreen: Record<string, unknown> = {}): ServiceSpec =>
  serviceSpecSchema.parse({
    command: ['node', 'web.js'],
    replicas: 2,
    env: { GREETING: greeting },
    strategy: {
      type: 'BlueGreen',
      blueGreen: { scaleDownDelaySeconds: 30, analysis: ANALYSIS, ...blueGreen },
    },
  });

function harness(initial: ServiceSpec, extra: Partial<ServiceControllerOptions> = {}) {
  const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
  const made: FakeReplica[] = [];
  const splits: (Record<string, number> | undefined)[] = [];
  const previews: (string | undefined)[] = [];
  const progress: ProgressEvent[] = [];
  const outcomes: RolloutOutcome[] = [];
  const controller = new ServiceController({
    name: 'web',
    spec: initial,
    clock,
    makeReplica: (ordinal, _spec, revision) => {
      const replica = new FakeReplica(`web-${ordinal}`, revision);
      made.push(replica);
      return replica as unknown as Replica;
    },
    split: (s) => splits.push(s),
    preview: (p) => previews.push(p),
    measure: (replicas) =>
      Promise.resolve(new Map(replicas.map((r) => [r.name, (r as unknown as FakeReplica).sample()]))),
    onProgress: (e) => progress.push(e),
    onOutcome: (o) => outcomes.push(o),
    ...extra,
  });
  const live = () => made.filter((r) => r.phase === 'running');
  const flush = async () => {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      for (const r of live()) r.ready = true;
      await controller.kick();
      await flush();
    }
  };
  /** Serves `perReplica` requests on every live replica of `revision`, `errorRate` of them failing. */
  const serve = (revision: string, perReplica: number, errorRate = 0) => {
    for (const r of live().filter((x) => x.revision === revision)) {
      r.requests += perReplica;
      r.errors += Math.round(perReplica * errorRate);
    }
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
    await settle();
  };
  const revisions = () => live().map((r) => r.revision);
  return {
    controller,
    made,
    live,
    settle,
    serve,
    advance,
    revisions,
    splits,
    previews,
    progress,
    outcomes,
    clock,
  };
}

describe('ServiceController: canary', () => {
  it('steps the traffic 25 % → 50 % → 100 % with a passing analysis at each step', async () => {
    const h = harness(canarySpec('hi'));
    await h.controller.start();
    await h.settle();
    const stable = h.controller.revision;
    await h.controller.setSpec(canarySpec('hello'));
    const next = h.controller.revision;
    await h.settle();
    // One canary replica of four (25 %), all stable ones kept.
    expect(h.revisions().filter((r) => r === next)).toHaveLength(1);
    expect(h.revisions().filter((r) => r === stable)).toHaveLength(4);
    expect(h.splits.at(-1)).toEqual({ [stable]: 75, [next]: 25 });
    expect(h.controller.progress()).toMatchObject({ strategy: 'Canary', weight: 25, step: 1, steps: 2 });

    h.serve(stable, 200);
    h.serve(next, 200);
    await h.advance(10_000);
    expect(h.progress.filter((e) => e.kind === 'analysis').at(-1)).toMatchObject({
      judgement: { verdict: 'pass' },
    });
    // Step 2: two canary replicas, half the traffic.
    expect(h.revisions().filter((r) => r === next)).toHaveLength(2);
    expect(h.splits.at(-1)).toEqual({ [stable]: 50, [next]: 50 });

    h.serve(stable, 200);
    h.serve(next, 200);
    await h.advance(10_000);
    // Promoted: all traffic to the new revision, the old replicas gone.
    expect(h.splits).toContainEqual({ [next]: 100 });
    expect(h.revisions()).toEqual([next, next, next, next]);
    expect(h.controller.stableRevision).toBe(next);
    expect(h.outcomes.at(-1)).toMatchObject({ result: 'promoted', revision: next, other: stable });
    expect(h.splits.at(-1)).toBeUndefined();
    await expect(h.controller.whenSettled()).resolves.toBe('complete');
    await h.controller.stop();
  });

  it('rolls a canary with 5 % errors back at its first analysis', async () => {
    const h = harness(canarySpec('hi'));
    await h.controller.start();
    await h.settle();
    const stable = h.controller.revision;
    await h.controller.setSpec(canarySpec('broken'));
    const bad = h.controller.revision;
    const settled = h.controller.whenSettled();
    await h.settle();
    h.serve(stable, 300);
    h.serve(bad, 400, 0.05);
    await h.advance(10_000);
    expect(h.outcomes.at(-1)).toMatchObject({ result: 'aborted', revision: stable, other: bad });
    expect(h.outcomes.at(-1)?.reason).toMatch(/analysis failed at 25 %: success-rate/);
    expect(h.controller.revision).toBe(stable);
    expect(h.controller.history().at(-1)).toMatchObject({ revision: stable, cause: 'rollback' });
    // The canary got no new requests before it was removed.
    expect(h.splits.at(-2)).toEqual({ [stable]: 100 });
    expect(h.revisions()).toEqual([stable, stable, stable, stable]);
    await expect(settled).resolves.toBe('aborted');
    await h.controller.stop();
  });

  it('waits on too little traffic, then pauses for a person; promote goes on', async () => {
    const h = harness(canarySpec('hi'));
    await h.controller.start();
    await h.settle();
    await h.controller.setSpec(canarySpec('hello'));
    const next = h.controller.revision;
    await h.settle();
    for (let i = 0; i < 3; i++) await h.advance(10_000);
    expect(h.controller.paused).toBe(true);
    expect(h.progress.some((e) => e.kind === 'paused')).toBe(true);
    expect(h.controller.progress()).toMatchObject({ phase: 'paused', weight: 25 });
    await h.controller.promote(true);
    await h.settle();
    expect(h.revisions()).toEqual([next, next, next, next]);
    expect(h.outcomes.at(-1)).toMatchObject({ result: 'promoted' });
    await h.controller.stop();
  });

  it("asks for live detection's state of the service's series at each analysis interval", async () => {
    const asked: string[] = [];
    const h = harness(canarySpec('hi'), {
      baselineState: (signal) => {
        asked.push(signal);
        return undefined;
      },
    });
    await h.controller.start();
    await h.settle();
    const stable = h.controller.revision;
    await h.controller.setSpec(canarySpec('hello'));
    const next = h.controller.revision;
    await h.settle();
    expect(asked).toEqual(['errors', 'latency_p95']);
    h.serve(stable, 200);
    h.serve(next, 200);
    await h.advance(10_000);
    // Step 2's interval asks again (production's state moves on).
    expect(asked).toEqual(['errors', 'latency_p95', 'errors', 'latency_p95']);
    const analysis = h.progress.find((e) => e.kind === 'analysis');
    expect(analysis?.kind === 'analysis' && analysis.judgement.checks.map((c) => c.name)).toEqual([
      'success-rate',
      'latency-p99',
      'detector-errors',
      'detector-latency',
    ]);
    await h.controller.stop();
  });

  it('a manual abort rolls back; a newer revision replaces the canary', async () => {
    const h = harness(canarySpec('hi'));
    await h.controller.start();
    await h.settle();
    const stable = h.controller.revision;
    await h.controller.setSpec(canarySpec('v2'));
    await h.settle();
    await h.controller.setSpec(canarySpec('v3'));
    const v3 = h.controller.revision;
    await h.settle();
    expect(new Set(h.revisions())).toEqual(new Set([stable, v3]));
    await h.controller.abort();
    await h.settle();
    expect(h.revisions()).toEqual([stable, stable, stable, stable]);
    await expect(h.controller.abort()).rejects.toThrow(/no rollout in progress/);
    await h.controller.stop();
  });
});

describe('ServiceController: blue-green', () => {
  it('runs the new revision beside the old with a preview, switches on promote, keeps the old for a quick undo', async () => {
    const h = harness(blueGreenSpec('blue'));
    await h.controller.start();
    await h.settle();
    const blue = h.controller.revision;
    await h.controller.setSpec(blueGreenSpec('green'));
    const green = h.controller.revision;
    await h.settle();
    expect(h.revisions().sort()).toEqual([blue, blue, green, green].sort());
    expect(h.splits.at(-1)).toEqual({ [blue]: 100, [green]: 0 });
    expect(h.previews.at(-1)).toBe(green);
    expect(h.controller.progress()).toMatchObject({ phase: 'waiting-for-promotion' });
    await h.advance(60_000);
    expect(h.controller.stableRevision).toBe(blue); // no automatic promotion unless asked

    await h.controller.promote();
    await h.settle();
    expect(h.splits).toContainEqual({ [green]: 100 });
    expect(h.previews.at(-1)).toBeUndefined();
    // Blue stays up (no traffic) for the scale-down delay.
    expect(h.revisions().filter((r) => r === blue)).toHaveLength(2);

    // Undo inside the delay: instant, no new replica.
    const madeBefore = h.made.length;
    await h.controller.undo();
    await h.settle();
    expect(h.made.length).toBe(madeBefore);
    expect(h.splits).toContainEqual({ [blue]: 100 });
    expect(h.controller.stableRevision).toBe(blue);
    await h.advance(31_000);
    expect(h.revisions()).toEqual([blue, blue]);
    await h.controller.stop();
  });

  it('promotes automatically after autoPromotionSeconds and scales the old revision down after the delay', async () => {
    const h = harness(blueGreenSpec('blue', { autoPromotionSeconds: 20 }));
    await h.controller.start();
    await h.settle();
    const blue = h.controller.revision;
    await h.controller.setSpec(blueGreenSpec('green', { autoPromotionSeconds: 20 }));
    const green = h.controller.revision;
    await h.settle();
    await h.advance(19_000);
    expect(h.controller.stableRevision).toBe(blue);
    await h.advance(2_000);
    expect(h.controller.stableRevision).toBe(green);
    expect(h.revisions().filter((r) => r === blue)).toHaveLength(2);
    await h.advance(31_000);
    expect(h.revisions()).toEqual([green, green]);
    expect(h.splits.at(-1)).toBeUndefined();
    await h.controller.stop();
  });

  it('aborts an automatic promotion when preview traffic fails', async () => {
    const h = harness(blueGreenSpec('blue', { autoPromotionSeconds: 20 }));
    await h.controller.start();
    await h.settle();
    const blue = h.controller.revision;
    await h.controller.setSpec(blueGreenSpec('green', { autoPromotionSeconds: 20 }));
    const green = h.controller.revision;
    await h.settle();
    h.serve(blue, 500);
    h.serve(green, 100, 0.2);
    await h.advance(21_000);
    expect(h.outcomes.at(-1)).toMatchObject({ result: 'aborted', other: green });
    expect(h.revisions()).toEqual([blue, blue]);
    await h.controller.stop();
  });
});
