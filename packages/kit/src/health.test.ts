import { describe, expect, it } from 'vitest';
import { createReadiness } from './health.js';

describe('createReadiness', () => {
  it('is ready with no checks', async () => {
    await expect(createReadiness().evaluate()).resolves.toEqual({ ready: true, checks: [] });
  });

  it('counts true and void as ready, false as not ready', async () => {
    const readiness = createReadiness({ checkTimeoutMs: 1_000 });
    readiness.register('yes', () => true);
    readiness.register('void', () => undefined);
    readiness.register('async', () => Promise.resolve(true));
    readiness.register('no', () => Promise.resolve(false));
    const result = await readiness.evaluate();
    expect(result.ready).toBe(false);
    expect(result.checks).toEqual([
      { name: 'yes', ok: true },
      { name: 'void', ok: true },
      { name: 'async', ok: true },
      { name: 'no', ok: false, error: 'not ready' },
    ]);
  });

  it('reports the message of a check that throws or rejects', async () => {
    const readiness = createReadiness();
    readiness.register('sync', () => {
      throw new Error('boom');
    });
    readiness.register('async', () => Promise.reject(new Error('refused')));
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a check may reject with anything
    readiness.register('string', () => Promise.reject('plain'));
    const { ready, checks } = await readiness.evaluate();
    expect(ready).toBe(false);
    expect(checks.map((c) => c.error)).toEqual(['boom', 'refused', 'plain']);
  });

  it('fails a check that takes longer than the timeout', async () => {
    const readiness = createReadiness({ checkTimeoutMs: 20 });
    readiness.register('hangs', () => new Promise<boolean>(() => {}));
    readiness.register('fine', () => true);
    const { ready, checks } = await readiness.evaluate();
    expect(ready).toBe(false);
    expect(checks).toEqual([
      { name: 'hangs', ok: false, error: 'timed out after 20 ms' },
      { name: 'fine', ok: true },
    ]);
  });

  it('re-evaluates checks every time', async () => {
    const readiness = createReadiness();
    let up = true;
    readiness.register('flaky', () => up);
    expect((await readiness.evaluate()).ready).toBe(true);
    up = false;
    expect((await readiness.evaluate()).ready).toBe(false);
    up = true;
    expect((await readiness.evaluate()).ready).toBe(true);
  });

  it('rejects a second check with the same name', () => {
    const readiness = createReadiness();
    readiness.register('db', () => true);
    expect(() => readiness.register('db', () => true)).toThrow('readiness check "db" is already registered');
  });

  it('fails readiness once draining, even when every check passes', async () => {
    const readiness = createReadiness();
    readiness.register('db', () => true);
    expect(readiness.draining).toBe(false);
    readiness.drain();
    expect(readiness.draining).toBe(true);
    await expect(readiness.evaluate()).resolves.toEqual({
      ready: false,
      checks: [
        { name: 'shutdown', ok: false, error: 'draining' },
        { name: 'db', ok: true },
      ],
    });
  });
});
