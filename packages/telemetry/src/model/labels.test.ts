import { describe, expect, it } from 'vitest';
import { anchoredRegex, labelsKey, matchesAll, normalizeLabels } from './labels.js';

describe('label matchers', () => {
  it('anchors regular expressions as Prometheus does, with RE2 flag groups', () => {
    expect(anchoredRegex('a|b').test('a')).toBe(true);
    expect(anchoredRegex('a|b').test('ab')).toBe(false);
    expect(anchoredRegex('(?i)get').test('GET')).toBe(true);
    expect(anchoredRegex('.*').test('a\nb')).toBe(false);
    expect(anchoredRegex('(?s).*').test('a\nb')).toBe(true);
  });

  it('matches absent labels as the empty string', () => {
    expect(matchesAll([{ name: 'x', type: '=', value: '' }], { a: '1' })).toBe(true);
    expect(matchesAll([{ name: 'a', type: '!~', value: '1|2' }], { a: '1' })).toBe(false);
    expect(matchesAll([{ name: 'a', type: '!=', value: '2' }], { a: '1' })).toBe(true);
  });

  it('keys label sets canonically and drops empty values', () => {
    expect(labelsKey({ b: '2', a: '1', c: '' })).toBe(labelsKey({ a: '1', b: '2' }));
    expect(Object.keys(normalizeLabels({ b: '2', a: '1', c: '' }))).toEqual(['a', 'b']);
  });
});
