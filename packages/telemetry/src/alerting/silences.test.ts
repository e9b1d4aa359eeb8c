import { describe, expect, it } from 'vitest';
import {
  SilenceError,
  SilenceExpiredError,
  SilenceNotFoundError,
  createSilenceStore,
  type StoredSilence,
} from './silences.js';

const HOUR = 3_600_000;

function store(start = 1_000_000) {
  let now = start;
  let n = 0;
  const silences = createSilenceStore({ now: () => now, newId: () => `s${++n}` });
  return { silences, at: (t: number) => (now = t) };
}

const page = { name: 'severity', type: '=' as const, value: 'page' };

describe('silences', () => {
  it('mutes matching alerts only while active, and lists newest first', () => {
    const { silences, at } = store();
    const later = silences.create({
      matchers: [page],
      startsAtMs: 1_000_000 + HOUR,
      endsAtMs: 1_000_000 + 2 * HOUR,
      createdBy: 'ana',
      comment: 'maintenance',
    });
    at(1_000_001);
    const now = silences.create({
      matchers: [page, { name: 'service', type: '=~', value: 'check.*' }],
      endsAtMs: 1_000_000 + HOUR,
      createdBy: 'bo',
      comment: 'deploy',
    });
    expect([later.state, now.state]).toEqual(['pending', 'active']);
    expect(silences.list().map((s) => s.id)).toEqual(['s2', 's1']);
    expect(silences.mutedBy({ severity: 'page', service: 'checkout' })).toEqual(['s2']);
    expect(silences.mutedBy({ severity: 'page', service: 'orders' })).toEqual([]);
    expect(silences.mutedBy({ severity: 'ticket', service: 'checkout' })).toEqual([]);
    at(1_000_000 + HOUR + 1);
    expect(silences.mutedBy({ severity: 'page', service: 'orders' })).toEqual(['s1']);
    expect(silences.get('s2')?.state).toBe('expired');
  });

  it('expires active and pending silences now, and refuses to expire twice', () => {
    const { silences, at } = store();
    const active = silences.create({
      matchers: [page],
      endsAtMs: 1_000_000 + HOUR,
      createdBy: 'a',
      comment: 'c',
    });
    const pending = silences.create({
      matchers: [page],
      startsAtMs: 1_000_000 + HOUR,
      endsAtMs: 1_000_000 + 2 * HOUR,
      createdBy: 'a',
      comment: 'c',
    });
    at(1_000_500);
    expect(silences.expire(active.id)).toMatchObject({ state: 'expired', endsAtMs: 1_000_500 });
    expect(silences.expire(pending.id)).toMatchObject({
      state: 'expired',
      startsAtMs: 1_000_500,
      endsAtMs: 1_000_500,
    });
    expect(() => silences.expire(active.id)).toThrow(SilenceError);
    expect(() => silences.expire('nope')).toThrow(SilenceError);
    expect(silences.mutedBy({ severity: 'page' })).toEqual([]);
  });

  it('refuses silences Alertmanager refuses', () => {
    const { silences } = store();
    const base = { endsAtMs: 1_000_000 + HOUR, createdBy: 'a', comment: 'c' };
    expect(() => silences.create({ ...base, matchers: [] })).toThrow('at least one matcher');
    expect(() => silences.create({ ...base, matchers: [{ name: 'a', type: '=~', value: '.*' }] })).toThrow(
      'empty string',
    );
    expect(() => silences.create({ ...base, matchers: [page], endsAtMs: 999_999 })).toThrow(SilenceError);
    expect(() => silences.create({ ...base, matchers: [page], createdBy: ' ' })).toThrow('createdBy');
    expect(() => silences.create({ ...base, matchers: [page], comment: '' })).toThrow('comment');
  });

  it('refuses a matcher with a bad regular expression', () => {
    const { silences } = store();
    expect(() =>
      silences.create({
        matchers: [{ name: 'a', type: '=~', value: '(' }],
        endsAtMs: 1_000_000 + HOUR,
        createdBy: 'a',
        comment: 'c',
      }),
    ).toThrow(/bad regular expression/);
  });

  it('updates as Alertmanager: in place when allowed, else expires the old one and creates a new one', () => {
    const { silences, at } = store();
    const base = { matchers: [page], endsAtMs: 1_000_000 + HOUR, createdBy: 'a', comment: 'c' };
    const first = silences.create(base);
    at(1_000_100);
    // Same matchers and start, later end: the same silence, changed.
    const longer = silences.update(first.id, {
      ...base,
      startsAtMs: first.startsAtMs,
      endsAtMs: 1_000_000 + 2 * HOUR,
    });
    expect(longer).toMatchObject({
      id: 's1',
      state: 'active',
      endsAtMs: 1_000_000 + 2 * HOUR,
      updatedAtMs: 1_000_100,
    });
    // Other matchers: a new silence, and the old one expired now.
    const other = silences.update(first.id, {
      ...base,
      matchers: [{ name: 'severity', type: '=', value: 'ticket' }],
    });
    expect(other.id).toBe('s2');
    expect(silences.get('s1')).toMatchObject({ state: 'expired', endsAtMs: 1_000_100 });
    // An expired silence is never changed in place.
    const revived = silences.update('s1', base);
    expect(revived.id).toBe('s3');
    expect(() => silences.update('nope', base)).toThrow(SilenceNotFoundError);
    expect(() => silences.expire('s1')).toThrow(SilenceExpiredError);
  });

  it('reports every change, keeps the store unchanged when that fails, and drops silences past the retention', () => {
    let now = 1_000_000;
    const snapshots: string[][] = [];
    let failing = false;
    const old: StoredSilence = {
      id: 'old',
      matchers: [page],
      startsAtMs: 0,
      endsAtMs: 1_000,
      createdBy: 'a',
      comment: 'c',
      updatedAtMs: 1_000,
    };
    const silences = createSilenceStore({
      now: () => now,
      newId: () => `n${now}`,
      retentionMs: 500_000,
      initial: [old, { ...old, id: 'recent', endsAtMs: 900_000 }],
      onChange: (all) => {
        if (failing) throw new Error('disk full');
        snapshots.push(all.map((s) => s.id));
      },
    });
    expect(silences.list().map((s) => s.id)).toEqual(['recent']);
    const base = { matchers: [page], endsAtMs: now + HOUR, createdBy: 'a', comment: 'c' };
    silences.create(base);
    expect(snapshots).toEqual([['recent', 'n1000000']]);
    failing = true;
    now += 1;
    expect(() => silences.create(base)).toThrow('disk full');
    expect(() => silences.expire('n1000000')).toThrow('disk full');
    expect(silences.list().map((s) => [s.id, s.state])).toEqual([
      ['n1000000', 'active'],
      ['recent', 'expired'],
    ]);
    failing = false;
    now = 900_000 + 500_001 + 1;
    silences.create({ ...base, endsAtMs: now + HOUR });
    expect(snapshots.at(-1)).toEqual(['n1000000', `n${now}`]);
  });
});
