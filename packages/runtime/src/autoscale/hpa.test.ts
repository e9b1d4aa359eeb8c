import { describe, expect, it } from 'vitest';
import {
  averageValueReplicas,
  combineProposals,
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_SCALE_UP_RULES,
  initialHpaState,
  normalizeDesiredReplicas,
  objectValueReplicas,
  resolveBehavior,
  scaleDownLimit,
  scaleUpLimit,
  type Behavior,
  type HpaState,
  type LimitReason,
} from './hpa.js';

const ready = (...values: (number | null)[]) => values.map((value) => ({ ready: true, value }));
const unready = (n: number) => Array.from({ length: n }, () => ({ ready: false, value: null }));

describe('averageValueReplicas: desired = ceil(ready × average / target), tolerance 0.1', () => {
  it.each([
    // current, per-replica values, target, desired
    [4, [100, 100, 100, 100], 50, 8],
    [4, [54, 54, 54, 54], 50, 4], // ratio 1.08: within tolerance
    [4, [56, 56, 56, 56], 50, 5], // ratio 1.12: ceil(4.48)
    [10, Array<number>(10).fill(45), 50, 10], // ratio 0.9: within tolerance (else 9)
    [10, Array<number>(10).fill(44), 50, 9], // ratio 0.88: ceil(8.8)
    [4, [20, 20, 20, 20], 50, 2], // ratio 0.4: ceil(1.6)
    [3, [90, 10, 50], 50, 3], // the average counts, not each replica
    [10, Array<number>(10).fill(200), 100, 20],
    [1, [0], 50, 0], // min/max clamp later
  ])('current %i with %j against target %i → %i', (current, values, target, desired) => {
    const proposal = averageValueReplicas({
      currentReplicas: current,
      replicas: ready(...values),
      target,
      missingValueOnScaleDown: target,
    });
    expect(proposal?.replicas).toBe(desired);
  });

  it('honours another tolerance', () => {
    const input = {
      currentReplicas: 4,
      replicas: ready(60, 60, 60, 60),
      target: 50,
      missingValueOnScaleDown: 50,
    };
    expect(averageValueReplicas({ ...input, tolerance: 0.25 })?.replicas).toBe(4);
    expect(averageValueReplicas({ ...input, tolerance: 0 })?.replicas).toBe(5);
  });

  it('reports the ratio and the average it used', () => {
    expect(
      averageValueReplicas({
        currentReplicas: 2,
        replicas: ready(30, 50),
        target: 20,
        missingValueOnScaleDown: 20,
      }),
    ).toEqual({ replicas: 4, usageRatio: 2, value: 40 });
  });

  it('treats unready replicas as using nothing when scaling up (they will take load soon)', () => {
    const base = { currentReplicas: 4, target: 50, missingValueOnScaleDown: 50 };
    // Ready ones at 2× target, but with the two starting replicas at 0 the average is on target: no change.
    expect(averageValueReplicas({ ...base, replicas: [...ready(100, 100), ...unready(2)] })?.replicas).toBe(
      4,
    );
    // At 3×: the average with zeros is 1.5× → ceil(1.5 × 4) = 6, not ceil(3 × 2) + 2 = 8.
    expect(averageValueReplicas({ ...base, replicas: [...ready(150, 150), ...unready(2)] })?.replicas).toBe(
      6,
    );
  });

  it('ignores unready replicas when scaling down', () => {
    const proposal = averageValueReplicas({
      currentReplicas: 4,
      replicas: [...ready(10, 10), ...unready(2)],
      target: 50,
      missingValueOnScaleDown: 50,
    });
    expect(proposal?.replicas).toBe(1);
  });

  it('fills replicas without metrics with 0 on scale-up and with the fallback on scale-down', () => {
    const up = averageValueReplicas({
      currentReplicas: 3,
      replicas: ready(100, 100, null),
      target: 50,
      missingValueOnScaleDown: 50,
    });
    expect(up?.replicas).toBe(4); // [100, 100, 0] → 1.33 × 3
    const down = averageValueReplicas({
      currentReplicas: 3,
      replicas: ready(10, 10, null),
      target: 50,
      missingValueOnScaleDown: 50,
    });
    expect(down?.replicas).toBe(2); // [10, 10, 50] → 0.47 × 3
    // CPU: a missing replica counts as 100 % of its request, which here flips the direction → no change.
    const cpu = averageValueReplicas({
      currentReplicas: 3,
      replicas: ready(40, 40, null),
      target: 50,
      missingValueOnScaleDown: 100,
    });
    expect(cpu?.replicas).toBe(3);
  });

  it('has no proposal when no ready replica has a value', () => {
    expect(
      averageValueReplicas({
        currentReplicas: 2,
        replicas: [...ready(null), ...unready(1)],
        target: 1,
        missingValueOnScaleDown: 1,
      }),
    ).toBeNull();
  });
});

describe('objectValueReplicas: a service-wide value with a Value target', () => {
  it.each([
    [4, 4, 300, 200, 6],
    [4, 4, 210, 200, 4],
    [4, 4, 50, 200, 1],
    [4, 2, 400, 200, 4], // ceil(2 × 2): only ready replicas count
  ])('current %i (ready %i), value %i, target %i → %i', (current, readyCount, value, target, desired) => {
    expect(
      objectValueReplicas({ currentReplicas: current, readyReplicas: readyCount, value, target })?.replicas,
    ).toBe(desired);
  });

  it('has no proposal without ready replicas or without a finite value', () => {
    expect(objectValueReplicas({ currentReplicas: 2, readyReplicas: 0, value: 400, target: 200 })).toBeNull();
    expect(objectValueReplicas({ currentReplicas: 2, readyReplicas: 2, value: NaN, target: 200 })).toBeNull();
  });
});

describe('combineProposals', () => {
  it('takes the largest proposal of several metrics', () => {
    expect(combineProposals(4, [3, 7, 5]).replicas).toBe(7);
  });

  it('does not scale down while a metric has no value, but still scales up', () => {
    expect(combineProposals(5, [3, null])).toEqual({ replicas: 5, heldBecauseOfMissing: true });
    expect(combineProposals(5, [8, null])).toEqual({ replicas: 8, heldBecauseOfMissing: false });
    expect(combineProposals(5, [null]).replicas).toBeNull();
  });
});

/** Runs one HPA period at `t` seconds, keeping state between calls like the controller. */
function controller(options: { min?: number; max?: number; behavior?: Behavior; current: number }) {
  let state: HpaState = initialHpaState();
  let current = options.current;
  const behavior = options.behavior ?? resolveBehavior();
  return {
    step(t: number, desired: number): { replicas: number; limitedBy: LimitReason | null } {
      const result = normalizeDesiredReplicas({
        nowMs: t * 1000,
        currentReplicas: current,
        desiredReplicas: desired,
        minReplicas: options.min ?? 1,
        maxReplicas: options.max ?? 100,
        behavior,
        state,
      });
      state = result.state;
      current = result.replicas;
      return { replicas: result.replicas, limitedBy: result.limitedBy };
    },
  };
}

describe('stabilization (scale-down window 300 s by default)', () => {
  it('a spike then a drop does not scale down before 300 s', () => {
    const hpa = controller({ current: 4 });
    expect(hpa.step(0, 8)).toEqual({ replicas: 8, limitedBy: null });
    for (let t = 15; t < 300; t += 15) {
      expect(hpa.step(t, 2)).toEqual({ replicas: 8, limitedBy: 'stabilization' });
    }
    // The spike's recommendation is now exactly one window old: out of it (Kubernetes: After(cutoff)).
    expect(hpa.step(300, 2)).toEqual({ replicas: 2, limitedBy: null });
  });

  it('holds at the highest recommendation of the window, not the current count', () => {
    const hpa = controller({ current: 10 });
    hpa.step(0, 10);
    expect(hpa.step(100, 6).replicas).toBe(10);
    expect(hpa.step(200, 3).replicas).toBe(10);
    expect(hpa.step(300, 3).replicas).toBe(6); // the 10 of t=0 is gone, the 6 of t=100 is not
    expect(hpa.step(400, 3).replicas).toBe(3);
  });

  it('a scale-up window delays scale-up to the lowest recommendation of the window', () => {
    const behavior = resolveBehavior({ scaleUp: { stabilizationWindowSeconds: 60 } });
    const hpa = controller({ current: 2, behavior });
    expect(hpa.step(0, 2).replicas).toBe(2);
    expect(hpa.step(15, 5)).toEqual({ replicas: 2, limitedBy: 'stabilization' });
    expect(hpa.step(60, 5).replicas).toBe(5); // the 2 of t=0 left the window
  });
});

describe('scaling policies', () => {
  it('caps scale-up at max(100 %, 4 pods) per 15 s by default', () => {
    expect(controller({ current: 2 }).step(0, 20)).toEqual({ replicas: 6, limitedBy: 'policy' });
    expect(controller({ current: 10 }).step(0, 100)).toEqual({ replicas: 20, limitedBy: 'policy' });
    expect(controller({ current: 10 }).step(0, 15)).toEqual({ replicas: 15, limitedBy: null });
  });

  it('counts the scale-ups already made in the period', () => {
    const hpa = controller({ current: 2 });
    expect(hpa.step(0, 20).replicas).toBe(6);
    expect(hpa.step(5, 20)).toEqual({ replicas: 6, limitedBy: 'policy' }); // period started at 2: limit 6
    expect(hpa.step(15, 20).replicas).toBe(12); // the first event left the period
    expect(hpa.step(30, 20).replicas).toBe(20);
  });

  it('selectPolicy Min takes the smallest change, Disabled none', () => {
    const state = initialHpaState();
    expect(scaleUpLimit(10, state, { ...DEFAULT_SCALE_UP_RULES, selectPolicy: 'Min' }, 0)).toBe(14);
    expect(scaleUpLimit(10, state, { ...DEFAULT_SCALE_UP_RULES, selectPolicy: 'Disabled' }, 0)).toBe(10);
    const up = controller({
      current: 3,
      behavior: resolveBehavior({ scaleUp: { selectPolicy: 'Disabled' } }),
    });
    expect(up.step(0, 9)).toEqual({ replicas: 3, limitedBy: 'policy' });
  });

  it('caps scale-down by its policies (Pods per period, Percent rounded down)', () => {
    const behavior = resolveBehavior({
      scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    });
    const hpa = controller({ current: 10, behavior });
    expect(hpa.step(0, 2)).toEqual({ replicas: 9, limitedBy: 'policy' });
    expect(hpa.step(30, 2)).toEqual({ replicas: 9, limitedBy: 'policy' });
    expect(hpa.step(60, 2)).toEqual({ replicas: 8, limitedBy: 'policy' });
    const percent = {
      ...DEFAULT_SCALE_DOWN_RULES,
      policies: [{ type: 'Percent' as const, value: 50, periodSeconds: 15 }],
    };
    expect(scaleDownLimit(5, initialHpaState(), percent, 0)).toBe(2);
  });
});

describe('min/max', () => {
  const noWindow = resolveBehavior({ scaleDown: { stabilizationWindowSeconds: 0 } });

  it('clamps the recommendation to [min, max] and says which bound applied', () => {
    expect(controller({ current: 8, max: 10 }).step(0, 50)).toEqual({ replicas: 10, limitedBy: 'max' });
    expect(controller({ current: 3, min: 2, behavior: noWindow }).step(0, 0)).toEqual({
      replicas: 2,
      limitedBy: 'min',
    });
  });

  it('moves a count outside [min, max] straight to the bound', () => {
    expect(controller({ current: 12, max: 10 }).step(0, 12)).toEqual({ replicas: 10, limitedBy: 'max' });
    expect(controller({ current: 1, min: 2 }).step(0, 1)).toEqual({ replicas: 2, limitedBy: 'min' });
  });
});

describe('resolveBehavior', () => {
  it('fills Kubernetes defaults per direction and per field', () => {
    const behavior = resolveBehavior({ scaleDown: { stabilizationWindowSeconds: 60 } });
    expect(behavior.scaleUp).toEqual(DEFAULT_SCALE_UP_RULES);
    expect(behavior.scaleDown).toEqual({ ...DEFAULT_SCALE_DOWN_RULES, stabilizationWindowSeconds: 60 });
    expect(DEFAULT_SCALE_UP_RULES.policies).toEqual([
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ]);
    expect(DEFAULT_SCALE_DOWN_RULES.stabilizationWindowSeconds).toBe(300);
  });
});
