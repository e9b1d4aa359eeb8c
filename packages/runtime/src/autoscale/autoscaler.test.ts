import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ReplicaMetrics } from '../metrics/replica-window.js';
import {
  AutoscalingSpecError,
  autoscalingSpecSchema,
  createAutoscaler,
  parseAutoscalingSpec,
  serviceRequestRate,
  type ReplicaInput,
} from './autoscaler.js';

const EMPTY: ReplicaMetrics = {
  fromMs: 0,
  toMs: 60_000,
  scrapes: 5,
  cpuCores: null,
  cpuUtilizationPercent: null,
  rps: null,
  requests: null,
  p95Ms: null,
  latencyBuckets: [],
  resets: 0,
};

/** A replica whose window always reports `metrics`. */
const replica = (id: string, metrics: Partial<ReplicaMetrics> | null, ready = true): ReplicaInput => ({
  id,
  ready,
  window: metrics === null ? null : { metrics: () => ({ ...EMPTY, ...metrics }) },
});

function setup(spec: unknown, options: { cpuRequestCores?: number } = {}) {
  let now = 0;
  const autoscaler = createAutoscaler({ service: 'cart', spec, clock: { now: () => now }, ...options });
  return {
    autoscaler,
    at(seconds: number) {
      now = seconds * 1000;
    },
  };
}

const problemsOf = (input: unknown): readonly string[] => {
  try {
    parseAutoscalingSpec(input, 'services.cart.autoscaling');
  } catch (error) {
    if (error instanceof AutoscalingSpecError) return error.problems;
    throw error;
  }
  throw new Error('expected an AutoscalingSpecError');
};

describe('autoscalingSpecSchema', () => {
  it('fills Kubernetes-like defaults', () => {
    expect(parseAutoscalingSpec({ maxReplicas: 5 })).toEqual({
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'cpu', targetUtilizationPercent: 80 }],
      tolerance: 0.1,
      behavior: {},
      mode: 'reactive',
      leadSeconds: 60,
      periodSeconds: 15,
      historySeconds: 3600,
    });
  });

  it.each([
    [
      { minReplicas: 3, maxReplicas: 2 },
      'services.cart.autoscaling.maxReplicas: expected maxReplicas ≥ minReplicas',
    ],
    [{ minReplicas: 0, maxReplicas: 2 }, 'services.cart.autoscaling.minReplicas: expected an integer ≥ 1'],
    [{}, 'services.cart.autoscaling.maxReplicas: required'],
    [
      { maxReplicas: 2, metrics: [{ type: 'memory' }] },
      'services.cart.autoscaling.metrics.0.type: expected type "cpu", "rps" or "p95"',
    ],
    [
      { maxReplicas: 2, metrics: [{ type: 'rps', targetPerReplica: -1 }] },
      'metrics.0.targetPerReplica: expected requests per second > 0',
    ],
    [
      { maxReplicas: 2, metrics: [{ type: 'p95', targetMs: 100, extra: 1 }] },
      'metrics.0: unknown field(s): extra',
    ],
    [
      {
        maxReplicas: 2,
        metrics: [
          { type: 'p95', targetMs: 100 },
          { type: 'p95', targetMs: 200 },
        ],
      },
      'metrics.1.type: metric "p95" is listed twice',
    ],
    [{ maxReplicas: 2, metrics: [], mode: 'predictive' }, 'metrics: expected at least one metric'],
    [
      { maxReplicas: 2, mode: 'predictive' },
      'services.cart.autoscaling.mode: predictive mode forecasts the request rate',
    ],
    [{ maxReplicas: 2, mode: 'psychic' }, 'mode: expected "reactive" or "predictive"'],
    [{ maxReplicas: 2, periodSeconds: 0 }, 'periodSeconds: expected an integer from 1 to 3600'],
    [
      { maxReplicas: 2, behavior: { scaleDown: { stabilizationWindowSeconds: 4000 } } },
      'behavior.scaleDown.stabilizationWindowSeconds: expected an integer from 0 to 3600',
    ],
    [
      { maxReplicas: 2, behavior: { scaleUp: { policies: [{ type: 'Pod', value: 1, periodSeconds: 15 }] } } },
      'behavior.scaleUp.policies.0.type: expected "Pods" or "Percent"',
    ],
    [
      { maxReplicas: 2, behavior: { scaleUp: { selectPolicy: 'max' } } },
      'behavior.scaleUp.selectPolicy: expected "Max", "Min" or "Disabled"',
    ],
    [
      { maxReplicas: 2, seasonSeconds: 86_400 },
      'historySeconds: expected historySeconds ≥ 2 × seasonSeconds',
    ],
    [
      { maxReplicas: 2, historySeconds: 100_000, periodSeconds: 15 },
      'historySeconds: expected at most 5000 periods',
    ],
    [{ maxReplicas: 2, replicas: 3 }, 'services.cart.autoscaling: unknown field(s): replicas'],
  ])('rejects %j with a message naming the field', (input, message) => {
    expect(problemsOf(input).join('\n')).toContain(message);
  });

  it('gives a JSON Schema for editors (what the integrator generates for opsloop.yaml)', () => {
    const schema = z.toJSONSchema(autoscalingSpecSchema, { io: 'input', unrepresentable: 'any' });
    expect(schema).toMatchObject({ type: 'object', required: ['maxReplicas'] });
  });

  it('is checked when an autoscaler is created, with the CPU request', () => {
    const clock = { now: () => 0 };
    expect(() => createAutoscaler({ service: 'cart', spec: { maxReplicas: 0 }, clock })).toThrow(
      /services\.cart\.autoscaling\.maxReplicas/,
    );
    expect(() =>
      createAutoscaler({ service: 'cart', spec: { maxReplicas: 2 }, clock, cpuRequestCores: 0 }),
    ).toThrow(
      new AutoscalingSpecError(['services.cart.resources.cpu: expected a CPU request > 0 cores, got 0']),
    );
  });
});

describe('Autoscaler.decide (reactive)', () => {
  it('scales on CPU utilisation of the request, like the HPA', () => {
    const { autoscaler } = setup(
      { maxReplicas: 10, metrics: [{ type: 'cpu', targetUtilizationPercent: 60 }] },
      { cpuRequestCores: 0.5 },
    );
    const decision = autoscaler.decide({
      replicas: [replica('cart-0', { cpuCores: 0.45 }), replica('cart-1', { cpuCores: 0.45 })],
    });
    expect(decision).toMatchObject({
      at: 0,
      service: 'cart',
      mode: 'reactive',
      current: 2,
      ready: 2,
      desired: 3,
      recommendation: 3,
      stabilized: 3,
      limitedBy: null,
      metrics: [{ type: 'cpu', target: 60, value: 90, usageRatio: 1.5, proposal: 3, status: 'ok' }],
      proposals: [{ source: 'cpu', replicas: 3 }],
    });
    expect(decision.forecast).toBeUndefined();
    expect(decision.reason).toBe('scale 2 → 3: cpu 90.0% (target 60%) → 3');
  });

  it('takes the largest proposal of several metrics', () => {
    const { autoscaler } = setup({
      maxReplicas: 10,
      metrics: [
        { type: 'cpu', targetUtilizationPercent: 50 },
        { type: 'rps', targetPerReplica: 10 },
      ],
    });
    const decision = autoscaler.decide({
      replicas: [replica('a', { cpuCores: 0.75, rps: 25 }), replica('b', { cpuCores: 0.75, rps: 25 })],
    });
    expect(decision.proposals).toEqual([
      { source: 'cpu', replicas: 3 },
      { source: 'rps', replicas: 5 },
    ]);
    expect(decision.desired).toBe(5);
  });

  it('scales on the service-wide p95 from the merged buckets of all replicas (hand computation)', () => {
    const { autoscaler } = setup({ maxReplicas: 10, metrics: [{ type: 'p95', targetMs: 200 }] });
    // Together: 50 ≤ 0.1 s, 90 ≤ 0.25 s, 98 ≤ 0.5 s, 100 in all → p95 = 406.25 ms.
    const decision = autoscaler.decide({
      replicas: [
        replica('a', {
          requests: 66,
          latencyBuckets: [
            { le: 0.1, count: 30 },
            { le: 0.25, count: 60 },
            { le: 0.5, count: 65 },
            { le: Infinity, count: 66 },
          ],
        }),
        replica('b', {
          requests: 34,
          latencyBuckets: [
            { le: 0.1, count: 20 },
            { le: 0.25, count: 30 },
            { le: 0.5, count: 33 },
            { le: Infinity, count: 34 },
          ],
        }),
      ],
    });
    expect(decision.metrics[0]!.value).toBeCloseTo(406.25, 9);
    expect(decision.desired).toBe(Math.ceil((406.25 / 200) * 2)); // 5
  });

  it('an idle p95 (no requests) has no say, so rps can still scale down', () => {
    const { autoscaler } = setup({
      maxReplicas: 10,
      metrics: [
        { type: 'rps', targetPerReplica: 10 },
        { type: 'p95', targetMs: 200 },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    const idle = {
      rps: 0,
      requests: 0,
      latencyBuckets: [
        { le: 0.1, count: 0 },
        { le: Infinity, count: 0 },
      ],
    };
    const decision = autoscaler.decide({
      replicas: [replica('a', idle), replica('b', idle), replica('c', idle)],
    });
    expect(decision.metrics[1]).toMatchObject({ type: 'p95', status: 'idle', proposal: null });
    expect(decision.desired).toBe(1);
    expect(decision.limitedBy).toBe('min');
  });

  it('a metric without data blocks a scale-down, as in the HPA', () => {
    const { autoscaler } = setup({
      maxReplicas: 10,
      metrics: [
        { type: 'cpu', targetUtilizationPercent: 50 },
        { type: 'rps', targetPerReplica: 10 },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    const decision = autoscaler.decide({ replicas: [replica('a', { rps: 1 }), replica('b', { rps: 1 })] });
    expect(decision.metrics[0]).toMatchObject({ type: 'cpu', status: 'missing', proposal: null });
    expect(decision.desired).toBe(2);
    expect(decision.reason).toContain('a metric has no data, so no scale-down');
  });

  it('keeps the count, with a reason, when no metric has data', () => {
    const { autoscaler } = setup({ maxReplicas: 10 });
    const decision = autoscaler.decide({ replicas: [replica('a', null), replica('b', {}, false)] });
    expect(decision).toMatchObject({
      current: 2,
      ready: 1,
      desired: 2,
      recommendation: null,
      limitedBy: null,
    });
    expect(decision.reason).toBe('keep 2: no metric has data yet (cpu missing)');
  });

  it('leaves a service scaled to zero alone', () => {
    const { autoscaler } = setup({ maxReplicas: 10 });
    expect(autoscaler.decide({ replicas: [] })).toMatchObject({ current: 0, desired: 0 });
  });

  it('holds a spike for the scale-down stabilization window, and says so', () => {
    const { autoscaler, at } = setup({
      minReplicas: 2,
      maxReplicas: 20,
      metrics: [{ type: 'rps', targetPerReplica: 10 }],
    });
    const replicas = (n: number, rps: number) =>
      Array.from({ length: n }, (_, i) => replica(`r${i}`, { rps }));
    at(0);
    expect(autoscaler.decide({ replicas: replicas(4, 20) }).desired).toBe(8);
    for (let t = 15; t < 300; t += 15) {
      at(t);
      const decision = autoscaler.decide({ replicas: replicas(8, 2) });
      expect(decision).toMatchObject({
        desired: 8,
        recommendation: 2,
        stabilized: 8,
        limitedBy: 'stabilization',
      });
      expect(decision.reason).toContain('held by the scale-down stabilization window');
    }
    at(300);
    expect(autoscaler.decide({ replicas: replicas(8, 2) })).toMatchObject({ desired: 2, limitedBy: null });
  });

  it('caps a scale-up by the default policies and at maxReplicas, and says which', () => {
    const { autoscaler, at } = setup({ maxReplicas: 9, metrics: [{ type: 'rps', targetPerReplica: 10 }] });
    const replicas = (n: number) => Array.from({ length: n }, (_, i) => replica(`r${i}`, { rps: 100 }));
    const first = autoscaler.decide({ replicas: replicas(2) });
    expect(first).toMatchObject({ recommendation: 20, desired: 6, limitedBy: 'policy' });
    expect(first.reason).toContain('limited by the scale-up policies');
    at(15);
    const second = autoscaler.decide({ replicas: replicas(6) });
    expect(second).toMatchObject({ desired: 9, limitedBy: 'max' });
    expect(second.reason).toContain('capped at maxReplicas 9');
  });

  it('keeps every decision, "no change" ones too, in a bounded history, oldest first', () => {
    let now = 0;
    const autoscaler = createAutoscaler({
      service: 'cart',
      spec: { maxReplicas: 10, metrics: [{ type: 'rps', targetPerReplica: 10 }] },
      clock: { now: () => now },
      historySize: 3,
    });
    for (let i = 0; i < 5; i++) {
      now = i * 15_000;
      autoscaler.decide({ replicas: [replica('a', { rps: 10 })] });
    }
    const history = autoscaler.history();
    expect(history.map((d) => d.at)).toEqual([30_000, 45_000, 60_000]);
    expect(history.every((d) => d.desired === 1 && d.reason.startsWith('keep 1'))).toBe(true);
  });
});

/** A window over a service whose replicas share `rate(t)` requests/s evenly. */
function rateWindow(rate: (ms: number) => number, share: number): ReplicaInput['window'] {
  // Integral of a rate given at whole seconds, good enough for the slopes used here.
  const served = (from: number, to: number) => {
    let total = 0;
    for (let t = from; t < to; t += 1000) total += rate(t + 500) * share;
    return total;
  };
  return {
    metrics(now = 0, windowMs = 60_000) {
      const from = Math.max(0, now - windowMs);
      const requests = served(from, now);
      return { ...EMPTY, fromMs: from, toMs: now, requests, rps: requests / ((now - from) / 1000) };
    },
  };
}

describe('Autoscaler.decide (predictive)', () => {
  const spec = {
    minReplicas: 2,
    maxReplicas: 50,
    metrics: [{ type: 'rps', targetPerReplica: 10 }],
    mode: 'predictive',
    leadSeconds: 60,
  };

  it('warms up before it forecasts, then asks for the replicas of the rate a lead ahead, above reactive', () => {
    const { autoscaler, at } = setup(spec);
    const rate = (ms: number) => 20 + 0.5 * (ms / 1000); // +0.5 rps every second
    // Two replicas throughout (decisions not applied), so every decision sees the same ramp.
    const replicas = ['r0', 'r1'].map((id) => ({ id, ready: true, window: rateWindow(rate, 0.5) }));
    const decisions = [];
    for (let t = 15; t <= 180; t += 15) {
      at(t);
      decisions.push(autoscaler.decide({ replicas }));
    }
    expect(decisions.slice(0, 3).map((d) => d.forecast)).toEqual([undefined, undefined, undefined]);
    expect(decisions[2]!.reason).not.toContain('forecast');
    const last = decisions[decisions.length - 1]!;
    // At t = 180 s the rate is 110 rps; in 60 s it will be 140 rps → 14 replicas at 10 rps each. Reactive
    // sees the last minute's average, 95 rps → 47.5 per replica → ceil(4.75 × 2) = 10.
    expect(last.forecast).toMatchObject({ model: 'holt', leadSeconds: 60, proposal: 14, samples: 12 });
    expect(last.forecast!.rps).toBeCloseTo(140, 6);
    expect(last.proposals).toEqual([
      { source: 'rps', replicas: 10 },
      { source: 'forecast', replicas: 14 },
    ]);
    expect(last.recommendation).toBe(14);
    expect(last.reason).toContain('forecast 140.0 rps in 60 s → 14');
  });

  it('never argues for fewer replicas: a falling forecast leaves the decision to reactive metrics', () => {
    const { autoscaler, at } = setup({ ...spec, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    const rate = (ms: number) => Math.max(0, 100 - 0.5 * (ms / 1000));
    const replicas = Array.from({ length: 10 }, (_, i) => ({
      id: `r${i}`,
      ready: true,
      window: rateWindow(rate, 0.1),
    }));
    for (let t = 15; t <= 120; t += 15) {
      at(t);
      autoscaler.decide({ replicas });
    }
    const decision = autoscaler.history().at(-1)!;
    // Now 40 rps, forecast 10 rps; reactive sees 55 rps → 5.5 per replica → 6.
    expect(decision.forecast!.rps).toBeCloseTo(10, 6);
    expect(decision.forecast!.proposal).toBeNull();
    expect(decision.proposals).toEqual([{ source: 'rps', replicas: 6 }]);
    expect(decision.desired).toBe(6);
    expect(decision.reason).toContain('→ no scale-up');
  });

  it('samples the rate once per period: a second decision in a period replaces it, missed periods are interpolated', () => {
    const { autoscaler, at } = setup(spec);
    const replicas = [{ id: 'a', ready: true, window: rateWindow(() => 10, 1) }];
    for (const t of [15, 30, 35, 45]) {
      at(t);
      autoscaler.decide({ replicas });
    }
    at(105); // periods 4–6 missed
    expect(autoscaler.decide({ replicas }).forecast?.samples).toBe(7);
  });
});

describe('serviceRequestRate', () => {
  it('divides all requests by the common span (a young replica does not double count)', () => {
    const old = { ...EMPTY, fromMs: 0, toMs: 60_000, requests: 600, rps: 10 };
    const young = { ...EMPTY, fromMs: 55_000, toMs: 60_000, requests: 50, rps: 10 };
    expect(serviceRequestRate([old, young, null])).toEqual({ rps: 650 / 60, centreMs: 30_000 });
    expect(serviceRequestRate([null, { ...EMPTY, requests: null }])).toBeNull();
  });
});
