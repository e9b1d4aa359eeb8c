import { isDuration } from './prom-duration.js';
import { promqlSyntaxError } from './promql-syntax.js';
import { isAlertingRule, type Rule, type RuleGroup } from './rule-types.js';
import { toYaml, type YamlValue } from './yaml-writer.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function ruleToYaml(rule: Rule): YamlValue {
  if (!isAlertingRule(rule)) {
    return { record: rule.record, expr: rule.expr, ...(rule.labels ? { labels: { ...rule.labels } } : {}) };
  }
  return {
    alert: rule.alert,
    expr: rule.expr,
    ...(rule.for !== undefined ? { for: rule.for } : {}),
    ...(rule.keepFiringFor !== undefined ? { keep_firing_for: rule.keepFiringFor } : {}),
    ...(rule.labels ? { labels: { ...rule.labels } } : {}),
    ...(rule.annotations ? { annotations: { ...rule.annotations } } : {}),
  };
}

/**
 * Renders rule groups as a Prometheus rule file (`groups: [{name, interval, rules}]`, YAML, field names as
 * Prometheus spells them), the way `rule_files:` loads it and `promtool check rules` accepts it.
 * `headerComment` lines are written first as `# …` comments.
 */
export function renderRuleFile(groups: readonly RuleGroup[], headerComment: readonly string[] = []): string {
  const doc = {
    groups: groups.map((group) => ({
      name: group.name,
      ...(group.interval !== undefined ? { interval: group.interval } : {}),
      rules: group.rules.map(ruleToYaml),
    })),
  };
  const header = headerComment.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n');
  return (header === '' ? '' : `${header}\n`) + toYaml(doc);
}

/**
 * What Prometheus would refuse in these groups (the checks of `promtool check rules` we can make without
 * the engine): duplicate group names, bad metric/label names, bad durations, PromQL syntax errors,
 * `for`/labels on recording rules. Empty when the groups load.
 */
export function validateRuleGroups(groups: readonly RuleGroup[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    if (group.name === '') problems.push('group name must not be empty');
    if (seen.has(group.name)) problems.push(`group "${group.name}": repeated in the same file`);
    seen.add(group.name);
    if (group.interval !== undefined && !isDuration(group.interval)) {
      problems.push(`group "${group.name}": bad interval "${group.interval}"`);
    }
    group.rules.forEach((rule, i) => {
      const where = `group "${group.name}", rule ${i + 1}`;
      const syntax = promqlSyntaxError(rule.expr);
      if (syntax !== undefined) problems.push(`${where}: could not parse expression: ${syntax}`);
      for (const name of Object.keys(rule.labels ?? {})) {
        if (!LABEL_NAME.test(name)) problems.push(`${where}: invalid label name "${name}"`);
      }
      if (isAlertingRule(rule)) {
        if (rule.alert === '') problems.push(`${where}: alert name must not be empty`);
        for (const [field, value] of [
          ['for', rule.for],
          ['keep_firing_for', rule.keepFiringFor],
        ] as const) {
          if (value !== undefined && !isDuration(value)) problems.push(`${where}: bad ${field} "${value}"`);
        }
        for (const name of Object.keys(rule.annotations ?? {})) {
          if (!LABEL_NAME.test(name)) problems.push(`${where}: invalid annotation name "${name}"`);
        }
      } else if (!METRIC_NAME.test(rule.record)) {
        problems.push(`${where}: invalid recording rule name "${rule.record}"`);
      }
    });
  }
  return problems;
}
