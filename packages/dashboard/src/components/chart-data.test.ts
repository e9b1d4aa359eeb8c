import { describe, expect, it } from 'vitest';
import {
  alignSeries,
  labelOfSeries,
  lastValue,
  markersIn,
  pointsOfMatrix,
  seriesOfMatrix,
  stepFor,
  withGaps,
} from './chart-data.js';

describe('alignSeries', () => {
  it('puts every series on the union of times: undefined where it has no point, null where it has a gap', () => {
    const aligned = alignSeries([
      {
        points: [
          [20, 2],
          [10, 1],
        ],
      },
      {
        points: [
          [15, 5],
          [20, Number.NaN],
          [30, 7],
        ],
      },
    ]);
    expect(aligned.xs).toEqual([10, 15, 20, 30]);
    expect(aligned.ys).toEqual([
      [1, undefined, 2, undefined],
      [undefined, 5, null, 7],
    ]);
  });

  it('gives empty columns for no series and no points', () => {
    expect(alignSeries([])).toEqual({ xs: [], ys: [] });
    expect(alignSeries([{ points: [] }])).toEqual({ xs: [], ys: [[]] });
  });
});

describe('range answers', () => {
  it('reads Prometheus values, turning NaN, Inf and junk into gaps', () => {
    expect(
      pointsOfMatrix([
        [1, '0.5'],
        [2, 'NaN'],
        [3, '+Inf'],
        [4, ''],
        [5, '3'],
      ]),
    ).toEqual([
      [1, 0.5],
      [2, null],
      [3, null],
      [4, null],
      [5, 3],
    ]);
  });

  it('breaks a line where points are missing for longer than the gap', () => {
    expect(
      withGaps(
        [
          [0, 1],
          [15, 1],
          [90, 2],
        ],
        30,
      ),
    ).toEqual([
      [0, 1],
      [15, 1],
      [30, null],
      [90, 2],
    ]);
  });

  it('labels series by what tells them apart, not by service', () => {
    expect(labelOfSeries({ service: 'cart' }, 'Traffic')).toBe('Traffic');
    expect(labelOfSeries({ __name__: 'x', service: 'cart', route: '/a' }, 'Traffic')).toBe(
      'Traffic {route=/a}',
    );
    const series = seriesOfMatrix(
      [
        {
          metric: { service: 'cart' },
          values: [
            [0, '1'],
            [100, '2'],
          ],
        },
      ],
      'Traffic',
      15,
    );
    expect(series).toEqual([
      {
        label: 'Traffic',
        points: [
          [0, 1],
          [18.75, null],
          [100, 2],
        ],
      },
    ]);
  });
});

describe('stepFor', () => {
  it('gives about 240 points for the picker ranges', () => {
    expect(stepFor(900)).toBe(4);
    expect(stepFor(3600)).toBe(15);
    expect(stepFor(6 * 3600)).toBe(90);
    expect(stepFor(24 * 3600)).toBe(360);
    expect(stepFor(10)).toBe(1);
    expect(() => stepFor(0)).toThrow(RangeError);
  });
});

describe('markers and legend values', () => {
  it('keeps the markers in range, in time order', () => {
    const markers = [
      { at: 50, label: 'b', kind: 'deploy' as const },
      { at: 5, label: 'out', kind: 'flag' as const },
      { at: 20, label: 'a', kind: 'scale' as const },
    ];
    expect(markersIn(markers, 10, 60).map((m) => m.label)).toEqual(['a', 'b']);
  });

  it('finds the last value that is not a gap', () => {
    expect(
      lastValue([
        [1, 4],
        [2, null],
      ]),
    ).toBe(4);
    expect(lastValue([[1, null]])).toBeNull();
  });
});
