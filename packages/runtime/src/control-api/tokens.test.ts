import { describe, expect, it } from 'vitest';
import { newToken, TokenStore } from './tokens.js';

describe('newToken', () => {
  it('makes 256-bit base64url tokens, different every time', () => {
    const tokens = Array.from({ length: 50 }, () => newToken());
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

describe('TokenStore.roleOf', () => {
  const admin = newToken();
  const viewer = newToken();
  const discovery = newToken();
  const store = new TokenStore();
  store.add(admin, 'admin');
  store.add(viewer, 'viewer');
  store.add(discovery, 'discovery');

  it('maps each bearer token to its role', () => {
    expect(store.roleOf(`Bearer ${admin}`)).toBe('admin');
    expect(store.roleOf(`Bearer ${viewer}`)).toBe('viewer');
    expect(store.roleOf(`Bearer ${discovery}`)).toBe('discovery');
  });

  it.each<[string, string | undefined]>([
    ['no header', undefined],
    ['an empty header', ''],
    ['a scheme without token', 'Bearer '],
    ['another scheme', `Basic ${admin}`],
    ['a lowercase scheme', `bearer ${admin}`],
    ['the bare token', admin],
    ['an unknown token of the same length', `Bearer ${newToken()}`],
    ['a prefix of a token', `Bearer ${admin.slice(0, 42)}`],
    ['a token with a suffix', `Bearer ${admin}x`],
    ['a token followed by a space', `Bearer ${admin} `],
    ['two tokens', `Bearer ${viewer} ${admin}`],
    ['characters outside base64url', `Bearer ${admin.slice(0, 42)}=`],
  ])('gives no role for %s', (_name, header) => {
    expect(store.roleOf(header)).toBeUndefined();
  });

  it('never accepts tokens shorter than 16 characters, even if added', () => {
    const weak = new TokenStore();
    weak.add('short-token', 'admin');
    expect(weak.roleOf('Bearer short-token')).toBeUndefined();
  });

  it('gives no role with an empty store', () => {
    expect(new TokenStore().roleOf(`Bearer ${admin}`)).toBeUndefined();
  });
});
