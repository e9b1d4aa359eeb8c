import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../metrics/metrics-source.js';
import { isStaleNaN } from '../model/stale-nan.js';
import type { PostableAlert } from './alert-types.js';
import { createRuleEvaluator } from './rule-evaluator.js';
import type { RuleEvaluatorOptions } from './rule-evaluator-types.js';
import type { RuleGroup } from './rule-types.js';
import { createMemoryAppender, fakeMetricsSource, vectorResult } from './testing/fake-metrics-source.js';

const T0 = 1_700_000_040_000; // a multiple of 1m

function setup(
  groups: RuleGroup[],
  answer: Parameters<typeof fakeMetricsSource>[0],
  extra: Partial<RuleEvaluatorOptions> = {},
) {
  const clock = createManualClock(T0);
  const appender = createMemoryAppender();
  const sent: PostableAlert[][] = [];
  const evaluator = createRuleEvaluator({
    source: fakeMetricsSource(answer),
    clock,
    groups,
    appender,
    externalURL: 'http://prometheus.test',
    notify: (alerts) => sent.push([...alerts]),
    ...extra,
  });
  return { clock, appender, sent, evaluator };
}

describe('rule evaluator: scheduling', () => {
  it('evaluates each group at its interval on the injected clock, and stops', async () => {
    const seen: number[] = [];
    const group: RuleGroup = { name: 'g', interval: '30s', rules: [{ record: 'a:b:c', expr: 'x' }] };
    const { evaluator, clock } = setup([group], (_q, t) => {
      seen.push(t);
      return vectorResult([{}, 1]);
    });
    evaluator.start();
    expect(seen).toEqual([]);
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000);
      await evaluator.idle();
    }
    expect(seen).toHaveLength(4);
    // Evaluation timestamps are the scheduled slots: 30 s apart, at a fixed offset inside the interval.
    expect(seen.map((t) => t - seen[0]!)).toEqual([0, 30_000, 60_000, 90_000]);
    expect(seen[0]! % 30_000).toBe(evaluator.groups()[0]!.lastEvaluationMs! % 30_000);
    await evaluator.stop();
    clock.advance(120_000);
    await evaluator.idle();
    expect(seen).toHaveLength(4);
    expect(clock.pending()).toBe(0);
  });

  it('fails a query that outlives its timeout and skips slots while an evaluation hangs', async () => {
    const group: RuleGroup = { name: 'g', interval: '10s', rules: [{ record: 'a:b:c', expr: 'x' }] };
    const never = new Promise<QueryResult>(() => {});
    const { evaluator, clock } = setup([group], () => never, { queryTimeoutMs: 25_000 });
    evaluator.start();
    clock.advance(10_000); // first slot: the query hangs
    clock.advance(10_000); // second slot: still running, skipped
    expect(evaluator.groups()[0]!.missedIterations).toBeGreaterThanOrEqual(1);
    clock.advance(20_000);
    await evaluator.idle();
    expect(evaluator.groups()[0]!.rules[0]).toMatchObject({
      health: 'err',
      lastError: 'query timed out after 25000 ms',
    });
    await evaluator.stop();
  });

  it('marks recorded series stale when stopped', async () => {
    const group: RuleGroup = { name: 'g', rules: [{ record: 'a:b:c', expr: 'x' }] };
    const { evaluator, appender, clock } = setup([group], () => vectorResult([{ k: 'v' }, 1]));
    await evaluator.evaluateGroup('g', T0);
    clock.advance(5_000);
    await evaluator.stop();
    expect(appender.samples.map((s) => [s.t - T0, isStaleNaN(s.v)])).toEqual([
      [0, false],
      [5_000, true],
    ]);
  });
});
