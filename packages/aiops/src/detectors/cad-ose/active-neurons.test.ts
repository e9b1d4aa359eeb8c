import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActiveNeurons } from './active-neurons.js';
import { Context, LeftSemi, RightSemi, compareHashKeys } from './semi-contexts.js';

/** The original's choice: the last `max` of the contexts stably sorted by (times active, left hash, right hash). */
function reference(active: readonly Context[], max: number): number[] {
  const sorted = [...active].sort(
    (a, b) =>
      a.active - b.active ||
      compareHashKeys(a.left.hash, b.left.hash) ||
      compareHashKeys(a.right.hash, b.right.hash),
  );
  return sorted
    .slice(Math.max(0, sorted.length - max))
    .map((c) => c.id)
    .sort((a, b) => a - b);
}

/** A pool of contexts over few semi-contexts, so that hash ties between equally active contexts happen. */
function pool(size: number): Context[] {
  const lefts = Array.from({ length: 6 }, (_, i) => new LeftSemi(i, 1 << i, i % 2 === 0 ? [] : [i, i + 7]));
  const rights = Array.from({ length: 4 }, (_, i) => new RightSemi(3 << (2 * i)));
  return Array.from(
    { length: size },
    (_, id) => new Context(id, lefts[id % 6]!, rights[(id * 7) % 4]!, false),
  );
}

describe('active neurons', () => {
  it('equal the original stable sort over a run of steps (the cut guess right or wrong)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            members: fc.array(fc.nat(79), { maxLength: 70 }),
            jump: fc.option(fc.record({ at: fc.nat(79), by: fc.integer({ min: 1, max: 9 }) })),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (max, steps) => {
          const contexts = pool(80);
          const neurons = new ActiveNeurons(max);
          for (const { members, jump } of steps) {
            if (jump) contexts[jump.at]!.active += jump.by;
            // The active contexts of a step, each once, in the step's order (as selection lists them).
            const active = [...new Set(members)].map((i) => contexts[i]!);
            for (const c of active) c.active += 1;
            expect(neurons.pick(active, active.length)).toEqual(reference(active, max));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
