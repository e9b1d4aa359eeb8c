import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, keepOnly, repoRoot, replicaPids, startStack, waitFor } from './support/stack.js';

describe('process lifecycle', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops every replica when opsloop up gets %s',
    async (signal) => {
      const stack = await startStack((spec) => {
        keepOnly(spec, ['catalog', 'gateway']);
        spec.services.catalog!.replicas = 1;
      });
      const pids = [...(await replicaPids(stack)).values()];
      expect(pids.length).toBe(2);
      expect(await stack.stop(signal)).toBe(0);
      for (const pid of pids) expect(alive(pid), `pid ${pid} outlived the runtime`).toBe(false);
    },
    60_000,
  );

  it('leaves no orphan when the runtime itself is SIGKILLed', async () => {
    const stack = await startStack((spec) => {
      keepOnly(spec, ['catalog', 'gateway']);
      spec.services.catalog!.replicas = 1;
    });
    const pids = [...(await replicaPids(stack)).values()];
    await stack.stop('SIGKILL');
    // Replicas notice their supervisor is gone (the IPC channel closes) and shut down by themselves.
    await waitFor('replicas to exit', () => (pids.every((pid) => !alive(pid)) ? true : undefined), 20_000);
  }, 60_000);

  it.each([
    ['catalog', { PORT: 'abc' }, 'PORT'],
    ['gateway', { PORT: '0' }, 'ROUTES'],
    ['gateway', { ROUTES: 'products' }, 'ROUTES'],
  ])('%s exits 78 with one line on bad config %j', (service, env, variable) => {
    const result = spawnSync(process.execPath, [join(repoRoot, `services/${service}/dist/main.js`)], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
