import type { Registry } from 'prom-client';

/** The content type of OpenMetrics 1.0 text, as Prometheus asks for it and prom-client names it. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** What prom-client's `getMetricsAsJSON()` holds per sample (its typings leave out the exemplar). */
interface JsonExemplar {
  labelSet: Record<string, string | number>;
  value: number;
  timestamp?: number;
}
interface JsonValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  exemplar?: JsonExemplar | null;
}
interface JsonMetric {
  name: string;
  help: string;
  type: string;
  values: JsonValue[];
}

interface Naming {
  family: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  /** The sample name of values that carry no `metricName` of their own. */
  sample: string;
}

/**
 * Renders a Prometheus-typed prom-client registry as OpenMetrics 1.0 text, exemplars included. prom-client
 * renders OpenMetrics only from an OpenMetrics-typed registry, and that rendering renames shared counters in
 * place (it strips `_total` from the metric object): a registry cannot serve both formats from the same
 * metric objects. This reads the registry's samples instead and leaves the registry untouched.
 *
 * A counter named `x_total` is the family `x` with the sample `x_total` (the same series name as in the
 * 0.0.4 text). A counter without `_total` is written as `unknown`, so its series keeps its name in both
 * formats instead of gaining a `_total`.
 */
export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const metrics = (await registry.getMetricsAsJSON()) as unknown as JsonMetric[];
  let out = '';
  for (const metric of metrics) out += renderFamily(metric);
  return `${out}# EOF\n`;
}

function namingOf(metric: JsonMetric): Naming {
  switch (metric.type) {
    case 'counter':
      return metric.name.endsWith('_total')
        ? { family: metric.name.slice(0, -'_total'.length), type: 'counter', sample: metric.name }
        : { family: metric.name, type: 'unknown', sample: metric.name };
    case 'gauge':
    case 'histogram':
    case 'summary':
      return { family: metric.name, type: metric.type, sample: metric.name };
    default:
      return { family: metric.name, type: 'unknown', sample: metric.name };
  }
}

function renderFamily(metric: JsonMetric): string {
  const naming = namingOf(metric);
  let out = `# TYPE ${naming.family} ${naming.type}\n`;
  if (metric.help !== '') out += `# HELP ${naming.family} ${escapeText(metric.help)}\n`;
  for (const value of metric.values) {
    const name = value.metricName ?? naming.sample;
    out += `${name}${labelSet(value.labels)} ${formatFloat(value.value)}`;
    // OpenMetrics allows exemplars on counter totals and histogram buckets only.
    const exemplarAllowed =
      (naming.type === 'counter' && name === naming.sample) ||
      (naming.type === 'histogram' && name === `${naming.family}_bucket`);
    const exemplar = value.exemplar;
    if (exemplarAllowed && exemplar && Object.keys(exemplar.labelSet).length > 0) {
      out += ` # ${labelSet(exemplar.labelSet, true)} ${formatFloat(exemplar.value)}`;
      if (exemplar.timestamp !== undefined) out += ` ${formatFloat(exemplar.timestamp)}`;
    }
    out += '\n';
  }
  return out;
}

function labelSet(labels: Record<string, string | number>, braces = false): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeText(String(value))}"`);
  return parts.length === 0 && !braces ? '' : `{${parts.join(',')}}`;
}

/** OpenMetrics escapes `\`, newline and `"` in label values and HELP text alike. */
function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
