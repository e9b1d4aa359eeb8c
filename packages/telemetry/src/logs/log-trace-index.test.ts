import { describe, expect, it } from 'vitest';
import { fnv1a32, TraceIndex } from './log-trace-index.js';

describe('trace index', () => {
  it('hashes with FNV-1a', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
  });

  it('finds every record of a trace, in file order, across growth and trim', () => {
    const index = new TraceIndex();
    for (let i = 0; i < 1000; i++) index.add(`trace-${i % 7}`, { offset: i * 10, length: 10 });
    index.trim();
    const refs = index.lookup('trace-3');
    expect(refs).toHaveLength(143);
    expect(refs[0]).toEqual({ offset: 30, length: 10 });
    expect(refs.every((r, i) => i === 0 || r.offset > refs[i - 1]!.offset)).toBe(true);
    expect(index.lookup('unknown')).toEqual([]);
    expect(index.memoryBytes).toBe(12_000);
  });
});
