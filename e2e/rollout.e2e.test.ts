import { readFileSync, writeFileSync } from 'node:fs';
import { Pool, request } from 'undici';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutStatus, type RolloutStatusJson } from './support/control-api.js';
import { finishAfterChange, startSteadyLoad } from './support/steady-load.js';
import { keepOnly, startStack, waitFor, type EditableSpec, type Stack } from './support/stack.js';

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
      const load = startSteadyLoad({ pool, workers: 8, path: '/api/products?limit=5' });
      try {
        await waitFor('load before the change', () => (load.ok >= 300 ? true : undefined), 30_000);
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
        await finishAfterChange(load, 2_000);
      } finally {
        await load.stop();
      }
      expect(load.failures.slice(0, 5), `${load.failures.length} failed of ${load.total}`).toEqual([]);
      expect(load.ok).toBeGreaterThanOrEqual(2_000);
      const events = await stack.cli('events', '--service', 'catalog');
      expect(events.stdout).toMatch(/replica-started.*catalog-3/);
    } finally {
      await pool.close();
      await stack.stop();
    }
  }, 240_000);
});

/** Gateway settings that let every request of the load reach catalog: no response cache, no rate limit. */
const GATEWAY_PASS_THROUGH = {
  LOG_LEVEL: 'warn',
  CACHE_MAX_ENTRIES: '0',
  RATE_LIMIT_RPS: '1000000',
  RATE_LIMIT_BURST: '1000000',
};
/** A catalog page: the gateway balances each request over catalog's endpoints by their weights. */
const PRODUCTS = '/api/products?limit=5';
/** Requests that must span each change (the must-show). */
const MIN_REQUESTS = 2_000;

interface RolloutEvent {
  type: string;
  revision?: string;
  from?: string;
  weight?: number;
  verdict?: string;
  reason?: string;
}

/**
 * Waits until catalog's blue-green or canary rollout has ended (a new outcome, promoted or aborted) and its
 * replicas all run the revision that won; `weights` collects the traffic shares seen on the way.
 */
function rolloutEnd(stack: Stack, before: RolloutStatusJson, weights = new Set<number>()) {
  return waitFor(
    'the rollout to end',
    async () => {
      const now = await rolloutStatus(stack, 'catalog');
      if (now.progress !== undefined) weights.add(now.progress.weight);
      const ended = now.lastOutcome !== undefined && now.lastOutcome.at !== before.lastOutcome?.at;
      return ended && now.complete ? now : undefined;
    },
    90_000,
  );
}

/** GET /api/products requests a catalog replica has served, from its /metrics. */
async function productRequestsServed(replicaUrl: string): Promise<number> {
  const response = await request(`${replicaUrl}/metrics`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
  const text = await response.body.text();
  const counts = text.matchAll(
    /^http_server_request_duration_seconds_count\{[^}]*route="\/api\/products"[^}]*\} (\d+)/gm,
  );
  return [...counts].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Edits catalog in the stack's spec file and runs `opsloop apply`; returns apply's output. */
async function applyCatalog(stack: Stack, edit: (catalog: Record<string, unknown>) => void): Promise<string> {
  const spec = parse(readFileSync(stack.specPath, 'utf8')) as EditableSpec;
  edit(spec.services.catalog!);
  writeFileSync(stack.specPath, stringify(spec));
  const applied = await stack.cli('apply');
  expect(applied.status, applied.stderr).toBe(0);
  return applied.stdout;
}

/** Sets an env variable of catalog (a new template, so a new revision). */
function withEnv(catalog: Record<string, unknown>, env: Record<string, string>): void {
  catalog.env = { ...(catalog.env as Record<string, string>), ...env };
}

/** catalog's rollout events, oldest first, from `opsloop events -o json`. */
async function rolloutEvents(stack: Stack): Promise<RolloutEvent[]> {
  const result = await stack.cli('events', '--service', 'catalog', '-o', 'json');
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RolloutEvent)
    .filter((event) => event.type.startsWith('rollout-'));
}

/**
 * Zero downtime with traffic management: catalog (2 replicas) switches blue-green, is promoted as a canary
 * and rolls a bad canary back by itself, each under continuous keep-alive load THROUGH THE GATEWAY (which
 * balances per request, honouring discovery's weights; the exposed TCP address balances per connection).
 * One stack, successive specs: each test starts from the revision the previous one left stable.
 */
describe('blue-green and canary rollouts of a shop service under load through the gateway', () => {
  let stack: Stack;
  let pool: Pool;

  beforeAll(async () => {
    stack = await startStack((spec) => {
      keepOnly(spec, ['catalog', 'gateway']);
      const catalog = spec.services.catalog!;
      catalog.replicas = 2;
      withEnv(catalog, { LOG_LEVEL: 'warn' });
      withEnv(spec.services.gateway!, GATEWAY_PASS_THROUGH);
    });
    pool = new Pool(stack.gateway, { connections: 4 });
  }, 240_000);

  afterAll(async () => {
    await pool?.close();
    await stack?.stop();
  });

  it('blue-green: the preview starts beside the old revision, then `rollout promote` switches all traffic', async () => {
    const before = await rolloutStatus(stack, 'catalog');
    expect(before.complete).toBe(true);
    expect(before.revision).toBe(before.stableRevision);
    const load = startSteadyLoad({ pool, workers: 4, path: PRODUCTS });
    let preview: RolloutStatusJson;
    try {
      await waitFor('load before the change', () => (load.ok >= 300 ? true : undefined), 30_000);
      await applyCatalog(stack, (catalog) => {
        catalog.strategy = { type: 'BlueGreen', blueGreen: { scaleDownDelaySeconds: 2 } };
        withEnv(catalog, { ROLLOUT_MARK: 'blue-green' });
      });

      // The new revision runs at full size with no traffic: the old one still serves everything.
      preview = await waitFor(
        'the blue-green preview to be ready',
        async () => {
          const now = await rolloutStatus(stack, 'catalog');
          return now.progress?.phase === 'waiting-for-promotion' ? now : undefined;
        },
        60_000,
      );
      expect(preview.revision).not.toBe(before.revision);
      expect(preview.stableRevision).toBe(before.revision);
      expect(preview.progress?.weight).toBe(0);
      expect(preview.preview?.discovery).toBe('catalog.preview');
      expect(preview.preview?.endpoints).toHaveLength(2);
      const atPreview = load.total;
      await waitFor('load on the old revision beside the preview', () =>
        load.total >= atPreview + 300 ? true : undefined,
      );
      // Checked on the replicas themselves: the gateway sent the preview nothing.
      const previewUrls = preview.preview?.endpoints ?? [];
      for (const url of previewUrls) expect(await productRequestsServed(url), url).toBe(0);

      const promoted = await stack.cli('rollout', 'promote', 'catalog');
      expect(promoted.status, promoted.stderr).toBe(0);
      const after = await waitFor(
        'the switch and the scale-down of the old revision',
        async () => {
          const now = await rolloutStatus(stack, 'catalog');
          return now.complete && now.stableRevision === preview.revision ? now : undefined;
        },
        60_000,
      );
      expect(after.revision).toBe(preview.revision);
      expect(after.progress).toBeUndefined();
      // … and after the switch, the new revision's replicas serve it.
      await waitFor('the new revision to serve', async () => {
        const served = await Promise.all(previewUrls.map((url) => productRequestsServed(url)));
        return served.every((n) => n > 0) ? true : undefined;
      });
      expect(after.lastOutcome).toMatchObject({
        result: 'promoted',
        revision: preview.revision,
        other: before.revision,
      });
      await finishAfterChange(load, MIN_REQUESTS);
    } finally {
      await load.stop();
    }
    expect(load.failures.slice(0, 5), `${load.failures.length} failed of ${load.total}`).toEqual([]);
    expect(load.ok).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const events = await rolloutEvents(stack);
    expect(events.findLast((e) => e.type === 'rollout-promoted')).toMatchObject({
      revision: preview.revision,
      from: before.revision,
    });
  }, 150_000);

  it('canary: the new revision takes 20 %, then 50 %, passes each analysis and is promoted', async () => {
    const before = await rolloutStatus(stack, 'catalog');
    expect(before.complete).toBe(true);
    const load = startSteadyLoad({ pool, workers: 4, path: PRODUCTS });
    const weights = new Set<number>();
    let after: RolloutStatusJson;
    try {
      await waitFor('load before the change', () => (load.ok >= 300 ? true : undefined), 30_000);
      await applyCatalog(stack, (catalog) => {
        catalog.strategy = {
          type: 'Canary',
          // A canary seconds old next to a warm stable revision: tail latency may differ by a few tens of
          // ms on a busy CI machine; this test is about promotion with no failed request, not latency.
          canary: {
            steps: [20, 50],
            analysis: { intervalSeconds: 3, minRequests: 50, latencyToleranceMs: 100 },
          },
        };
        withEnv(catalog, { ROLLOUT_MARK: 'canary' });
      });
      after = await rolloutEnd(stack, before, weights);
      await finishAfterChange(load, MIN_REQUESTS);
    } finally {
      await load.stop();
    }
    expect(load.failures.slice(0, 5), `${load.failures.length} failed of ${load.total}`).toEqual([]);
    expect(load.ok).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(after.lastOutcome, after.lastOutcome?.reason).toMatchObject({
      result: 'promoted',
      other: before.revision,
    });
    expect(after.revision).not.toBe(before.revision);
    expect(after.stableRevision).toBe(after.revision);
    expect(weights.has(20) || weights.has(50), `weights seen: ${[...weights].join(', ')}`).toBe(true);
    // The events tell the whole story: both steps, a passed analysis at each, then the promotion.
    const events = await rolloutEvents(stack);
    const story = events.slice(events.findLastIndex((e) => e.type === 'rollout-step' && e.weight === 20));
    expect(story.filter((e) => e.type === 'rollout-step').map((e) => e.weight)).toEqual([20, 50]);
    expect(
      story.filter((e) => e.type === 'rollout-analysis' && e.verdict === 'pass').map((e) => e.weight),
    ).toEqual([20, 50]);
    expect(story.findLast((e) => e.type === 'rollout-promoted')).toMatchObject({
      revision: after.revision,
      from: before.revision,
    });
  }, 150_000);

  it('bad canary: 5 % errors fail the analysis and the canary is rolled back by itself', async () => {
    const before = await rolloutStatus(stack, 'catalog');
    expect(before.complete).toBe(true);
    const load = startSteadyLoad({ pool, workers: 4, path: PRODUCTS });
    let during: { requests: number; failures: string[] };
    let after: RolloutStatusJson;
    try {
      await waitFor('load before the change', () => (load.ok >= 300 ? true : undefined), 30_000);
      const atApply = { total: load.total, failed: load.failures.length };
      await applyCatalog(stack, (catalog) => {
        catalog.strategy = {
          type: 'Canary',
          canary: { steps: [20, 50], analysis: { intervalSeconds: 3, minRequests: 50 } },
        };
        withEnv(catalog, { ROLLOUT_MARK: 'bad-canary', FAULT_ERROR_RATE: '0.05' });
      });
      after = await rolloutEnd(stack, before);
      during = {
        requests: load.total - atApply.total,
        failures: load.failures.slice(atApply.failed),
      };
      const atEnd = load.total;
      await waitFor(
        'load after the rollback',
        () => (load.total >= Math.max(atEnd + 300, MIN_REQUESTS) ? true : undefined),
        60_000,
      );
    } finally {
      await load.stop();
    }
    expect(after.revision).toBe(before.revision);
    expect(after.stableRevision).toBe(before.revision);
    expect(after.lastOutcome).toMatchObject({ result: 'aborted', revision: before.revision });
    expect(after.lastOutcome?.reason).toMatch(/success-rate/);
    // Only the canary's share of requests met the fault: 5 % × 20 % = 1 % expected, < 2 % allowed; every one
    // of them an injected 500 (no refused or broken connection), and none before or after the canary.
    const summary = `${during.failures.length} failed of ${during.requests} during the canary`;
    expect(new Set(during.failures), summary).toEqual(new Set(during.failures.length ? ['500'] : []));
    expect(during.failures.length, summary).toBeLessThan(0.02 * during.requests);
    expect(load.failures.length, `${load.failures.length} failed of ${load.total}`).toBe(
      during.failures.length,
    );
    expect(load.total).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const events = await rolloutEvents(stack);
    expect(events.findLast((e) => e.type === 'rollout-aborted')).toMatchObject({
      revision: before.revision,
      from: after.lastOutcome?.other,
    });
    expect(events.some((e) => e.type === 'rollout-analysis' && e.verdict === 'fail')).toBe(true);
  }, 150_000);
});
