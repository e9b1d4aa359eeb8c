/**
 * One OpenMetrics 1.0 sample line: `name{label="value",…} value [timestamp] [# {label="value",…} value
 * [timestamp]]`, with single spaces as separators and timestamps in (float) seconds:
 * https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md#text-format
 */
import { parsePrometheusFloat, type Sample, type SampleExemplar } from './prometheus-text.js';
import { readQuotedLabelValue } from './quoted-label-value.js';

/** Input that is not valid OpenMetrics text; `line` is 1-based. */
export class OpenMetricsTextError extends Error {
  override readonly name = 'OpenMetricsTextError';
  /** The 1-based line number of the problem. */
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/** The combined length limit of an exemplar's label names and values, in characters (the spec's MUST). */
export const MAX_EXEMPLAR_LABELS_LENGTH = 128;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses one sample line; throws {@link OpenMetricsTextError} naming the line and column. */
export function parseOpenMetricsSample(line: string, lineNo: number): Sample {
  let pos = 0;
  const fail: (message: string) => never = (message) => {
    throw new OpenMetricsTextError(lineNo, `${message} (column ${pos + 1})`);
  };

  const readLabels = (): Record<string, string> => {
    // Label names may be anything JavaScript allows as a key, `__proto__` included.
    const labels = Object.create(null) as Record<string, string>;
    pos++; // the opening brace
    if (line[pos] === '}') {
      pos++;
      return labels;
    }
    for (;;) {
      const nameMatch = LABEL_NAME.exec(line.slice(pos));
      if (nameMatch === null) fail(pos >= line.length ? 'unterminated label set' : 'expected a label name');
      const labelName = nameMatch[0];
      pos += labelName.length;
      if (line[pos] !== '=') fail(`expected "=" after label ${labelName}`);
      pos++;
      if (line[pos] !== '"') fail(`expected a quoted value for label ${labelName}`);
      pos++;
      const read = readQuotedLabelValue(line, pos, labelName, fail);
      const value = read.value;
      pos = read.end;
      if (Object.hasOwn(labels, labelName)) fail(`duplicate label ${labelName}`);
      labels[labelName] = value;
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') {
        pos++;
        return labels;
      }
      fail(pos >= line.length ? 'unterminated label set' : 'expected "," or "}" after a label');
    }
  };

  // `value [timestamp]` up to `end`: single spaces, a float value, a float timestamp in seconds.
  const readValueAndTimestamp = (end: number, what: string): { value: number; timestampMs?: number } => {
    if (line[pos] !== ' ') fail(`expected one space before the value of ${what}`);
    const text = line.slice(pos + 1, end);
    if (text === '') fail(`${what} has no value`);
    const tokens = text.split(' ');
    if (tokens.some((t) => t === '')) fail(`expected single spaces between the parts of ${what}`);
    if (tokens.length > 2) fail(`unexpected text "${tokens[2]}" after the timestamp of ${what}`);
    const [valueToken = '', timestamp] = tokens;
    const value = parsePrometheusFloat(valueToken);
    if (value === null) fail(`${JSON.stringify(valueToken)} is not a number (${what})`);
    pos = end;
    if (timestamp === undefined) return { value };
    const seconds = parsePrometheusFloat(timestamp);
    if (seconds === null || !Number.isFinite(seconds))
      fail(`${JSON.stringify(timestamp)} is not a timestamp in seconds (${what})`);
    // Rounded, not truncated: 1.001 s is 1000.9999… ms in binary floating point.
    return { value, timestampMs: Math.round(seconds * 1000) };
  };

  const nameMatch = METRIC_NAME.exec(line);
  if (nameMatch === null) fail('expected a metric name');
  const name = nameMatch[0];
  pos = name.length;
  const labels = line[pos] === '{' ? readLabels() : (Object.create(null) as Record<string, string>);
  // Label values are behind us, so a ` # ` from here on can only start the exemplar.
  const exemplarAt = line.indexOf(' # ', pos);
  const sample: Sample = {
    name,
    labels,
    ...readValueAndTimestamp(exemplarAt < 0 ? line.length : exemplarAt, `sample ${name}`),
  };
  if (exemplarAt >= 0) {
    pos = exemplarAt + 3;
    if (line[pos] !== '{') fail(`expected the exemplar's label set after " # " (sample ${name})`);
    const exemplarLabels = readLabels();
    let length = 0;
    for (const [labelName, value] of Object.entries(exemplarLabels))
      length += [...labelName].length + [...value].length;
    if (length > MAX_EXEMPLAR_LABELS_LENGTH) {
      fail(
        `exemplar labels of ${name} are ${length} characters long (at most ${MAX_EXEMPLAR_LABELS_LENGTH})`,
      );
    }
    const exemplar: SampleExemplar = {
      labels: exemplarLabels,
      ...readValueAndTimestamp(line.length, `the exemplar of ${name}`),
    };
    sample.exemplar = exemplar;
  }
  return sample;
}
