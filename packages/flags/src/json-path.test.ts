import { describe, expect, it } from 'vitest';
import { formatPath, pointerToSegments } from './json-path.js';

describe('formatPath', () => {
  it('writes plain keys dotted, indices in brackets and odd keys quoted', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['flags', 'new-checkout', 'targeting', 'if', 0])).toBe(
      'flags.new-checkout.targeting.if[0]',
    );
    expect(formatPath(['flags', 'a.b', 'variants', ''])).toBe('flags["a.b"].variants[""]');
  });
});

describe('pointerToSegments', () => {
  it('tells array indices from numeric object keys and unescapes ~0 ~1', () => {
    const root = { flags: { '0': { targeting: { if: [{ 'a/b~': 1 }] } } } };
    expect(pointerToSegments('/flags/0/targeting/if/0/a~1b~0', root)).toEqual([
      'flags',
      '0',
      'targeting',
      'if',
      0,
      'a/b~',
    ]);
    expect(pointerToSegments('', root)).toEqual([]);
  });
});
