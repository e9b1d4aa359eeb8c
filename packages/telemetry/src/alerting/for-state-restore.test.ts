import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, type ManualClock } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedMetricsSource } from '../metrics/embedded-metrics-source.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { createPromqlEngine } from '../promql/engine.js';
import { createTsdb } from '../tsdb/tsdb.js';
import type { Tsdb } from '../tsdb/tsdb-options.js';
import { restoredActiveAt, type ForStateRestoreOptions } from './for-state-restore.js';
import { createRuleEvaluator } from './rule-evaluator.js';
import type { RuleEvaluator } from './rule-evaluator-types.js';
import { fakeMetricsSource, vectorResult } from './testing/fake-metrics-source.js';

const S = 1_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

describe("restoredActiveAt (Prometheus's rules)", () => {
  const last = (downAtMs: number, activeAtMs: number) => ({
    labels: { alertname: 'A' },
    timestampMs: downAtMs,
    value: activeAtMs / 1000,
  });

  it('does not count the downtime: the alert waits the rest of its `for` after the restart', () => {
    // Pending 4 of 5 minutes, down 10 minutes: activeAt moves 10 minutes later.
    expect(restoredActiveAt(last(T0 + 4 * MIN, T0), 5 * MIN, T0 + 14 * MIN, 0)).toBe(T0 + 10 * MIN);
  });

  it('keeps an alert that had already waited its `for` as it was, so it fires at once', () => {
    expect(restoredActiveAt(last(T0 + 9 * MIN, T0), 5 * MIN, T0 + 20 * MIN, 10 * MIN)).toBe(T0);
  });

  it('lets an alert close to firing fire no sooner than the grace period after the restart', () => {
    // 25 of 30 minutes waited, 5 remaining < 10 min grace: fires 10 minutes after the restart.
    const now = T0 + 27 * MIN;
    const activeAt = restoredActiveAt(last(T0 + 25 * MIN, T0), 30 * MIN, now, 10 * MIN)!;
    expect(activeAt + 30 * MIN).toBe(now + 10 * MIN);
  });

  it('restores nothing for an alert that had ended (staleness marker) or has no state', () => {
    const ended = { labels: {}, timestampMs: T0 + 4 * MIN, value: STALE_NAN };
    expect(restoredActiveAt(ended, 5 * MIN, T0 + 5 * MIN, 0)).toBeUndefined();
    expect(restoredActiveAt(undefined, 5 * MIN, T0 + 5 * MIN, 0)).toBeUndefined();
  });

  it('works in whole seconds, as Prometheus does', () => {
    const r = restoredActiveAt(last(T0 + 4 * MIN + 900, T0 + 300), 5 * MIN, T0 + 14 * MIN + 100, 0);
    expect(r).toBe(T0 + 10 * MIN + 100);
  });
});

describe("rule evaluator: 'for' state across a restart (real TSDB)", () => {
  let dir: string;
  let clock: ManualClock;
  let tsdb: Tsdb | undefined;
  let evaluator: RuleEvaluator | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'for-state-'));
    clock = createManualClock(T0);
  });
  afterEach(async () => {
    await evaluator?.stop();
    await tsdb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a "process": the TSDB reopened from `dir` (WAL replayed) and a new evaluator on it. */
  async function boot(restore: 'querier' | 'promql' | 'off', extra: ForStateRestoreOptions = {}) {
    // The previous process is stopped a little after its last evaluation, as a real shutdown is.
    if (evaluator !== undefined) clock.advance(30 * S);
    await evaluator?.stop();
    await tsdb?.close();
    const db = await createTsdb({ dir, fsync: false, now: () => clock.now() });
    tsdb = db;
    const engine = createPromqlEngine({ querier: db, now: () => clock.now() });
    evaluator = createRuleEvaluator({
      source: createEmbeddedMetricsSource({ engine, querier: db }),
      appender: db,
      clock,
      restoreForState:
        restore === 'off' ? false : { ...extra, ...(restore === 'querier' ? { querier: db } : {}) },
      groups: [
        {
          name: 'orders',
          interval: '1m',
          rules: [{ alert: 'OrdersDown', expr: 'up{job="orders"} == 0', for: '5m' }],
        },
      ],
    });
    return evaluator;
  }

  /** Moves the clock to `atMs`, with the scrape target still down, and evaluates the group there. */
  async function evaluateAt(e: RuleEvaluator, atMs: number, up = 0) {
    clock.advance(atMs - clock.now());
    tsdb!.append({ __name__: 'up', job: 'orders' }, atMs - S, up);
    await tsdb!.commit();
    await e.evaluateGroup('orders', atMs);
    const alert = e.alerts()[0];
    return alert && { state: alert.state, activeAtMin: (alert.activeAtMs - T0) / MIN };
  }

  it.each(['querier', 'promql'] as const)(
    'an alert pending 4 of 5 minutes fires 1 minute after a restart (state read via %s)',
    async (how) => {
      const before = await boot(how, { gracePeriodMs: 30 * S });
      for (let m = 0; m <= 4; m++) await evaluateAt(before, T0 + m * MIN);
      expect(before.alerts()[0]).toMatchObject({ state: 'pending', activeAtMs: T0 });

      const after = await boot(how, { gracePeriodMs: 30 * S }); // 10 minutes down
      expect(await evaluateAt(after, T0 + 14 * MIN)).toEqual({ state: 'pending', activeAtMin: 10 });
      expect(await evaluateAt(after, T0 + 15 * MIN)).toEqual({ state: 'firing', activeAtMin: 10 });
    },
  );

  it('restarts the wait when the restore is off', async () => {
    const before = await boot('off');
    for (let m = 0; m <= 4; m++) await evaluateAt(before, T0 + m * MIN);
    const after = await boot('off');
    expect(await evaluateAt(after, T0 + 14 * MIN)).toEqual({ state: 'pending', activeAtMin: 14 });
    expect(await evaluateAt(after, T0 + 15 * MIN)).toEqual({ state: 'pending', activeAtMin: 14 });
  });

  it('restarts the wait after a downtime longer than the outage tolerance', async () => {
    const before = await boot('querier', { gracePeriodMs: 30 * S, outageToleranceMs: 60 * MIN });
    for (let m = 0; m <= 4; m++) await evaluateAt(before, T0 + m * MIN);
    const after = await boot('querier', { gracePeriodMs: 30 * S, outageToleranceMs: 60 * MIN });
    const restart = T0 + 4 * MIN + 61 * MIN;
    expect(await evaluateAt(after, restart)).toEqual({ state: 'pending', activeAtMin: 65 });
    expect((await evaluateAt(after, restart + 4 * MIN))?.state).toBe('pending');
    expect((await evaluateAt(after, restart + 5 * MIN))?.state).toBe('firing');
  });

  it("with Prometheus's defaults, a `for` shorter than the 10 min grace period is not restored", async () => {
    const before = await boot('querier');
    for (let m = 0; m <= 4; m++) await evaluateAt(before, T0 + m * MIN);
    const after = await boot('querier');
    expect(await evaluateAt(after, T0 + 6 * MIN)).toEqual({ state: 'pending', activeAtMin: 6 });
  });

  it('fires at the first evaluation after a restart an alert that was already firing', async () => {
    const before = await boot('querier', { gracePeriodMs: 30 * S });
    for (let m = 0; m <= 6; m++) await evaluateAt(before, T0 + m * MIN);
    expect(before.alerts()[0]!.state).toBe('firing');
    const after = await boot('querier', { gracePeriodMs: 30 * S });
    expect(await evaluateAt(after, T0 + 9 * MIN)).toEqual({ state: 'firing', activeAtMin: 0 });
  });

  it('does not restore an alert that had ended before the restart (read from the store)', async () => {
    const before = await boot('querier', { gracePeriodMs: 30 * S });
    for (let m = 0; m <= 3; m++) await evaluateAt(before, T0 + m * MIN);
    expect(await evaluateAt(before, T0 + 4 * MIN, 1)).toBeUndefined(); // back up: the alert ends
    const after = await boot('querier', { gracePeriodMs: 30 * S });
    expect(await evaluateAt(after, T0 + 6 * MIN)).toEqual({ state: 'pending', activeAtMin: 6 });
  });
});

describe("rule evaluator: 'for' state restore failures", () => {
  it('reports a failed read and lets the alerts wait their whole `for`', async () => {
    const clock = createManualClock(T0);
    const errors: string[] = [];
    const e = createRuleEvaluator({
      source: fakeMetricsSource((query) => {
        if (query.includes('ALERTS_FOR_STATE')) throw new Error('store unavailable');
        return vectorResult([{ job: 'orders' }, 0]);
      }),
      clock,
      groups: [{ name: 'g', rules: [{ alert: 'Down', expr: 'up == 0', for: '15m' }] }],
      onError: (_group, rule, error) => errors.push(`${rule}: ${error.message}`),
    });
    await e.evaluateGroup('g', T0);
    expect(errors).toEqual(["Down: restoring 'for' state: store unavailable"]);
    expect(e.alerts()).toMatchObject([{ state: 'pending', activeAtMs: T0 }]);
    expect(e.groups()[0]!.rules[0]!.health).toBe('ok');
    await e.stop();
  });
});
