import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, loadConfig } from './config.js';
import { createService } from './service.js';

const quiet = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

describe('fault injection (FAULT_ERROR_RATE)', () => {
  it('reads a fraction from 0 to 1 in the base config and refuses anything else', () => {
    const rate = (value?: string) =>
      loadConfig(baseConfigSchema, value === undefined ? {} : { FAULT_ERROR_RATE: value }).FAULT_ERROR_RATE;
    expect(rate()).toBeUndefined();
    expect(rate('0')).toBe(0);
    expect(rate('0.05')).toBe(0.05);
    for (const bad of ['abc', '-0.1', '1.5']) expect(() => rate(bad)).toThrow(ConfigError);
  });

  it('fails routes with a 500 problem (measured), never the probes or /metrics', async () => {
    const service = await createService({
      name: 'demo',
      version: '1',
      env: { PORT: '0', FAULT_ERROR_RATE: '1' },
      logDestination: quiet(),
      setup({ app }) {
        app.get('/items', () => ({ ok: true }));
      },
    });
    try {
      const failed = await service.app.inject({ method: 'GET', url: '/items' });
      expect(failed.statusCode).toBe(500);
      expect(failed.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await service.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
      expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      const metrics = await service.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(/http_server_request_duration_seconds_count\{[^}]*status="500"[^}]*\} 1/);
    } finally {
      await service.app.close();
    }
  });

  it('is refused at start with a bad value', async () => {
    const error: unknown = await createService({
      name: 'demo',
      version: '1',
      env: { FAULT_ERROR_RATE: '2' },
      setup() {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^FAULT_ERROR_RATE: /);
  });
});
