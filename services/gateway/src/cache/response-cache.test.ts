import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchMatches, parseCacheControl, sharedMaxAge } from './cache-control.js';
import { createResponseCache } from './response-cache.js';

function cache(options: { maxEntries?: number; maxBytes?: number; maxEntryBytes?: number } = {}) {
  const clock = createManualClock(5_000_000);
  const c = createResponseCache({
    maxEntries: options.maxEntries ?? 10,
    maxBytes: options.maxBytes ?? 1_000,
    maxEntryBytes: options.maxEntryBytes ?? 500,
    clock,
  });
  return { clock, cache: c };
}

const entry = (body: string, maxAgeMs = 10_000, etag: string | undefined = '"v1"') => ({
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=10' },
  body: Buffer.from(body),
  etag,
  maxAgeMs,
});

describe('response cache', () => {
  it('serves an entry fresh within its max-age, stale after, with its age', () => {
    const { clock, cache: c } = cache();
    expect(c.store('/a', entry('{"a":1}', 10_000))).toBe(true);
    expect(c.lookup('/a')).toMatchObject({ fresh: true, ageSeconds: 0 });
    clock.advance(9_999);
    expect(c.lookup('/a')).toMatchObject({ fresh: true, ageSeconds: 9 });
    clock.advance(1);
    expect(c.lookup('/a')).toMatchObject({ fresh: false, ageSeconds: 10 });
    expect(c.lookup('/b')).toBeUndefined();
  });

  it('makes a stale entry fresh again on revalidation, taking the 304 headers', () => {
    const { clock, cache: c } = cache();
    c.store('/a', entry('x', 1_000));
    clock.advance(2_000);
    c.revalidated('/a', 5_000, { 'cache-control': 'public, max-age=5', etag: '"v1"' });
    const found = c.lookup('/a');
    expect(found).toMatchObject({ fresh: true, ageSeconds: 0 });
    expect(found?.entry.headers['cache-control']).toBe('public, max-age=5');
    clock.advance(5_000);
    expect(c.lookup('/a')?.fresh).toBe(false);
  });

  it('bounds entries, evicting the least recently used', () => {
    const { cache: c } = cache({ maxEntries: 2 });
    c.store('/a', entry('a'));
    c.store('/b', entry('b'));
    c.lookup('/a');
    c.store('/c', entry('c'));
    expect(c.lookup('/b')).toBeUndefined();
    expect(c.lookup('/a')).toBeDefined();
    expect(c.lookup('/c')).toBeDefined();
    expect(c.stats()).toEqual({ entries: 2, bytes: 2 });
  });

  it('bounds body bytes, and refuses a body larger than an entry may be', () => {
    const { cache: c } = cache({ maxBytes: 10, maxEntryBytes: 6 });
    expect(c.store('/big', entry('x'.repeat(7)))).toBe(false);
    c.store('/a', entry('aaaaa'));
    c.store('/b', entry('bbbbb'));
    c.store('/c', entry('cc'));
    expect(c.lookup('/a')).toBeUndefined();
    expect(c.stats()).toEqual({ entries: 2, bytes: 7 });
  });

  it('replaces an entry stored again under the same key', () => {
    const { cache: c } = cache();
    c.store('/a', entry('one'));
    c.store('/a', entry('three'));
    expect(c.stats()).toEqual({ entries: 1, bytes: 5 });
    expect(c.lookup('/a')?.entry.body.toString()).toBe('three');
    c.delete('/a');
    expect(c.stats()).toEqual({ entries: 0, bytes: 0 });
  });

  it('stores nothing with maxEntries 0', () => {
    const { cache: c } = cache({ maxEntries: 0 });
    expect(c.store('/a', entry('a'))).toBe(false);
  });
});

describe('Cache-Control', () => {
  it.each([
    ['public, max-age=10', 10],
    ['max-age=10, s-maxage=30', 30],
    ['MAX-AGE="20"', 20],
    ['public, max-age=0', undefined],
    ['public', undefined],
    ['no-store, max-age=10', undefined],
    ['private, max-age=10', undefined],
    ['no-cache, max-age=10', undefined],
    ['max-age=abc', undefined],
    ['max-age=-5', undefined],
    ['', undefined],
  ])('%j → shared lifetime %s', (header, seconds) => {
    expect(sharedMaxAge(parseCacheControl(header))).toBe(seconds);
  });

  it('reads an absent header as no directives', () => {
    expect(sharedMaxAge(parseCacheControl(undefined))).toBeUndefined();
  });
});

describe('If-None-Match', () => {
  it.each([
    ['"v1"', '"v1"', true],
    ['"v0", "v1"', '"v1"', true],
    ['W/"v1"', '"v1"', true],
    ['"v1"', 'W/"v1"', true],
    ['*', '"v1"', true],
    ['"v2"', '"v1"', false],
    ['v1', '"v1"', false],
    [undefined, '"v1"', false],
    ['"v1"', undefined, false],
  ])('%j against %j → %s', (header, etag, matches) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(matches);
  });
});
