import { createLiveDetection, goldenLiveSignals, type LiveSeriesSnapshot } from '@opsloop/aiops';
import { createManualClock, createSeededRandom, type ManualClock } from '@opsloop/kit';
import type { QueryResult } from '@opsloop/telemetry';
import { describe, expect, it } from 'vitest';
import type { Check, Judgement } from '../analysis/judge-canary.js';
import type { DetectorSignal } from '../analysis/judge-detectors.js';
import type { TrafficSample } from '../analysis/traffic-sample.js';
import { strategySchema, type StrategySpec } from '../spec/strategy-schema.js';
import { ProgressiveRollout, type ProgressEvent } from './progressive-rollout.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const LIVE_STEP_MS = 15_000;
/** Share of requests at or below each bucket bound (seconds): p95 ≈ 75 ms. */
const LATENCY_SHARES: readonly [number, number][] = [
  [0.025, 0.5],
  [0.05, 0.9],
  [0.1, 1],
  [0.25, 1],
  [Infinity, 1],
];

/** What a revision serves: requests per second and the share of them failing, from `since` on. */
interface Traffic {
  rps: number;
  errorRatio: number;
}

/** One replica's cumulative counters after `seconds` of `traffic` (what its /metrics would show). */
function cumulative(traffic: Traffic, seconds: number): TrafficSample {
  const requests = Math.round(traffic.rps * seconds);
  return {
    requests,
    errors: Math.round(requests * traffic.errorRatio),
    buckets: new Map(LATENCY_SHARES.map(([le, share]) => [le, Math.round(requests * share)])),
  };
}

/**
 * Live detection's learnt state of the stable revision's `errors` (≈1 %) and `latency_p95` (≈75 ms) series,
 * trained by the real live detection on `points` evaluations of a stand-in metrics source (seeded noise).
 */
async function trainedLiveDetection(clock: ManualClock, points = 300) {
  const signals = goldenLiveSignals(['errors', 'latency_p95']);
  const byQuery = new Map(signals.map((s) => [s.query, s.name]));
  const random = createSeededRandom(7);
  const noise = () => (random() + random() + random() - 1.5) * 0.1; // ≈ ±5 %
  const detection = createLiveDetection({
    clock,
    signals,
    intervalMs: LIVE_STEP_MS,
    source: {
      instantQuery: (query, timeMs): Promise<QueryResult> =>
        Promise.resolve({
          type: 'vector',
          samples: [
            {
              labels: { service: 'web' },
              timestampMs: timeMs,
              value: byQuery.get(query) === 'errors' ? 0.01 * (1 + noise()) : 0.075 * (1 + noise()),
            },
          ],
        }),
      rangeQuery: () => Promise.resolve({ type: 'matrix', series: [] }),
    },
  });
  for (let i = 0; i < points; i++) {
    clock.advance(LIVE_STEP_MS);
    await detection.tick();
  }
  return detection;
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function harness(options: {
  analysis: Record<string, unknown>;
  stable: Traffic;
  canary: Traffic;
  clock?: ManualClock;
  baselineState?: (signal: DetectorSignal) => LiveSeriesSnapshot | undefined;
}) {
  const clock = options.clock ?? createManualClock(T0);
  const parsed: StrategySpec = strategySchema.parse({
    type: 'Canary',
    canary: { steps: [25], analysis: { intervalSeconds: 30, maxInconclusive: 100, ...options.analysis } },
  });
  if (parsed.type !== 'Canary') throw new Error('expected a canary strategy');
  const began = clock.now();
  let measured = 0;
  const events: ProgressEvent[] = [];
  const aborted: string[] = [];
  let kicks = 0;
  const rollout = new ProgressiveRollout({
    strategy: parsed,
    stableRevision: 'v1',
    newRevision: 'v2',
    fastTrack: false,
    clock,
    measure: (revision) => {
      measured++;
      const seconds = (clock.now() - began) / 1000;
      const traffic = revision === 'v1' ? options.stable : options.canary;
      return Promise.resolve(new Map([[`web-${revision}`, cumulative(traffic, seconds)]]));
    },
    report: (e) => events.push(e),
    kick: () => void kicks++,
    abort: (reason) => aborted.push(reason),
    paused: () => false,
    pause: () => undefined,
    ...(options.baselineState === undefined ? {} : { baselineState: options.baselineState }),
  });
  /** Enters the 25 % step (the canary replica is ready), then runs `seconds` in 5-second moves. */
  const run = async (seconds: number) => {
    rollout.plan(4, 1);
    await flush();
    for (let s = 0; s < seconds; s += 5) {
      clock.advance(5_000);
      await flush();
    }
  };
  const judgements = () => events.flatMap((e): Judgement[] => (e.kind === 'analysis' ? [e.judgement] : []));
  return { rollout, run, judgements, aborted, measures: () => measured, kicks: () => kicks };
}

const check = (judgement: Judgement | undefined, name: Check['name']) =>
  judgement?.checks.find((c) => c.name === name);

const STABLE: Traffic = { rps: 20, errorRatio: 0.01 };

describe('ProgressiveRollout: analysis with the production detectors', () => {
  it('fails a canary whose error ratio jumps on the detectors alone, while the tests lack requests', async () => {
    const clock = createManualClock(T0);
    const live = await trainedLiveDetection(clock);
    const asked: string[] = [];
    const h = harness({
      clock,
      analysis: { minRequests: 1000 },
      stable: STABLE,
      // 2 requests/s: 60 in the interval, far below minRequests; 30 % of them fail.
      canary: { rps: 2, errorRatio: 0.3 },
      baselineState: (signal) => {
        asked.push(signal);
        return live.seriesState('web', signal);
      },
    });
    await h.run(30);
    const judgement = h.judgements().at(-1);
    expect(judgement?.verdict).toBe('fail');
    expect(check(judgement, 'requests')).toMatchObject({ verdict: 'inconclusive' });
    expect(check(judgement, 'detector-errors')).toMatchObject({ verdict: 'fail', canary: 0.3 });
    expect(check(judgement, 'detector-errors')?.detail).toMatch(
      /^errors: anomalous and out of the baseline band: .*\[baseline: live detection's state\]$/,
    );
    expect(check(judgement, 'detector-latency')).toMatchObject({ verdict: 'pass' });
    expect(h.aborted).toHaveLength(1);
    expect(h.aborted[0]).toMatch(/^analysis failed at 25 %: detector-errors: errors: anomalous/);
    // The provider was asked once per signal, at the interval's start.
    expect(asked.sort()).toEqual(['errors', 'latency_p95']);
    h.rollout.cancel();
    await live.stop();
  });

  it('passes a canary that serves like the stable revision (tests pass, detectors pass)', async () => {
    const clock = createManualClock(T0);
    const live = await trainedLiveDetection(clock);
    const h = harness({
      clock,
      analysis: { minRequests: 100 },
      stable: STABLE,
      canary: STABLE,
      baselineState: (signal) => live.seriesState('web', signal),
    });
    await h.run(30);
    const judgement = h.judgements().at(-1);
    expect(judgement?.verdict).toBe('pass');
    expect(judgement?.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['success-rate', 'pass'],
      ['latency-p99', 'pass'],
      ['detector-errors', 'pass'],
      ['detector-latency', 'pass'],
    ]);
    // p95 of the buckets (75 ms), in ms as the p99 check shows latency.
    expect(check(judgement, 'detector-latency')?.canary).toBeCloseTo(75, 0);
    expect(h.aborted).toEqual([]);
    expect(h.kicks()).toBe(1);
    h.rollout.cancel();
    await live.stop();
  });

  it("method 'statistical' ignores the detectors (and takes no extra samples)", async () => {
    const clock = createManualClock(T0);
    const live = await trainedLiveDetection(clock);
    let asked = 0;
    const h = harness({
      clock,
      analysis: { minRequests: 1000, method: 'statistical' },
      stable: STABLE,
      canary: { rps: 2, errorRatio: 0.3 },
      baselineState: (signal) => {
        asked++;
        return live.seriesState('web', signal);
      },
    });
    await h.run(30);
    const judgement = h.judgements().at(-1);
    expect(judgement?.verdict).toBe('inconclusive');
    expect(judgement?.checks.map((c) => c.name)).toEqual(['requests']);
    expect(h.aborted).toEqual([]);
    expect(asked).toBe(0);
    // Both revisions at the interval's start and end only.
    expect(h.measures()).toBe(4);
    h.rollout.cancel();
    await live.stop();
  });

  it("method 'detectors' judges by the detectors only", async () => {
    const clock = createManualClock(T0);
    const live = await trainedLiveDetection(clock);
    const h = harness({
      clock,
      analysis: { minRequests: 1000, method: 'detectors' },
      stable: STABLE,
      canary: { rps: 2, errorRatio: 0.01 },
      baselineState: (signal) => live.seriesState('web', signal),
    });
    await h.run(30);
    const judgement = h.judgements().at(-1);
    expect(judgement?.verdict).toBe('pass');
    expect(judgement?.checks.map((c) => c.name)).toEqual(['detector-errors', 'detector-latency']);
    expect(judgement?.canaryRequests).toBe(60);
    h.rollout.cancel();
    await live.stop();
  });

  it('without live detection, detectors still learning leave the verdict to the tests', async () => {
    const h = harness({ analysis: { minRequests: 100 }, stable: STABLE, canary: STABLE });
    await h.run(30);
    const judgement = h.judgements().at(-1);
    expect(judgement?.verdict).toBe('pass');
    expect(check(judgement, 'detector-errors')).toMatchObject({ verdict: 'inconclusive' });
    expect(check(judgement, 'detector-errors')?.detail).toMatch(
      /has learnt 0 points of the 240 it needs \[baseline: the stable revision's series\]$/,
    );
    // Interval start, five samples in between, the judge's own: six points per revision.
    expect(h.measures()).toBe(2 * 7);
    h.rollout.cancel();
  });

  it('a provider that throws or knows nothing is no reason to stop: the tests decide', async () => {
    const h = harness({
      analysis: { minRequests: 100 },
      stable: STABLE,
      canary: { rps: 20, errorRatio: 0.2 },
      baselineState: (signal) => {
        if (signal === 'errors') throw new Error('live detection stopped');
        return undefined;
      },
    });
    await h.run(30);
    const judgement = h.judgements().at(-1);
    expect(judgement?.verdict).toBe('fail');
    expect(check(judgement, 'success-rate')).toMatchObject({ verdict: 'fail' });
    expect(check(judgement, 'detector-errors')).toMatchObject({ verdict: 'inconclusive' });
    expect(h.aborted[0]).toMatch(/^analysis failed at 25 %: success-rate: /);
    h.rollout.cancel();
  });
});
