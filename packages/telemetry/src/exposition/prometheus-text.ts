/**
 * The Prometheus text exposition format 0.0.4, as served by prom-client and read by Prometheus:
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * Grouping follows Prometheus' own text parser (expfmt): a `# TYPE` line must come before the family's first
 * sample, a name gets at most one HELP and one TYPE line, and `_bucket`/`_sum`/`_count` samples belong to the
 * histogram (or summary) family they extend.
 */
import { readQuotedLabelValue } from './quoted-label-value.js';

/** The type of a metric family; families without a `# TYPE` line are `untyped`. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

const METRIC_TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/** One sample line. */
export interface Sample {
  /** The sample's own name, e.g. `http_server_request_duration_seconds_bucket`. */
  name: string;
  /** Label values, unescaped. */
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries a timestamp. */
  timestampMs?: number;
  /** The exemplar after ` # ` (OpenMetrics only; the 0.0.4 text has none). */
  exemplar?: SampleExemplar;
}

/** An OpenMetrics exemplar: a sample of the event behind a counter or bucket, e.g. its trace id. */
export interface SampleExemplar {
  /** Label values, unescaped (e.g. `trace_id`, `span_id`). */
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the exemplar carries a timestamp. */
  timestampMs?: number;
}

/** A metric family: the samples that share a HELP/TYPE, in the order they were read. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

/** Input that is not valid text exposition; `line` is 1-based. */
export class PrometheusTextError extends Error {
  override readonly name = 'PrometheusTextError';
  /** The 1-based line number of the problem. */
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** Parses a Go-style float as Prometheus writes and reads them (`+Inf`, `-Inf`, `NaN`, decimals); null if invalid. */
export function parsePrometheusFloat(token: string): number | null {
  if (DECIMAL.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^[+]?inf(?:inity)?$/.test(lower)) return Infinity;
  if (/^-inf(?:inity)?$/.test(lower)) return -Infinity;
  return null;
}

/** Formats a float the way Prometheus clients do, so that {@link parsePrometheusFloat} gives it back exactly. */
export function formatPrometheusFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  // String() is the shortest text that round-trips, except that it drops the sign of -0.
  return Object.is(value, -0) ? '-0' : String(value);
}

interface FamilyState {
  family: MetricFamily;
  hasHelp: boolean;
  hasType: boolean;
  hasSamples: boolean;
}

/**
 * Parses a whole exposition into metric families, in the order each name first appears. Blank lines and
 * comments other than HELP/TYPE are skipped; anything malformed throws {@link PrometheusTextError}.
 */
export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, FamilyState>();
  const seenSamples = new Set<string>();
  const lines = text.split('\n');
  // The format ends every line with \n, so the last element is normally empty.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const familyFor = (name: string): FamilyState => {
    let state = families.get(name);
    if (state === undefined) {
      state = {
        family: { name, type: 'untyped', help: '', samples: [] },
        hasHelp: false,
        hasType: false,
        hasSamples: false,
      };
      families.set(name, state);
    }
    return state;
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    // Lines end with \n only, as in Prometheus' parser: a \r is content (a HELP text may end with one), so a
    // CRLF file fails on its first sample with a clear message rather than being half-read.
    const trimmed = raw.replace(/^[ \t]+/, '');
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      parseComment(trimmed.slice(1), lineNo, familyFor);
      return;
    }
    const sample = parseSampleLine(trimmed, lineNo);
    const state = resolveFamily(sample.name, families, familyFor);
    checkSampleShape(state.family, sample, lineNo);
    const key = `${sample.name}${labelKey(sample.labels)}`;
    if (seenSamples.has(key)) throw new PrometheusTextError(lineNo, `duplicate sample ${key}`);
    seenSamples.add(key);
    state.hasSamples = true;
    state.family.samples.push(sample);
  });
  return [...families.values()].map((state) => state.family);
}

function parseComment(body: string, lineNo: number, familyFor: (name: string) => FamilyState): void {
  const match = /^[ \t]*(\S+)(?:[ \t]+(.*))?$/s.exec(body);
  const keyword = match?.[1];
  if (keyword !== 'HELP' && keyword !== 'TYPE') return; // an ordinary comment
  const rest = match?.[2] ?? '';
  // One blank separates the name from the text, so a HELP text keeps its own leading blanks (clients write
  // exactly one).
  const nameMatch = /^(\S+)(?:[ \t](.*))?$/s.exec(rest);
  const name = nameMatch?.[1];
  if (name === undefined || !METRIC_NAME.test(name)) {
    throw new PrometheusTextError(lineNo, `${keyword} line needs a valid metric name, got "${name ?? ''}"`);
  }
  const argument = nameMatch?.[2] ?? '';
  const state = familyFor(name);
  if (keyword === 'HELP') {
    if (state.hasHelp) throw new PrometheusTextError(lineNo, `second HELP line for ${name}`);
    state.hasHelp = true;
    state.family.help = unescapeHelp(argument, lineNo);
    return;
  }
  const type = argument.trim();
  if (!(METRIC_TYPES as readonly string[]).includes(type)) {
    throw new PrometheusTextError(
      lineNo,
      `unknown type "${type}" for ${name} (expected ${METRIC_TYPES.join(', ')})`,
    );
  }
  if (state.hasType) throw new PrometheusTextError(lineNo, `second TYPE line for ${name}`);
  if (state.hasSamples) throw new PrometheusTextError(lineNo, `TYPE line for ${name} after its samples`);
  state.hasType = true;
  state.family.type = type as MetricType;
}

function unescapeHelp(text: string, lineNo: number): string {
  return text.replace(/\\(.?)/g, (_all, next: string) => {
    if (next === '\\') return '\\';
    if (next === 'n') return '\n';
    throw new PrometheusTextError(lineNo, `invalid escape "\\${next}" in HELP text (only \\\\ and \\n)`);
  });
}

/** A histogram's `_bucket`/`_sum`/`_count` (or a summary's `_sum`/`_count`) joins its family; else its own name. */
function resolveFamily(
  sampleName: string,
  families: Map<string, FamilyState>,
  familyFor: (name: string) => FamilyState,
): FamilyState {
  const exact = families.get(sampleName);
  if (exact?.hasType) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = families.get(sampleName.slice(0, -suffix.length));
    if (base === undefined) continue;
    if (base.family.type === 'histogram') return base;
    if (base.family.type === 'summary' && suffix !== '_bucket') return base;
  }
  return familyFor(sampleName);
}

function checkSampleShape(family: MetricFamily, sample: Sample, lineNo: number): void {
  if (family.type === 'histogram') {
    if (sample.name === family.name) {
      throw new PrometheusTextError(
        lineNo,
        `histogram ${family.name} has a sample without _bucket, _sum or _count suffix`,
      );
    }
    if (sample.name.endsWith('_bucket')) {
      const le = sample.labels['le'];
      if (le === undefined) throw new PrometheusTextError(lineNo, `${sample.name} needs an "le" label`);
      if (parsePrometheusFloat(le) === null) {
        throw new PrometheusTextError(lineNo, `${sample.name} has le="${le}", which is not a number`);
      }
    }
  } else if (family.type === 'summary' && sample.name === family.name) {
    const quantile = sample.labels['quantile'];
    if (quantile === undefined || parsePrometheusFloat(quantile) === null) {
      throw new PrometheusTextError(lineNo, `summary ${family.name} needs a numeric "quantile" label`);
    }
  }
}

function labelKey(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}

/** A cursor over one sample line: `name{label="value",...} value [timestamp]`. */
function parseSampleLine(line: string, lineNo: number): Sample {
  let pos = 0;
  // Declared with its type so that TypeScript narrows after `fail(...)`.
  const fail: (message: string) => never = (message) => {
    throw new PrometheusTextError(lineNo, `${message} (column ${pos + 1})`);
  };
  const skipBlanks = () => {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
  };

  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (nameMatch === null) fail('expected a metric name');
  const name = nameMatch[0];
  pos = name.length;
  // Label names may be anything JavaScript allows as a key, `__proto__` included.
  const labels = Object.create(null) as Record<string, string>;

  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipBlanks();
      if (line[pos] === '}') break;
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
      if (labelMatch === null) fail(pos >= line.length ? 'unterminated label set' : 'expected a label name');
      const labelName = labelMatch[0];
      pos += labelName.length;
      skipBlanks();
      if (line[pos] !== '=') fail(`expected "=" after label ${labelName}`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') fail(`expected a quoted value for label ${labelName}`);
      pos++;
      const read = readQuotedLabelValue(line, pos, labelName, fail);
      const value = read.value;
      pos = read.end;
      if (Object.hasOwn(labels, labelName)) fail(`duplicate label ${labelName}`);
      labels[labelName] = value;
      skipBlanks();
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') break;
      fail(pos >= line.length ? 'unterminated label set' : 'expected "," or "}" after a label');
    }
    pos++; // the closing brace
  } else if (line[pos] !== ' ' && line[pos] !== '\t') {
    fail(pos >= line.length ? `sample ${name} has no value` : `unexpected character "${line[pos]}"`);
  }

  skipBlanks();
  const tokens = line
    .slice(pos)
    .split(/[ \t]+/)
    .filter((t) => t !== '');
  const [valueToken, timestamp, extra] = tokens;
  if (valueToken === undefined) fail(`sample ${name} has no value`);
  if (extra !== undefined) fail(`unexpected text "${extra}" after the timestamp of ${name}`);
  const value = parsePrometheusFloat(valueToken);
  if (value === null) fail(`${JSON.stringify(valueToken)} is not a number (sample ${name})`);
  const sample: Sample = { name, labels, value };
  if (timestamp !== undefined) {
    const ms = INTEGER.test(timestamp) ? Number(timestamp) : NaN;
    if (!Number.isSafeInteger(ms))
      fail(`${JSON.stringify(timestamp)} is not a timestamp in integer milliseconds`);
    sample.timestampMs = ms;
  }
  return sample;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * Renders families as text exposition 0.0.4 (HELP, TYPE, samples), the inverse of {@link parsePrometheusText}:
 * used by tests and by anything that re-exports scraped metrics.
 */
export function renderPrometheusText(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of families) {
    if (family.help !== '') out += `# HELP ${family.name} ${escapeHelp(family.help)}\n`;
    out += `# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
        .join(',');
      out += `${sample.name}${labels === '' ? '' : `{${labels}}`} ${formatPrometheusFloat(sample.value)}`;
      out += sample.timestampMs === undefined ? '\n' : ` ${sample.timestampMs}\n`;
    }
  }
  return out;
}
