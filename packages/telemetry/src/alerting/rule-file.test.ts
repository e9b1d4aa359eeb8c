import { describe, expect, it } from 'vitest';
import { renderRuleFile, validateRuleGroups } from './rule-file.js';
import type { RuleGroup } from './rule-types.js';

describe('rule files', () => {
  it("renders groups with Prometheus's field names (keep_firing_for), header comments first", () => {
    const group: RuleGroup = {
      name: 'g',
      interval: '30s',
      rules: [
        { record: 'job:up:sum', expr: 'sum by (job) (up)' },
        {
          alert: 'Down',
          expr: 'up == 0',
          for: '1m',
          keepFiringFor: '5m',
          labels: { severity: 'page' },
          annotations: { summary: '{{ $labels.job }} down' },
        },
      ],
    };
    expect(renderRuleFile([group], ['generated', ''])).toBe(
      [
        '# generated',
        '#',
        'groups:',
        '  - name: g',
        '    interval: 30s',
        '    rules:',
        '      - record: job:up:sum',
        "        expr: 'sum by (job) (up)'",
        '      - alert: Down',
        "        expr: 'up == 0'",
        '        for: 1m',
        '        keep_firing_for: 5m',
        '        labels:',
        '          severity: page',
        '        annotations:',
        "          summary: '{{ $labels.job }} down'",
        '',
      ].join('\n'),
    );
  });

  it('reports what Prometheus would refuse to load', () => {
    const problems = validateRuleGroups([
      { name: 'g', interval: '1 minute', rules: [{ record: 'bad-name', expr: 'sum(' }] },
      { name: 'g', rules: [{ alert: 'A', expr: 'x', for: '5', labels: { 'bad-label': 'x' } }] },
    ]);
    expect(problems).toEqual([
      'group "g": bad interval "1 minute"',
      'group "g", rule 1: could not parse expression: unexpected end of input at 4',
      'group "g", rule 1: invalid recording rule name "bad-name"',
      'group "g": repeated in the same file',
      'group "g", rule 1: invalid label name "bad-label"',
      'group "g", rule 1: bad for "5"',
    ]);
  });
});
