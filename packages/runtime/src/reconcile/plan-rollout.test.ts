import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  impossibleRollout,
  planRollout,
  resolveIntOrPercent,
  type PlannedReplica,
  type RolloutTarget,
} from './plan-rollout.js';

const replica = (ordinal: number, revision: string, ready = true): PlannedReplica => ({
  name: `svc-${ordinal}`,
  ordinal,
  revision,
  ready,
});

const target = (partial: Partial<RolloutTarget>): RolloutTarget => ({
  replicas: 3,
  revision: 'new',
  maxSurge: 1,
  maxUnavailable: 0,
  minAvailable: 0,
  ...partial,
});

describe('planRollout', () => {
  it('scales a settled service up and down (unready first, then the highest ordinals go)', () => {
    const three = [replica(1, 'new'), replica(2, 'new'), replica(3, 'new')];
    expect(planRollout(target({ replicas: 5 }), three)).toEqual({ create: 2, remove: [] });
    expect(planRollout(target({ replicas: 1 }), three)).toEqual({ create: 0, remove: ['svc-3', 'svc-2'] });
    expect(
      planRollout(target({ replicas: 2 }), [replica(1, 'new'), replica(2, 'new', false), replica(3, 'new')]),
    ).toEqual({ create: 0, remove: ['svc-2'] });
    expect(planRollout(target({}), three)).toEqual({ create: 0, remove: [] });
  });

  it('surges first and removes an old replica only once a new one is ready (maxUnavailable 0)', () => {
    const old = [replica(1, 'old'), replica(2, 'old'), replica(3, 'old')];
    expect(planRollout(target({}), old)).toEqual({ create: 1, remove: [] });
    const withNew = [...old, replica(4, 'new', false)];
    expect(planRollout(target({}), withNew)).toEqual({ create: 0, remove: [] });
    const newReady = [...old, replica(4, 'new', true)];
    expect(planRollout(target({}), newReady)).toEqual({ create: 0, remove: ['svc-3'] });
  });

  it('with maxUnavailable, removes old replicas down to the floor right away', () => {
    const old = [replica(1, 'old'), replica(2, 'old'), replica(3, 'old'), replica(4, 'old')];
    expect(planRollout(target({ replicas: 4, maxSurge: 1, maxUnavailable: 1 }), old)).toEqual({
      create: 1,
      remove: ['svc-4'],
    });
  });

  it('removes unready old replicas first, and respects minAvailable above maxUnavailable', () => {
    const mixed = [replica(1, 'old'), replica(2, 'old', false), replica(3, 'old')];
    // svc-2 goes at once, which makes room for two new ones; the ready old ones stay (2 must stay ready).
    expect(planRollout(target({ maxUnavailable: 2, minAvailable: 2 }), mixed)).toEqual({
      create: 2,
      remove: ['svc-2'],
    });
  });

  it('property: never above replicas + maxSurge, never below the floor by its own removals, and converges', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
        (replicas, maxSurge, maxUnavailable, minAvailable, coin) => {
          const t = target({ replicas, maxSurge, maxUnavailable, minAvailable });
          fc.pre(impossibleRollout(t) === undefined);
          const floor = Math.max(replicas - maxUnavailable, minAvailable);
          let state: PlannedReplica[] = Array.from({ length: replicas }, (_, i) => replica(i + 1, 'old'));
          let flips = 0;
          for (let round = 0; round < 60; round++) {
            const readyBefore = state.filter((r) => r.ready).length;
            const plan = planRollout(t, state);
            state = state.filter((r) => !plan.remove.includes(r.name));
            const readyAfter = state.filter((r) => r.ready).length;
            expect(readyAfter).toBeGreaterThanOrEqual(Math.min(readyBefore, floor));
            const used = new Set(state.map((r) => r.ordinal));
            for (let n = 0, ordinal = 1; n < plan.create; ordinal++) {
              if (used.has(ordinal)) continue;
              state.push(replica(ordinal, 'new', false));
              used.add(ordinal);
              n++;
            }
            expect(state.length).toBeLessThanOrEqual(replicas + maxSurge);
            // New replicas become ready at random moments (always, eventually).
            state = state.map((r) =>
              r.ready ? r : { ...r, ready: round > 40 || (coin[flips++ % 200] ?? true) },
            );
          }
          expect(state.filter((r) => r.revision === 'new' && r.ready)).toHaveLength(replicas);
          expect(state).toHaveLength(replicas);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('impossibleRollout and resolveIntOrPercent', () => {
  it('refuses budgets that could never let an update finish', () => {
    expect(impossibleRollout({ replicas: 1, maxSurge: 0, maxUnavailable: 1, minAvailable: 1 })).toMatch(
      /could never start/,
    );
    expect(impossibleRollout({ replicas: 2, maxSurge: 1, maxUnavailable: 0, minAvailable: 3 })).toMatch(
      /more than the 2 replica/,
    );
    expect(
      impossibleRollout({ replicas: 1, maxSurge: 1, maxUnavailable: 0, minAvailable: 1 }),
    ).toBeUndefined();
    expect(
      impossibleRollout({ replicas: 0, maxSurge: 0, maxUnavailable: 0, minAvailable: 0 }),
    ).toBeUndefined();
  });

  it('rounds percentages as Kubernetes does (surge up, unavailable down)', () => {
    expect(resolveIntOrPercent('25%', 3, 'up')).toBe(1);
    expect(resolveIntOrPercent('25%', 3, 'down')).toBe(0);
    expect(resolveIntOrPercent('50%', 5, 'up')).toBe(3);
    expect(resolveIntOrPercent(2, 5, 'down')).toBe(2);
  });
});
