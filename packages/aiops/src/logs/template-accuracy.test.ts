// GA and PA as the Loghub-2.0 evaluator defines them.
import { describe, expect, it } from 'vitest';
import { templateAccuracy } from './template-accuracy.js';

describe('templateAccuracy', () => {
  it('scores grouping by exact group equality and parsing by exact strings', () => {
    const truth = ['a <*>', 'a <*>', 'b', 'c <*>', 'c <*>'];
    const predicted = ['a <*>', 'a <*>', 'b', 'c x', 'c <*>'];
    // Groups: {0,1} right, {2} right, {3} and {4} split the true group {3,4}.
    expect(templateAccuracy(truth, predicted)).toEqual({
      lines: 5,
      ga: 3 / 5,
      pa: 4 / 5,
      truthGroups: 3,
      predictedGroups: 4,
    });
  });

  it('counts a merged group as wrong for all its lines, and skips lines without truth', () => {
    const truth = ['x', 'y', ''];
    const predicted = ['<*>', '<*>', 'z'];
    expect(templateAccuracy(truth, predicted)).toMatchObject({ lines: 2, ga: 0, pa: 0 });
    // Group labels given apart from the template text.
    expect(templateAccuracy(['x', 'x'], ['t1', 't2'], ['g', 'g']).ga).toBe(1);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => templateAccuracy(['a'], [])).toThrow(RangeError);
  });
});
