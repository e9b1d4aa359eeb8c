/**
 * OpenMetrics 1.0 text, as Prometheus scrapes it when a target answers `application/openmetrics-text`:
 * https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md
 *
 * Read into the same {@link MetricFamily} shape as the 0.0.4 text. What differs from that format: the input
 * ends with `# EOF`; blank lines and other comments are errors; a family's metadata (`# TYPE`, `# HELP`,
 * `# UNIT`) comes before its samples and its samples are contiguous; a counter family `x` has the sample
 * `x_total`; timestamps are in seconds; samples may carry an exemplar after ` # ` (counter totals and
 * histogram buckets only). `_created` samples are checked and dropped, as Prometheus does unless created
 * timestamps are ingested.
 */
import { OpenMetricsTextError, parseOpenMetricsSample } from './openmetrics-sample-line.js';
import { parsePrometheusFloat, type MetricFamily, type MetricType, type Sample } from './prometheus-text.js';

/** OpenMetrics' family types. */
type OpenMetricsType =
  'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'stateset' | 'info' | 'summary' | 'unknown';

/** The sample name suffixes of each type (`''`: the family name itself). */
const SUFFIXES: Readonly<Record<OpenMetricsType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  stateset: [''],
  info: ['_info'],
  summary: ['', '_count', '_sum', '_created'],
  unknown: [''],
};

/** Our (Prometheus's) type for each: the ones the 0.0.4 text lacks are `untyped`. */
const AS_METRIC_TYPE: Readonly<Record<OpenMetricsType, MetricType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'untyped',
  stateset: 'untyped',
  info: 'untyped',
  summary: 'summary',
  unknown: 'untyped',
};

const OWNED_SUFFIXES = new Set(Object.values(SUFFIXES).flat());

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

interface FamilyState {
  family: MetricFamily;
  omType: OpenMetricsType;
  seen: Set<'HELP' | 'TYPE' | 'UNIT'>;
  hasSamples: boolean;
}

export { OpenMetricsTextError };

/**
 * Parses a whole OpenMetrics exposition into metric families, in order. Anything malformed throws
 * {@link OpenMetricsTextError} with its line number.
 */
export function parseOpenMetricsText(text: string): MetricFamily[] {
  const lines = text.split('\n');
  // `# EOF` may or may not be followed by a newline.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const families = new Map<string, FamilyState>();
  const seenSamples = new Set<string>();
  let current: FamilyState | undefined;
  let ended = false;

  const open = (name: string, lineNo: number): FamilyState => {
    if (current?.family.name === name) return current;
    if (families.has(name)) {
      throw new OpenMetricsTextError(
        lineNo,
        `${name} appears again after other families (must be contiguous)`,
      );
    }
    current = {
      family: { name, type: 'untyped', help: '', samples: [] },
      omType: 'unknown',
      seen: new Set(),
      hasSamples: false,
    };
    families.set(name, current);
    return current;
  };

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (ended) throw new OpenMetricsTextError(lineNo, 'text after "# EOF"');
    if (line === '# EOF') {
      ended = true;
      return;
    }
    if (line === '') throw new OpenMetricsTextError(lineNo, 'blank line (OpenMetrics has none)');
    if (line.startsWith('#')) {
      parseDescriptor(line, lineNo, open);
      return;
    }
    const sample = parseOpenMetricsSample(line, lineNo);
    const state = familyOf(sample, current, lineNo) ?? open(sample.name, lineNo);
    checkSample(state, sample, lineNo);
    const key = `${sample.name}${labelKey(sample.labels)}`;
    if (seenSamples.has(key)) throw new OpenMetricsTextError(lineNo, `duplicate sample ${key}`);
    seenSamples.add(key);
    state.hasSamples = true;
    const created =
      sample.name === `${state.family.name}_created` && SUFFIXES[state.omType].includes('_created');
    if (!created) state.family.samples.push(sample);
  });
  if (!ended) throw new OpenMetricsTextError(lines.length, 'the exposition does not end with "# EOF"');
  return [...families.values()].map((state) => state.family);
}

function parseDescriptor(line: string, lineNo: number, open: (name: string, lineNo: number) => FamilyState) {
  const match = /^# (HELP|TYPE|UNIT) ([^ ]+)(?: (.*))?$/s.exec(line);
  if (match === null) {
    throw new OpenMetricsTextError(
      lineNo,
      `expected "# HELP", "# TYPE", "# UNIT" or "# EOF", got ${JSON.stringify(line)}`,
    );
  }
  const keyword = match[1] as 'HELP' | 'TYPE' | 'UNIT';
  const name = match[2]!;
  const argument = match[3] ?? '';
  if (!METRIC_NAME.test(name))
    throw new OpenMetricsTextError(lineNo, `${keyword} line needs a valid metric name, got "${name}"`);
  const state = open(name, lineNo);
  if (state.hasSamples)
    throw new OpenMetricsTextError(lineNo, `${keyword} line for ${name} after its samples`);
  if (state.seen.has(keyword)) throw new OpenMetricsTextError(lineNo, `second ${keyword} line for ${name}`);
  state.seen.add(keyword);
  if (keyword === 'HELP') {
    state.family.help = unescape(argument, lineNo);
  } else if (keyword === 'TYPE') {
    if (!Object.hasOwn(SUFFIXES, argument)) {
      throw new OpenMetricsTextError(
        lineNo,
        `unknown type "${argument}" for ${name} (expected ${Object.keys(SUFFIXES).join(', ')})`,
      );
    }
    state.omType = argument as OpenMetricsType;
    state.family.type = AS_METRIC_TYPE[state.omType];
  } else if (!/^[a-zA-Z0-9_:]*$/.test(argument)) {
    throw new OpenMetricsTextError(lineNo, `invalid unit "${argument}" for ${name}`);
  }
}

function unescape(text: string, lineNo: number): string {
  return text.replace(/\\(.?)/g, (_all, next: string) => {
    if (next === '\\' || next === '"') return next;
    if (next === 'n') return '\n';
    throw new OpenMetricsTextError(
      lineNo,
      `invalid escape "\\${next}" in HELP text (only \\\\, \\" and \\n)`,
    );
  });
}

/** The current family when `sample` is one of its sample names; undefined when it starts another family. */
function familyOf(sample: Sample, current: FamilyState | undefined, lineNo: number): FamilyState | undefined {
  if (current === undefined) return undefined;
  const { name } = current.family;
  if (!sample.name.startsWith(name)) return undefined;
  const suffix = sample.name.slice(name.length);
  if (SUFFIXES[current.omType].includes(suffix)) return current;
  // A name the family would own with another suffix (`x` of counter `x`): a mistake, not a new family.
  // Families whose samples all carry a suffix (counter, histogram, info) claim the other known suffixes too.
  const claimed = suffix === '' || (!SUFFIXES[current.omType].includes('') && OWNED_SUFFIXES.has(suffix));
  if (current.seen.has('TYPE') && claimed) {
    throw new OpenMetricsTextError(
      lineNo,
      `sample ${sample.name} does not fit ${current.omType} ${name} (expected ${SUFFIXES[current.omType].map((s) => name + s).join(', ')})`,
    );
  }
  return undefined;
}

function checkSample(state: FamilyState, sample: Sample, lineNo: number): void {
  const { name } = state.family;
  const type = state.omType;
  const isBucket = (type === 'histogram' || type === 'gaugehistogram') && sample.name === `${name}_bucket`;
  if (isBucket) {
    const le = sample.labels['le'];
    if (le === undefined) throw new OpenMetricsTextError(lineNo, `${sample.name} needs an "le" label`);
    if (parsePrometheusFloat(le) === null)
      throw new OpenMetricsTextError(lineNo, `${sample.name} has le="${le}", which is not a number`);
  }
  if (type === 'summary' && sample.name === name) {
    const quantile = sample.labels['quantile'];
    if (quantile === undefined || parsePrometheusFloat(quantile) === null)
      throw new OpenMetricsTextError(lineNo, `summary ${name} needs a numeric "quantile" label`);
  }
  if (
    sample.exemplar !== undefined &&
    !isBucket &&
    !(type === 'counter' && sample.name === `${name}_total`)
  ) {
    throw new OpenMetricsTextError(
      lineNo,
      `sample ${sample.name} has an exemplar; only counter totals and histogram buckets may`,
    );
  }
}

function labelKey(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}
