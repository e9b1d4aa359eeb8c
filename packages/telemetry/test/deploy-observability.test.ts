import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, describe, expect, it } from 'vitest';
import { expandTemplate } from '../src/alerting/rule-template.js';
import {
  observabilityInputSchema,
  renderObservabilityAssets,
  type ObservabilityInput,
} from '../src/alerting/observability-assets.js';
import { toYaml } from '../src/alerting/yaml-writer.js';

// deploy/observability/ is generated from shop-slos.json by the alerting code: this suite fails when the
// checked-in files and the code disagree, validates the dashboards, and (with OPSLOOP_TEST_PROMETHEUS_BIN
// naming the Prometheus binary, promtool next to it) has promtool check and unit-test the rule file.
const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '../../../deploy/observability');
const PROMETHEUS_BIN = process.env.OPSLOOP_TEST_PROMETHEUS_BIN ?? '';
const PROMTOOL = PROMETHEUS_BIN === '' ? '' : join(dirname(PROMETHEUS_BIN), 'promtool');
const REGENERATE = 'run `npx tsc -b packages/telemetry && node deploy/observability/generate.mjs`';

const read = (path: string) => readFileSync(join(DEPLOY, path), 'utf8');
const input = JSON.parse(read('shop-slos.json')) as ObservabilityInput;
const generated = renderObservabilityAssets(input);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource: { uid: string } }[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  templating: { list: { name: string; type: string; query: unknown }[] };
  panels: Panel[];
}

/** The first syntax error of a PromQL expression as Prometheus's Lezer grammar sees it, or null. */
function syntaxError(expr: string): number | null {
  // Grafana interpolates variables before the query reaches Prometheus; do the same with sample values.
  const sent = expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$service', 'checkout')
    .replaceAll('$slo', 'checkout-availability');
  let at: number | null = null;
  parser.parse(sent).iterate({
    enter: (node) => {
      if (node.type.isError && at === null) at = node.from;
    },
  });
  return at;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('deploy/observability', () => {
  it('holds the SLOs of the shop, valid for the SLO schema', () => {
    const parsed = observabilityInputSchema.parse(input);
    expect(
      parsed.services.map((s) => [s.name, s.slos.map((slo) => `${slo.name} ${slo.objective}/${slo.window}`)]),
    ).toEqual([
      ['checkout', ['checkout-availability 99.5/30d', 'checkout-latency 99/30d']],
      ['orders', ['orders-availability 99.9/30d']],
      ['gateway', ['gateway-availability 99.9/30d']],
    ]);
  });

  it(`matches what the code generates (else ${REGENERATE})`, () => {
    expect(Object.keys(generated).sort()).toEqual([
      'grafana/checkout-saga.json',
      'grafana/golden-signals.json',
      'grafana/shop-business.json',
      'grafana/slo-burn.json',
      'prometheus-rules.yaml',
    ]);
    expect(read('prometheus-rules.yaml'), REGENERATE).toBe(generated['prometheus-rules.yaml']);
    // Dashboards compare as JSON: prettier may reflow the files.
    for (const path of Object.keys(generated).filter((p) => p.endsWith('.json'))) {
      expect(JSON.parse(read(path)), `${path}: ${REGENERATE}`).toEqual(JSON.parse(generated[path]!));
    }
  });

  it('has a rule group per SLO with its recording rules and four burn-rate alerts', () => {
    const rules = read('prometheus-rules.yaml');
    for (const [service, slo] of [
      ['checkout', 'checkout-availability'],
      ['checkout', 'checkout-latency'],
      ['orders', 'orders-availability'],
      ['gateway', 'gateway-availability'],
    ]) {
      const start = rules.indexOf(`  - name: slo:${service}:${slo}\n`);
      expect(start, slo).toBeGreaterThan(0);
      const end = rules.indexOf('\n  - name: ', start + 1);
      const group = rules.slice(start, end < 0 ? undefined : end);
      expect(group.match(/- record: slo:sli_error:ratio_rate/g)).toHaveLength(8);
      expect(group.match(/- alert: SLOErrorBudgetBurn/g)).toHaveLength(4);
      expect(group).toContain('- record: slo:error_budget_remaining:ratio');
    }
    expect(rules).toContain('- record: service:http_latency_seconds:p99_5m');
    expect(rules).toContain('- alert: ServiceDown');
  });

  describe('Grafana dashboards', () => {
    const dashboards = Object.fromEntries(
      ['golden-signals', 'slo-burn', 'checkout-saga', 'shop-business'].map((name) => [
        name,
        JSON.parse(read(`grafana/${name}.json`)) as Dashboard,
      ]),
    );

    it.each(Object.keys(dashboards))(
      '%s: schema 39+, a prometheus ${datasource} variable, unique uids',
      (name) => {
        const d = dashboards[name]!;
        expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
        expect(d.templating.list[0]).toMatchObject({
          name: 'datasource',
          type: 'datasource',
          query: 'prometheus',
        });
        expect(new Set(Object.values(dashboards).map((x) => x.uid)).size).toBe(4);
      },
    );

    it('have the template variables their queries use', () => {
      const names = (d: Dashboard) => d.templating.list.map((v) => v.name);
      expect(names(dashboards['golden-signals']!)).toEqual(['datasource', 'service']);
      expect(names(dashboards['slo-burn']!)).toEqual(['datasource', 'service', 'slo']);
      for (const d of Object.values(dashboards)) {
        const used = new Set(
          d.panels.flatMap((p) =>
            (p.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\$(\w+)/g)].map((m) => m[1])),
          ),
        );
        for (const v of used) expect(names(d)).toContain(v);
      }
    });

    it.each(Object.keys(dashboards))(
      '%s: unique panel ids, grid positions inside 24 columns and not overlapping',
      (name) => {
        const panels = dashboards[name]!.panels;
        expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
        const cells = new Set<string>();
        for (const p of panels) {
          const { x, y, w, h } = p.gridPos;
          expect([x, y, w, h].every(Number.isInteger), p.title).toBe(true);
          expect(x >= 0 && w > 0 && x + w <= 24 && h > 0, p.title).toBe(true);
          for (let i = x; i < x + w; i++) {
            for (let j = y; j < y + h; j++) {
              expect(cells.has(`${i},${j}`), `${p.title} overlaps`).toBe(false);
              cells.add(`${i},${j}`);
            }
          }
        }
      },
    );

    it.each(Object.keys(dashboards))(
      '%s: every panel query parses as PromQL and reads ${datasource}',
      (name) => {
        const panels = dashboards[name]!.panels.filter((p) => p.type !== 'row');
        expect(panels.length).toBeGreaterThan(3);
        for (const p of panels) {
          expect(p.targets?.length, p.title).toBeGreaterThan(0);
          expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
          for (const t of p.targets!) {
            expect(syntaxError(t.expr), `${p.title}: ${t.expr}`).toBeNull();
            expect(t.datasource.uid).toBe('${datasource}');
          }
        }
      },
    );

    it('the PromQL check can fail', () => {
      expect(syntaxError('sum(rate(x[5m])')).not.toBeNull();
      expect(syntaxError('rate(x[$__interval])')).not.toBeNull();
    });
  });

  describe.skipIf(PROMTOOL === '')('promtool', () => {
    const promtool = (dir: string, ...args: string[]) => {
      try {
        return execFileSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
    };

    it('check rules accepts prometheus-rules.yaml', () => {
      expect(promtool(DEPLOY, 'check', 'rules', 'prometheus-rules.yaml')).toMatch(/SUCCESS: \d+ rules found/);
    });

    it('test rules: 10 % errors on /api/checkout pages within minutes; a down service fires ServiceDown', () => {
      const dir = mkdtempSync(join(tmpdir(), 'promtool-slo-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'rules.yaml'), read('prometheus-rules.yaml'));
      const http =
        'http_server_request_duration_seconds_count{service="checkout",route="/api/checkout",method="POST"';
      const pageLabels = {
        service: 'checkout',
        slo: 'checkout-availability',
        severity: 'page',
        long_window: '1h',
        short_window: '5m',
      };
      // The annotations promtool must see, expanded by our template engine: a cross-check of both.
      const rules = read('prometheus-rules.yaml');
      const description = /description: '(Error ratio [^']*over the last 1h[^']*99\.5 %[^']*)'/.exec(
        rules,
      )![1]!;
      const summary = /summary: '(\{\{ \$labels\.service \}\}: SLO [^']*14\.4x too fast)'/.exec(rules)![1]!;
      const data = { labels: { ...pageLabels }, value: 0.1 };
      const test = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              { series: `${http},status="200"}`, values: '0+90x120' },
              { series: `${http},status="500"}`, values: '0+10x120' },
              { series: 'up{job="orders",instance="10.0.0.1:3000"}', values: '1 1 0 0 0 0 0 0 0 0 0 0' },
              {
                series: 'http_server_active_requests{service="checkout",instance="a",method="POST"}',
                values: '3x20',
              },
              {
                series: 'http_server_active_requests{service="checkout",instance="b",method="POST"}',
                values: '4x20',
              },
            ],
            alert_rule_test: [
              {
                eval_time: '10m',
                alertname: 'SLOErrorBudgetBurn',
                exp_alerts: [
                  {
                    exp_labels: pageLabels,
                    exp_annotations: {
                      summary: expandTemplate(summary, data),
                      description: expandTemplate(description, data),
                      runbook_url:
                        'https://runbooks.example.com/opsloop/slo-error-budget-burn?service=checkout&slo=checkout-availability',
                    },
                  },
                ],
              },
              {
                eval_time: '5m',
                alertname: 'ServiceDown',
                exp_alerts: [
                  {
                    exp_labels: { job: 'orders', service: 'orders', severity: 'page' },
                    exp_annotations: {
                      summary: 'Service orders is down',
                      description:
                        'Every scrape target of job orders has been failing for more than a minute.',
                      runbook_url: 'https://runbooks.example.com/opsloop/service-down',
                    },
                  },
                ],
              },
              { eval_time: '1m', alertname: 'ServiceDown', exp_alerts: [] },
            ],
            promql_expr_test: [
              {
                expr: 'service:http_active_requests:sum',
                eval_time: '10m',
                exp_samples: [{ labels: 'service:http_active_requests:sum{service="checkout"}', value: 7 }],
              },
            ],
          },
        ],
      };
      expect(description).toContain('{{ $value | humanizePercentage }}');
      expect(expandTemplate(description, data)).toContain('Error ratio 10% over the last 1h');
      writeFileSync(join(dir, 'test.yaml'), toYaml(test));
      expect(promtool(dir, 'test', 'rules', 'test.yaml')).toContain('SUCCESS');
    });
  });
});
