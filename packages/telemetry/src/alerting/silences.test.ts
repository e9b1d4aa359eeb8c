import { describe, expect, it } from 'vitest';
import { SilenceError, createSilenceStore } from './silences.js';

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
});
