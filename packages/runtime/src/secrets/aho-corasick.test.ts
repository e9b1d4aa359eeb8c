import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick } from './aho-corasick.js';

/** Every occurrence, found the slow way. */
function naive(patterns: string[], text: string): string[] {
  const found: string[] = [];
  patterns.forEach((pattern, index) => {
    if (pattern === '' || patterns.indexOf(pattern) !== index) return;
    for (let start = text.indexOf(pattern); start !== -1; start = text.indexOf(pattern, start + 1)) {
      found.push(`${start}:${start + pattern.length}:${index}`);
    }
  });
  return found.sort();
}

const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 5 });

describe('AhoCorasick', () => {
  it('finds overlapping and nested occurrences', () => {
    const matcher = new AhoCorasick(['he', 'she', 'his', 'hers']);
    const found: string[] = [];
    matcher.search('ushers', (start, end, pattern) => found.push(`${start}:${end}:${pattern}`));
    expect(found.sort()).toEqual(['1:4:1', '2:4:0', '2:6:3']);
  });

  it('finds exactly what a naive search finds', () => {
    fc.assert(
      fc.property(
        fc.array(small, { maxLength: 6 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 30 }),
        (patterns, text) => {
          const found: string[] = [];
          new AhoCorasick(patterns).search(text, (start, end, pattern) =>
            found.push(`${start}:${end}:${pattern}`),
          );
          expect(found.sort()).toEqual(naive(patterns, text));
        },
      ),
    );
  });

  it('measures the longest suffix of a text that starts a pattern', () => {
    fc.assert(
      fc.property(fc.array(small, { maxLength: 6 }), small, (patterns, text) => {
        let expected = 0;
        for (let length = 1; length <= text.length; length++) {
          const suffix = text.slice(text.length - length);
          if (patterns.some((pattern) => pattern.startsWith(suffix))) expected = length;
        }
        expect(new AhoCorasick(patterns).overlapAtEnd(text)).toBe(expected);
      }),
    );
  });

  it('tells whether any pattern occurs', () => {
    const matcher = new AhoCorasick(['abc', 'xyz']);
    expect(matcher.occursIn('--xyz--')).toBe(true);
    expect(matcher.occursIn('ab-xy')).toBe(false);
    expect(new AhoCorasick([]).occursIn('anything')).toBe(false);
  });
});
