import { describe, expect, it } from 'vitest';
import { DetectorSnapshotError } from '../detector.js';
import { discordDetector } from '../discord/index.js';
import { iforestDetector } from '../iforest/index.js';
import { detectorProperties } from '../iforest/testing/properties.js';
import { CalibratedDetector, calibratedFactory, type CalibratedCore } from './calibrated-detector.js';
import { suppressEcho } from './echo.js';
import { emptySurprise, normalCdf, surprise } from './surprise.js';

describe('calibration helpers', () => {
  it('normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });
  it('reports a score only when it is a new high among the recent ones', () => {
    const recent: number[] = [];
    expect([0.5, 0.9, 0.8, 0.95, 0.1, 0.1, 0.1, 0.2].map((s) => suppressEcho(recent, s, 3))).toEqual([
      0.5, 0.9, 0, 0.95, 0, 0, 0, 0.2,
    ]);
  });
  it('scores nothing during the warm-up, then a far distance near 1 and a usual one 0', () => {
    const params = { memory: 100, recent: 1, warmup: 50 };
    const state = emptySurprise();
    const warm = Array.from({ length: 50 }, (_, i) => surprise(state, 1 + 0.1 * Math.sin(i), params));
    expect(warm.every((s) => s === 0)).toBe(true);
    expect(surprise(state, 1, params)).toBe(0);
    expect(surprise(state, 5, params)).toBeGreaterThan(0.99);
  });
});

interface ToyParams {
  readonly memory: number;
  readonly recent: number;
  readonly warmup: number;
  readonly span: number;
}

interface ToyState {
  last: number[];
}

/** A toy core: the distance of each value from the mean of the previous three. */
const toyCore: CalibratedCore<ToyParams, ToyState> = {
  stateKey: 'toy',
  version: 3,
  empty: () => ({ last: [] }),
  open: (_params, state) => {
    if (state.last.length > 3) throw new RangeError('too long');
    return {
      state,
      push(value) {
        const { last } = state;
        const d = last.length < 3 ? undefined : Math.abs(value - (last[0]! + last[1]! + last[2]!) / 3);
        last.push(value);
        if (last.length > 3) last.shift();
        return d;
      },
    };
  },
  parse: (raw, _params, check) => ({ last: check.numbers(check.object(raw, 'toy').last, 'last') }),
  echoSpan: (params) => params.span,
};

const toyParams: ToyParams = { memory: 50, recent: 2, warmup: 5, span: 4 };
const toy = calibratedFactory('toy', toyParams, toyCore);

describe('calibrated detector', () => {
  it('snapshots the core state first, then the common fields, with the core version', () => {
    const d = toy.create();
    for (let i = 0; i < 30; i++) d.update(i, i % 7);
    const snap = d.snapshot();
    expect(snap.detector).toBe('toy');
    expect(snap.version).toBe(3);
    expect(Object.keys(snap.state as object)).toEqual([
      'toy',
      'calibration',
      'lastScores',
      'points',
      'skipped',
    ]);
    expect((snap.state as { lastScores: number[] }).lastScores).toHaveLength(4);
  });

  it('folds −0 into 0 before the core sees it', () => {
    const d = toy.create();
    d.update(0, -0);
    expect(Object.is((d.snapshot().state as { toy: ToyState }).toy.last[0], 0)).toBe(true);
  });

  it('scores a jump after a steady run and nothing while the core cannot tell', () => {
    const d = toy.create();
    const scores = [1, 1, 1, ...Array.from({ length: 20 }, (_, i) => 1 + 0.01 * (i % 3)), 9].map((v, i) =>
      d.update(i, v),
    );
    expect(scores.slice(0, 3)).toEqual([0, 0, 0]);
    expect(scores.at(-1)).toBeGreaterThan(0.9);
  });

  it('wraps a core that refuses its state, and refuses bad common fields', () => {
    const snap = toy.create().snapshot();
    const state = snap.state as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>): unknown => ({ ...snap, state: { ...state, ...patch } });
    expect(() => toy.restore(bad({ toy: { last: [1, 2, 3, 4] } }) as typeof snap)).toThrow(
      new DetectorSnapshotError('toy snapshot: too long'),
    );
    for (const patch of [
      { toy: { last: [NaN] } },
      { calibration: { n: -1, mean: 0, variance: 0, recent: [] } },
      { calibration: { n: 1.5, mean: 0, variance: 0, recent: [] } },
      { lastScores: 'x' },
      { skipped: 0.5 },
    ])
      expect(() => toy.restore(bad(patch) as typeof snap)).toThrow(DetectorSnapshotError);
    expect(CalibratedDetector.restore('toy', toyParams, toyCore, snap).stats()).toEqual({
      points: 0,
      skipped: 0,
    });
  });

  detectorProperties(toy, 200, 25);
});

describe('the detectors built on it', () => {
  // Saved states must stay valid: the snapshot layout (field order included, so the JSON is unchanged) and
  // version 1 of the detectors from before the wrapper was shared.
  const layouts = [
    { factory: discordDetector, key: 'profile', fields: ['offset', 'values', 'dots', 'sinceRecentre'] },
    {
      factory: iforestDetector,
      key: 'forest',
      fields: ['values', 'pushed', 'builtAt', 'rngBefore', 'rngAfter'],
    },
  ];
  for (const { factory, key, fields } of layouts)
    it(`${factory.name} keeps its version-1 snapshot layout through a restore`, () => {
      const d = factory.create();
      for (let i = 0; i < 800; i++) d.update(i, Math.sin(i / 7));
      const snap = factory.restore(JSON.parse(JSON.stringify(d.snapshot()))).snapshot();
      expect(snap.version).toBe(1);
      const state = snap.state as Record<string, object>;
      expect(Object.keys(state)).toEqual([key, 'calibration', 'lastScores', 'points', 'skipped']);
      expect(Object.keys(state[key]!)).toEqual(fields);
      expect(Object.keys(state.calibration!)).toEqual(['n', 'mean', 'variance', 'recent']);
    });
});
