import { describe, expect, it } from 'vitest';
import { buildSpanTree, type TreeSpan } from './span-tree.js';

const span = (spanId: string, startMs: number, durationMs: number, parentSpanId?: string): TreeSpan => ({
  spanId,
  startMs,
  durationMs,
  ...(parentSpanId === undefined ? {} : { parentSpanId }),
});

const shape = (spans: TreeSpan[]) =>
  buildSpanTree(spans).rows.map((r) => `${'  '.repeat(r.depth)}${r.span.spanId}@${r.offsetMs}`);

describe('buildSpanTree', () => {
  it('puts children under their parent in start order, offsets from the earliest span', () => {
    const tree = buildSpanTree([
      span('c2', 1030, 10, 'root'),
      span('root', 1000, 100),
      span('g1', 1012, 5, 'c1'),
      span('c1', 1010, 15, 'root'),
    ]);
    expect(tree.rows.map((r) => [r.span.spanId, r.depth, r.offsetMs])).toEqual([
      ['root', 0, 0],
      ['c1', 1, 10],
      ['g1', 2, 12],
      ['c2', 1, 30],
    ]);
    expect(tree.startMs).toBe(1000);
    expect(tree.durationMs).toBe(100);
    expect(tree.rows.every((r) => !r.orphan && !r.skewed)).toBe(true);
  });

  it('shows a span whose parent is missing as an orphan root, with its own children', () => {
    const tree = buildSpanTree([
      span('root', 0, 50),
      span('lost', 20, 10, 'gone'),
      span('kid', 22, 2, 'lost'),
    ]);
    expect(shape([span('root', 0, 50), span('lost', 20, 10, 'gone'), span('kid', 22, 2, 'lost')])).toEqual([
      'root@0',
      'lost@20',
      '  kid@22',
    ]);
    expect(tree.rows.find((r) => r.span.spanId === 'lost')?.orphan).toBe(true);
    expect(tree.rows.find((r) => r.span.spanId === 'kid')?.orphan).toBe(false);
  });

  it('flags clock skew: a child starting before, or ending after, its parent', () => {
    const tree = buildSpanTree([span('p', 100, 20), span('early', 90, 5, 'p'), span('late', 110, 30, 'p')]);
    const skewed = Object.fromEntries(tree.rows.map((r) => [r.span.spanId, r.skewed]));
    expect(skewed).toEqual({ p: false, early: true, late: true });
    // Offsets stay relative to the earliest start, so the early child is not drawn at a negative offset.
    expect(tree.rows.find((r) => r.span.spanId === 'early')?.offsetMs).toBe(0);
    expect(tree.durationMs).toBe(50);
  });

  it('survives duplicates, self-parents, cycles, bad numbers and an empty trace', () => {
    expect(buildSpanTree([]).rows).toEqual([]);
    const tree = buildSpanTree([
      span('a', 0, 10, 'b'),
      span('b', 1, 10, 'a'),
      span('self', 2, 1, 'self'),
      span('self', 3, 1),
      span('nan', Number.NaN, -5),
    ]);
    expect(tree.rows.map((r) => r.span.spanId).sort()).toEqual(['a', 'b', 'nan', 'self']);
    expect(tree.rows.find((r) => r.span.spanId === 'nan')?.durationMs).toBe(0);
    expect(tree.rows.find((r) => r.span.spanId === 'self')?.offsetMs).toBe(2);
    expect(tree.rows.find((r) => r.span.spanId === 'a')?.orphan).toBe(false);
  });
});
