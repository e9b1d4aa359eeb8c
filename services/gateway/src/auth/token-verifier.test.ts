import { createManualClock } from '@opsloop/kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenIssuer, type TokenIssuer } from '../../test/support.js';
import { createJwksSource } from './jwks-source.js';
import { createTokenVerifier } from './token-verifier.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

let issuer: TokenIssuer;
beforeAll(async () => {
  issuer = await createTokenIssuer();
});

/** A verifier whose key set comes from `issuer` through a counted (and breakable) fetch. */
function setup(options: { cooldownMs?: number; cacheTtlMs?: number } = {}) {
  const clock = createManualClock(NOW);
  const fetches = { count: 0, fail: false, hang: false };
  const keys = createJwksSource({
    clock,
    refetchCooldownMs: options.cooldownMs ?? 5_000,
    fetchTimeoutMs: 1_000,
    fetchJwks: async (signal) => {
      fetches.count += 1;
      if (fetches.hang) {
        await new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('fetch aborted'))),
        );
      }
      if (fetches.fail) throw new Error('users service down');
      return issuer.jwks();
    },
  });
  const verifier = createTokenVerifier({
    keys,
    issuer: 'opsloop-shop',
    audience: 'opsloop-shop',
    clock,
    clockToleranceSeconds: 5,
    cacheSize: 100,
    cacheTtlMs: options.cacheTtlMs ?? 60_000,
  });
  return { clock, fetches, keys, verifier };
}

describe('token verification', () => {
  it('accepts a valid token, fetching the key set once, and remembers it', async () => {
    const { verifier, fetches } = setup();
    const token = await issuer.sign({ sub: 'user-42' }, NOW);
    expect(verifier.cached(token)).toBeUndefined();
    expect(await verifier.verify(token, true)).toEqual({ ok: true, userId: 'user-42' });
    expect(await verifier.verify(await issuer.sign({ sub: 'user-43' }, NOW), true)).toMatchObject({
      ok: true,
    });
    expect(fetches.count).toBe(1);
    expect(verifier.cached(token)).toEqual({ ok: true, userId: 'user-42' });
  });

  it('forgets a remembered token when it expires or the cache TTL passes', async () => {
    const { verifier, clock } = setup({ cacheTtlMs: 60_000 });
    const shortLived = await issuer.sign({ exp: NOW / 1000 + 30 }, NOW);
    const longLived = await issuer.sign({}, NOW);
    await verifier.verify(shortLived, true);
    await verifier.verify(longLived, true);
    clock.advance(30_000);
    expect(verifier.cached(shortLived)).toBeUndefined();
    expect(verifier.cached(longLived)).toBeDefined();
    clock.advance(30_000);
    expect(verifier.cached(longLived)).toBeUndefined();
  });

  it.each([
    ['expired', { exp: NOW / 1000 - 60 }, 'expired'],
    ['not yet valid', { nbf: NOW / 1000 + 600 }, 'invalid'],
    ['another issuer', { iss: 'someone-else' }, 'invalid'],
    ['another audience', { aud: 'other-app' }, 'invalid'],
    ['signed with another key under the same kid', { foreignKey: true }, 'invalid'],
    ['an unusable subject', { sub: 'has space' }, 'invalid'],
  ] as const)('refuses a token %s', async (_what, claims, failure) => {
    const { verifier } = setup();
    const token = await issuer.sign(claims, NOW);
    const result = await verifier.verify(token, true);
    expect(result).toMatchObject({ ok: false, failure });
    expect(verifier.cached(token)).toBeUndefined();
  });

  it('tolerates a few seconds of clock skew', async () => {
    const { verifier } = setup();
    expect(await verifier.verify(await issuer.sign({ exp: NOW / 1000 - 3 }, NOW), true)).toMatchObject({
      ok: true,
    });
  });

  it.each([
    ['not a JWT', 'abc'],
    ['two parts', 'a.b'],
    ['non-base64url characters', 'a.b.c$'],
    ['too long', `${'a'.repeat(9000)}.b.c`],
  ])('refuses %s as malformed without fetching keys', async (_what, token) => {
    const { verifier, fetches } = setup();
    expect(await verifier.verify(token, true)).toMatchObject({ ok: false, failure: 'malformed' });
    expect(fetches.count).toBe(0);
  });

  it('refuses an unsigned token (alg none) and a garbage one', async () => {
    const { verifier } = setup();
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: issuer.kid })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'x', iss: 'opsloop-shop', aud: 'opsloop-shop', exp: NOW / 1000 + 60 }),
    ).toString('base64url');
    expect(await verifier.verify(`${header}.${payload}.AAAA`, true)).toMatchObject({ failure: 'invalid' });
    expect(await verifier.verify('eyJhbGciOiJFZERTQSJ9.e30.AAAA', true)).toMatchObject({
      failure: 'invalid',
    });
    expect(await verifier.verify('a.b.c', true)).toMatchObject({ failure: 'invalid' });
  });

  it('refetches the key set on an unknown kid (rotation), at most once per cooldown', async () => {
    const { verifier, fetches, clock } = setup({ cooldownMs: 5_000 });
    await verifier.verify(await issuer.sign({}, NOW), true);
    expect(fetches.count).toBe(1);
    const before = issuer.jwks();
    await issuer.rotate();
    clock.advance(5_000);
    const rotated = await issuer.sign({}, NOW);
    expect(await verifier.verify(rotated, true)).toMatchObject({ ok: true });
    expect(fetches.count).toBe(2);
    // Made-up kids within the cooldown do not reach the users service.
    for (let i = 0; i < 5; i++) {
      const result = await verifier.verify(await issuer.sign({ kid: `bogus-${i}` }, NOW), true);
      expect(result).toMatchObject({ ok: false, failure: 'invalid' });
    }
    expect(fetches.count).toBe(2);
    clock.advance(5_000);
    await verifier.verify(await issuer.sign({ kid: 'bogus-again' }, NOW), true);
    expect(fetches.count).toBe(3);
    expect(before.keys[0]?.kid).not.toBe(issuer.kid);
  });

  it('shares one fetch between concurrent first verifications', async () => {
    const { verifier, fetches } = setup();
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) => issuer.sign({ sub: `u${i}` }, NOW)),
    );
    const results = await Promise.all(tokens.map((t) => verifier.verify(t, true)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fetches.count).toBe(1);
  });

  it('says keys-unavailable while no key set could be fetched, retrying every 250 ms until one loads', async () => {
    const { verifier, fetches, clock, keys } = setup({ cooldownMs: 5_000 });
    fetches.fail = true;
    const token = await issuer.sign({}, NOW);
    expect(await verifier.verify(token, true)).toMatchObject({ ok: false, failure: 'keys-unavailable' });
    expect(await verifier.verify(token, true)).toMatchObject({ ok: false, failure: 'keys-unavailable' });
    expect(fetches.count).toBe(1);
    clock.advance(250);
    expect(await verifier.verify(token, true)).toMatchObject({ ok: false, failure: 'keys-unavailable' });
    expect(fetches.count).toBe(2);
    fetches.fail = false;
    clock.advance(250);
    expect(await verifier.verify(token, true)).toMatchObject({ ok: true });
    expect(fetches.count).toBe(3);
    expect(keys.loaded()).toBe(true);
  });

  it('never waits for keys when it may not fetch (public routes): fails at once, fetches in the background', async () => {
    const { verifier, fetches, keys } = setup();
    fetches.hang = true;
    const token = await issuer.sign({}, NOW);
    expect(await verifier.verify(token, false)).toMatchObject({ ok: false, failure: 'keys-unavailable' });
    expect(fetches.count).toBe(1);
    expect(keys.loaded()).toBe(false);
  });

  it('keeps the last good key set when a refetch fails', async () => {
    const { verifier, fetches, clock } = setup({ cooldownMs: 0 });
    await verifier.verify(await issuer.sign({}, NOW), true);
    fetches.fail = true;
    clock.advance(1);
    expect(await verifier.verify(await issuer.sign({ kid: 'unknown' }, NOW), true)).toMatchObject({
      failure: 'invalid',
    });
    expect(await verifier.verify(await issuer.sign({ sub: 'other' }, NOW), true)).toMatchObject({ ok: true });
  });
});
