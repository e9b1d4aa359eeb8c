import { describe, expect, it } from 'vitest';
import { REDACTED, isSensitiveKey, redactObject } from './redact-object.js';
import { createRedactor } from './redactor.js';

describe('isSensitiveKey', () => {
  it('matches credential-like keys in any casing style', () => {
    for (const key of [
      'password',
      'DB_PASSWORD',
      'dbPassword',
      'db-password',
      'token',
      'GITHUB_TOKEN',
      'clientSecret',
      'AWS_SECRET_ACCESS_KEY',
      'apiKey',
      'APIKey',
      'apikey',
      'key',
      'signing_key',
      'Authorization',
      'credentials',
    ]) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
  });

  it('leaves ordinary keys alone', () => {
    for (const key of ['name', 'keyId', 'keys', 'revision', 'publicKey', 'author', 'updatedAt', 'monkeys']) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });
});

describe('redactObject', () => {
  it('masks values under sensitive keys whatever they are, and walks everything else', () => {
    const input = {
      service: 'orders',
      env: { DB_PASSWORD: 'x', PORT: 8080, DEBUG: true },
      token: 12345,
      tokens: ['a', 'b'],
      secrets: [{ name: 'db', revision: 3 }],
      password: null,
    };
    expect(redactObject(input)).toEqual({
      service: 'orders',
      env: { DB_PASSWORD: REDACTED, PORT: 8080, DEBUG: true },
      token: REDACTED,
      tokens: [REDACTED, REDACTED],
      secrets: [{ name: 'db', revision: 3 }],
      password: null,
    });
    // The input is not changed.
    expect(input.env.DB_PASSWORD).toBe('x');
  });

  it('masks known values in every string with a redactor', () => {
    const redactor = createRedactor([{ name: 'db/password', value: 'S3cr3t-pass' }]);
    expect(
      redactObject(
        { command: ['node', '--pw=S3cr3t-pass'], note: 'url postgres://u:S3cr3t-pass@h' },
        { redactor },
      ),
    ).toEqual({
      command: ['node', '--pw=[REDACTED:db/password]'],
      note: 'url postgres://u:[REDACTED:db/password]@h',
    });
  });

  it('follows JSON: toJSON honoured, functions dropped, cycles cut', () => {
    const cyclic: Record<string, unknown> = {
      name: 'loop',
      when: new Date('2025-01-01T00:00:00.000Z'),
      fn: () => 1,
    };
    cyclic.self = cyclic;
    expect(redactObject(cyclic)).toEqual({
      name: 'loop',
      when: '2025-01-01T00:00:00.000Z',
      self: '[Circular]',
    });
  });

  it('takes a custom rule for sensitive keys', () => {
    expect(redactObject({ pin: '1234', password: 'x' }, { isSensitiveKey: (key) => key === 'pin' })).toEqual({
      pin: REDACTED,
      password: 'x',
    });
  });
});
