import { describe, expect, it } from 'vitest';
import { assertTargetAllowed, isLoopbackUrl, RemoteTargetError } from './target.js';

describe('loopback guard', () => {
  it('accepts this machine', () => {
    for (const url of [
      'http://127.0.0.1:8080',
      'http://127.1.2.3',
      'http://localhost:3000/api',
      'http://LOCALHOST',
      'http://shop.localhost',
      'http://[::1]:8080',
      'http://[::ffff:127.0.0.1]:80',
    ])
      expect(isLoopbackUrl(url), url).toBe(true);
  });

  it('refuses everything else unless told', () => {
    for (const url of [
      'http://10.0.0.1',
      'http://128.0.0.1',
      'http://example.com',
      'http://localhost.example.com',
      'http://127.0.0.1.nip.io',
      'http://[::2]',
      'http://[::ffff:10.0.0.1]',
      'http://0.0.0.0',
      'not a url',
    ])
      expect(isLoopbackUrl(url), url).toBe(false);
    expect(() => assertTargetAllowed('http://example.com', false)).toThrow(RemoteTargetError);
    expect(() => assertTargetAllowed('http://example.com', false)).toThrow(/example\.com.*allowRemote/);
    expect(() => assertTargetAllowed('http://example.com', true)).not.toThrow();
  });
});
