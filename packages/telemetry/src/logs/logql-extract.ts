/**
 * Label extraction from lines, as Loki's `json` and `logfmt` parsers do it: nested JSON keys flattened with
 * `_` (arrays skipped), label names sanitised, and names already used by the stream suffixed `_extracted`.
 */
import type { Extraction } from './logql-ast.js';

/** Receives extracted labels (already sanitised and de-duplicated against stream labels). */
export type LabelSink = (name: string, value: string) => void;

/** A line the parser could not read: becomes `__error__` / `__error_details__`. */
export class ExtractionError extends Error {
  override readonly name = 'ExtractionError';
}

const sanitized = new Map<string, string>();

/** A label name with every character outside `[a-zA-Z0-9_]` replaced by `_`, never starting with a digit. */
export function sanitizeLabelName(name: string): string {
  // The same few field names come back on every line: remember them (bounded).
  let clean = sanitized.get(name);
  if (clean !== undefined) return clean;
  clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(clean)) clean = `_${clean}`;
  if (sanitized.size >= 10_000) sanitized.clear();
  sanitized.set(name, clean);
  return clean;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function parseObject(line: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new ExtractionError((error as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ExtractionError('Value looks like a JSON scalar or array, not an object');
  }
  return parsed as Record<string, unknown>;
}

/** `| json`: every scalar field, nested keys joined with `_`. Throws {@link ExtractionError}. */
export function extractJson(line: string, sink: LabelSink): void {
  const visit = (object: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(object)) {
      const name = prefix === '' ? sanitizeLabelName(key) : `${prefix}_${sanitizeLabelName(key)}`;
      if (typeof value === 'object' && value !== null) {
        if (!Array.isArray(value)) visit(value as Record<string, unknown>, name);
        continue;
      }
      const text = scalar(value);
      if (text !== undefined) sink(name, text);
    }
  };
  visit(parseObject(line), '');
}

/** The steps of a JSON path such as `a.b[0]["c.d"]`. */
export function parseJsonPath(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;
  let pos = 0;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (m === null) throw new ExtractionError(`invalid JSON path ${path}`);
    steps.push(m[1] ?? (m[2] === undefined ? (JSON.parse(`"${m[3]}"`) as string) : Number(m[2])));
    pos = re.lastIndex;
  }
  return steps;
}

/** `| json a="x.y"`: only the listed paths (objects and arrays rendered as JSON). */
export function extractJsonPaths(line: string, extractions: readonly Extraction[], sink: LabelSink): void {
  const root = parseObject(line);
  for (const { label, expression } of extractions) {
    let value: unknown = root;
    for (const step of parseJsonPath(expression)) {
      if (typeof value !== 'object' || value === null) {
        value = undefined;
        break;
      }
      value = (value as Record<string | number, unknown>)[step];
    }
    if (value === undefined || value === null) continue;
    sink(label, scalar(value) ?? JSON.stringify(value));
  }
}

/** Options of {@link extractLogfmt}. */
export interface LogfmtOptions {
  readonly strict: boolean;
  readonly keepEmpty: boolean;
}

/** `| logfmt`: `key=value key="quoted value"` pairs. Throws {@link ExtractionError} in strict mode. */
export function extractLogfmt(line: string, options: LogfmtOptions, sink: LabelSink): void {
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && line[i] !== '=' && line.charCodeAt(i) > 32 && line[i] !== '"') i++;
    const key = line.slice(keyStart, i);
    if (key === '') {
      if (options.strict)
        throw new ExtractionError(`logfmt syntax error at pos ${i + 1}: unexpected '${line[i]}'`);
      i++;
      continue;
    }
    if (line[i] !== '=') {
      if (options.keepEmpty) sink(sanitizeLabelName(key), '');
      continue;
    }
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const ch = line[i]!;
        if (ch === '\\' && i + 1 < n) {
          const esc = line[i + 1]!;
          value += esc === 'n' ? '\n' : esc === 't' ? '\t' : esc === 'r' ? '\r' : esc;
          i += 2;
        } else if (ch === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      if (!closed && options.strict)
        throw new ExtractionError('logfmt syntax error: unterminated quoted value');
    } else {
      const valueStart = i;
      while (i < n && line.charCodeAt(i) > 32) i++;
      value = line.slice(valueStart, i);
    }
    if (value !== '' || options.keepEmpty) sink(sanitizeLabelName(key), value);
  }
}

/** `| logfmt a="key"`: only the listed keys. */
export function extractLogfmtKeys(
  line: string,
  options: LogfmtOptions,
  extractions: readonly Extraction[],
  sink: LabelSink,
): void {
  const wanted = new Map(extractions.map((e) => [sanitizeLabelName(e.expression), e.label]));
  extractLogfmt(line, { ...options, keepEmpty: true }, (name, value) => {
    const label = wanted.get(name);
    if (label !== undefined && (value !== '' || options.keepEmpty)) sink(label, value);
  });
}
