import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from './password.js';

// Cheap parameters: the format and the checks are what is tested, not the cost.
const hasher = createPasswordHasher({ logN: 10, r: 8, p: 1 });

describe('password hasher', () => {
  it('hashes with a random salt and the parameters in the encoding, and verifies', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify('correct horse battery staple', a)).toBe(true);
    expect(await hasher.verify('correct horse battery stapl', a)).toBe(false);
    expect(await hasher.verify('', a)).toBe(false);
    expect(a).not.toContain('correct');
  });

  it('verifies hashes made with other parameters, and says they need a re-hash', async () => {
    const old = createPasswordHasher({ logN: 11, r: 4, p: 2 });
    const encoded = await old.hash('an older password');
    expect(await hasher.verify('an older password', encoded)).toBe(true);
    expect(hasher.needsRehash(encoded)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('x'.repeat(10)))).toBe(false);
  });

  it('treats unicode forms alike (NFC)', async () => {
    const composed = 'caf\u00e9-password';
    const decomposed = 'cafe\u0301-password';
    expect(await hasher.verify(decomposed, await hasher.hash(composed))).toBe(true);
  });

  it('answers false, never throws, for malformed or out-of-bounds hashes', async () => {
    const good = await hasher.hash('some password');
    for (const encoded of [
      '',
      'plain',
      good.replace('scrypt', 'bcrypt'),
      good.replace('ln=10', 'ln=30'),
      good.replace('ln=10', 'ln=5'),
      good.replace('r=8', 'r=99'),
      `${good}$extra`,
    ]) {
      expect(await hasher.verify('some password', encoded), encoded).toBe(false);
      expect(hasher.needsRehash(encoded)).toBe(true);
    }
  });

  it('verifyNothing does a verification and is always false', async () => {
    expect(await hasher.verifyNothing('anything at all')).toBe(false);
    expect(await hasher.verifyNothing('')).toBe(false);
  });

  it('refuses parameters out of bounds', () => {
    expect(() => createPasswordHasher({ logN: 9, r: 8, p: 1 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ logN: 15, r: 0, p: 1 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ logN: 15.5, r: 8, p: 1 })).toThrow(RangeError);
  });
});
