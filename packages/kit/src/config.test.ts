import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, EXIT_CONFIG, loadConfig } from './config.js';

/** Runs `fn`, which must throw a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfig', () => {
  it('parses the variables it knows and coerces numbers', () => {
    const config = loadConfig(baseConfigSchema, {
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      OPSLOOP_INSTANCE: 'catalog-2',
      SERVICE_VERSION: '1.2.3',
      BODY_LIMIT_BYTES: '2048',
      SHUTDOWN_TIMEOUT_MS: '250',
      OPSLOOP_DISCOVERY_URL: 'http://127.0.0.1:7000',
      OPSLOOP_DISCOVERY_TOKEN: 'a'.repeat(32),
    });
    expect(config).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      OPSLOOP_INSTANCE: 'catalog-2',
      SERVICE_VERSION: '1.2.3',
      BODY_LIMIT_BYTES: 2048,
      SHUTDOWN_TIMEOUT_MS: 250,
      OPSLOOP_DISCOVERY_URL: 'http://127.0.0.1:7000',
      OPSLOOP_DISCOVERY_TOKEN: 'a'.repeat(32),
    });
  });

  it('applies defaults for unset variables and ignores unknown ones', () => {
    const config = loadConfig(baseConfigSchema, { PATH: '/usr/bin', HOME: '/root' });
    expect(config).toEqual({
      PORT: 0,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1024 * 1024,
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
    expect(config).not.toHaveProperty('PATH');
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig(baseConfigSchema, { PORT: '', HOST: '', OPSLOOP_DISCOVERY_TOKEN: '' });
    expect(config.PORT).toBe(0);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.OPSLOOP_DISCOVERY_TOKEN).toBeUndefined();
  });

  it('accepts the port range bounds', () => {
    expect(loadConfig(baseConfigSchema, { PORT: '0' }).PORT).toBe(0);
    expect(loadConfig(baseConfigSchema, { PORT: '65535' }).PORT).toBe(65535);
  });

  it.each(['abc', '70000', '-1', '80.5', '65536'])('rejects PORT=%s with a problem naming PORT', (port) => {
    const error = configError(() => loadConfig(baseConfigSchema, { PORT: port }));
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^PORT: /);
    expect(error.problems[0]).toContain('expected a port number 0-65535');
    expect(error.problems[0]).toContain(`(got "${port}")`);
    expect(error.message).toContain('PORT');
  });

  it('names every invalid variable at once', () => {
    const error = configError(() =>
      loadConfig(baseConfigSchema, { PORT: 'abc', LOG_LEVEL: 'loud', BODY_LIMIT_BYTES: '0', HOST: 'ok' }),
    );
    const names = error.problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['BODY_LIMIT_BYTES', 'LOG_LEVEL', 'PORT']);
    expect(error.message).toBe(`invalid configuration: ${error.problems.join('; ')}`);
  });

  it('says "required" for a missing variable of an extended schema', () => {
    const schema = baseConfigSchema.extend({ DATABASE_URL: z.string(), POOL_SIZE: z.coerce.number().int() });
    const error = configError(() => loadConfig(schema, { PORT: '3000' }));
    expect(error.problems).toContain('DATABASE_URL: required (not set)');
    expect(error.problems).toContain('POOL_SIZE: required (not set)');
  });

  it('returns the extended variables with the base ones', () => {
    const schema = baseConfigSchema.extend({ DATABASE_URL: z.string() });
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://db/x' });
    expect(config.DATABASE_URL).toBe('postgres://db/x');
    expect(config.PORT).toBe(0);
  });

  it('shortens long values it echoes', () => {
    const value = 'verbose-but-very-long-level-name';
    const error = configError(() => loadConfig(baseConfigSchema, { LOG_LEVEL: value }));
    expect(error.problems[0]).toMatch(/^LOG_LEVEL: /);
    expect(error.problems[0]).toContain('(got "verbose-…")');
    expect(error.message).not.toContain(value);
  });

  it('never echoes token-like values', () => {
    const secret = 'hunter2-short';
    const error = configError(() =>
      loadConfig(baseConfigSchema, { OPSLOOP_DISCOVERY_TOKEN: secret, OPSLOOP_DISCOVERY_URL: 'not a url' }),
    );
    const token = error.problems.find((p) => p.startsWith('OPSLOOP_DISCOVERY_TOKEN:'));
    expect(token).toBe('OPSLOOP_DISCOVERY_TOKEN: expected a token of at least 16 characters (value hidden)');
    expect(error.problems.some((p) => p.startsWith('OPSLOOP_DISCOVERY_URL:'))).toBe(true);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('hunter');
    expect(JSON.stringify(error.problems)).not.toContain('hunter');
  });

  it.each(['API_SECRET', 'DB_PASSWORD', 'SIGNING_KEY', 'github_token'])('hides the value of %s', (name) => {
    const schema = z.object({ [name]: z.string().min(64, 'too short') });
    const value = 's3cr3t-value';
    const error = configError(() => loadConfig(schema, { [name]: value }));
    expect(error.problems).toEqual([`${name}: too short (value hidden)`]);
    expect(error.message).not.toContain(value);
  });

  it('says "not set" for a missing secret', () => {
    const schema = z.object({ API_TOKEN: z.string() });
    const error = configError(() => loadConfig(schema, {}));
    expect(error.problems).toEqual(['API_TOKEN: required (not set)']);
  });

  it('exports the sysexits EX_CONFIG code', () => {
    expect(EXIT_CONFIG).toBe(78);
  });
});
