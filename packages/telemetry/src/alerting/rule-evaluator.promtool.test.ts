import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuleEvaluator } from './rule-evaluator.js';
import { renderRuleFile } from './rule-file.js';
import type { RuleGroup } from './rule-types.js';
import { fakeMetricsSource, vectorResult } from './testing/fake-metrics-source.js';
import { toYaml, type YamlValue } from './yaml-writer.js';

// Differential test: our alert state machine against Prometheus's own, through `promtool test rules`.
// Runs when OPSLOOP_TEST_PROMETHEUS_BIN names the Prometheus binary (promtool sits next to it).
const PROMETHEUS_BIN = process.env.OPSLOOP_TEST_PROMETHEUS_BIN ?? '';
const PROMTOOL = PROMETHEUS_BIN === '' ? '' : join(dirname(PROMETHEUS_BIN), 'promtool');
const MIN = 60_000;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Values of `x{job="a"}`, one per minute; the rule fires on `x > 1` after `for`. */
const scenarios: { name: string; values: number[]; for: string }[] = [
  { name: 'pending then firing then resolved', values: [0, 2, 2, 2, 2, 0, 0, 2, 2, 2, 2, 2], for: '2m' },
  { name: 'flapping shorter than for', values: [2, 0, 2, 0, 2, 2, 0, 2, 2, 2, 0, 2], for: '2m' },
  { name: 'no for', values: [2, 0, 0, 2, 2, 0, 2, 0, 0, 0, 2, 2], for: '0s' },
  { name: 'long for', values: [2, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2], for: '5m' },
];

describe.skipIf(PROMTOOL === '')('alert states agree with promtool test rules', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const group: RuleGroup = {
        name: 'diff',
        interval: '1m',
        rules: [
          {
            alert: 'XHigh',
            expr: 'x > 1',
            for: scenario.for,
            labels: { severity: 'page', job_copy: '{{ $labels.job }}' },
            annotations: { summary: 'x is {{ $value }} on {{ $labels.job }}' },
          },
        ],
      };
      // A source that evaluates `x > 1` itself from the scenario: the state machine is what is under test.
      const source = fakeMetricsSource((_q, t) => {
        const v = scenario.values[Math.round(t / MIN)] ?? 0;
        return vectorResult(...(v > 1 ? [[{ job: 'a' }, v] as const] : []));
      });
      const evaluator = createRuleEvaluator({ source, clock: createManualClock(0), groups: [group] });
      const checks: YamlValue[] = [];
      for (let i = 0; i < scenario.values.length; i++) {
        await evaluator.evaluateGroup('diff', i * MIN);
        const firing = evaluator.alerts().filter((a) => a.state === 'firing');
        checks.push({
          eval_time: `${i}m`,
          alertname: 'XHigh',
          exp_alerts: firing.map((a) => {
            // promtool's expected labels leave out alertname (it is the test's `alertname`).
            const labels = Object.fromEntries(
              Object.entries(a.labels).filter(([name]) => name !== 'alertname'),
            );
            return { exp_labels: labels, exp_annotations: { ...a.annotations } };
          }),
        });
      }
      const dir = mkdtempSync(join(tmpdir(), 'promtool-diff-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'rules.yaml'), renderRuleFile([group]));
      const test = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [{ series: 'x{job="a"}', values: scenario.values.join(' ') }],
            alert_rule_test: checks,
          },
        ],
      };
      writeFileSync(join(dir, 'test.yaml'), toYaml(test));
      let output = '';
      try {
        output = execFileSync(PROMTOOL, ['test', 'rules', 'test.yaml'], {
          cwd: dir,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        throw new Error(`promtool disagrees:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
      expect(output).toContain('SUCCESS');
      // The scenario must exercise firing at least once, or the comparison would prove little.
      expect(checks.some((c) => (c as { exp_alerts: unknown[] }).exp_alerts.length > 0)).toBe(true);
    });
  }
});
