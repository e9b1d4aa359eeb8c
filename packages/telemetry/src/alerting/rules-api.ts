import type { FastifyPluginAsync } from 'fastify';
import { formatPrometheusFloat } from '../exposition/prometheus-text.js';
import type { RuleEvaluator } from './rule-evaluator-types.js';
import type { RuleAlert } from './alert-types.js';

const iso = (ms: number | undefined) =>
  ms === undefined ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString();

function alertJson(alert: RuleAlert) {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    state: alert.state,
    activeAt: iso(alert.activeAtMs),
    value: formatPrometheusFloat(alert.value),
  };
}

/**
 * Prometheus's rule and alert endpoints (`GET /api/v1/rules`, `GET /api/v1/alerts`) over a rule evaluator, in
 * Prometheus's response shapes, so Grafana's alert views and `opsloop alerts` read them.
 */
export function rulesApiPlugin(options: { evaluator: RuleEvaluator }): FastifyPluginAsync {
  return (app) => {
    app.get('/api/v1/alerts', () => ({
      status: 'success',
      data: {
        alerts: options.evaluator
          .alerts()
          .filter((a) => a.state !== 'inactive')
          .map(alertJson),
      },
    }));
    app.get('/api/v1/rules', () => ({
      status: 'success',
      data: {
        groups: options.evaluator.groups().map((group) => ({
          name: group.name,
          file: 'opsloop',
          interval: group.intervalMs / 1000,
          lastEvaluation: iso(group.lastEvaluationMs),
          evaluationTime: group.rules.reduce((sum, r) => sum + (r.evaluationDurationMs ?? 0), 0) / 1000,
          rules: group.rules.map((rule) => ({
            name: rule.name,
            query: rule.query,
            type: rule.type,
            health: rule.health,
            ...(rule.lastError === undefined ? {} : { lastError: rule.lastError }),
            lastEvaluation: iso(rule.lastEvaluationMs),
            evaluationTime: (rule.evaluationDurationMs ?? 0) / 1000,
            ...(rule.type === 'alerting'
              ? {
                  state: (rule.alerts ?? []).some((a) => a.state === 'firing')
                    ? 'firing'
                    : (rule.alerts ?? []).some((a) => a.state === 'pending')
                      ? 'pending'
                      : 'inactive',
                  alerts: (rule.alerts ?? []).filter((a) => a.state !== 'inactive').map(alertJson),
                }
              : {}),
          })),
        })),
      },
    }));
    return Promise.resolve();
  };
}
