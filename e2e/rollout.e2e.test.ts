import { readFileSync, writeFileSync } from 'node:fs';
import { Pool } from 'undici';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { keepOnly, startStack, waitFor, type EditableSpec } from './support/stack.js';

interface RolloutJson {
  revision: string;
  complete: boolean;
  updatedReplicas: number;
}

/**
 * Zero downtime, the rolling part of issue 5's must-show: a shop service (catalog, 2 replicas, the real
 * kit service) gets a new template through `opsloop apply` while clients keep calling it through its exposed
 * address with keep-alive connections; at least 2 000 requests span the change and none may fail.
 */
describe('rolling update of a shop service under load', () => {
  it('replaces every catalog replica with no failed request', async () => {
    const stack = await startStack((spec) => {
      keepOnly(spec, ['catalog', 'gateway']);
      const catalog = spec.services.catalog!;
      catalog.replicas = 2;
      catalog.expose = { port: 0 };
      // As in opsloop.yaml: a stopping replica keeps serving this long after it left discovery.
      expect(catalog.drainSeconds).toBeGreaterThan(0);
    });
    const pool = new Pool(/^catalog: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stack.output())![1]!, {
      connections: 8,
    });
    try {
      const rollout = async () => {
        const result = await stack.cli('rollout', 'status', 'catalog', '-o', 'json');
        return JSON.parse(result.stdout) as RolloutJson;
      };
      const before = await rollout();
      let ok = 0;
      const failures: string[] = [];
      let done = false;
      const worker = async () => {
        while (!done) {
          try {
            const response = await pool.request({ method: 'GET', path: '/api/products?limit=5' });
            await response.body.dump();
            if (response.statusCode === 200) ok++;
            else failures.push(String(response.statusCode));
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      };
      const workers = Array.from({ length: 8 }, () => worker());
      await waitFor('load before the change', () => (ok >= 300 ? true : undefined), 30_000);

      const spec = parse(readFileSync(stack.specPath, 'utf8')) as EditableSpec;
      const env = (spec.services.catalog!.env ?? {}) as Record<string, string>;
      spec.services.catalog!.env = { ...env, ROLLOUT_MARK: 'second' };
      writeFileSync(stack.specPath, stringify(spec));
      const applied = await stack.cli('apply');
      expect(applied.status, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/catalog: changed env\.ROLLOUT_MARK; rolling update/);

      await waitFor(
        'the rolling update to complete',
        async () => {
          const now = await rollout();
          return now.revision !== before.revision && now.complete ? now : undefined;
        },
        120_000,
      );
      const atEnd = ok;
      await waitFor(
        'load after the change',
        () => (ok >= Math.max(atEnd + 300, 2_000) ? true : undefined),
        60_000,
      );
      done = true;
      await Promise.all(workers);
      expect(failures.slice(0, 5), `${failures.length} failed of ${ok + failures.length}`).toEqual([]);
      expect(ok).toBeGreaterThanOrEqual(2_000);
      const events = await stack.cli('events', '--service', 'catalog');
      expect(events.stdout).toMatch(/replica-started.*catalog-3/);
    } finally {
      await pool.close();
      await stack.stop();
    }
  }, 240_000);
});
