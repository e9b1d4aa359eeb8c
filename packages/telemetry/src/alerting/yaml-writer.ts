/**
 * A small YAML emitter for the documents we generate (rule files): block mappings and sequences, strings
 * plain when unambiguous, single-quoted otherwise (no escapes needed for PromQL and templates), literal
 * blocks for multi-line text. Its output is stable under prettier, so checked-in files never drift.
 */

/** A value the writer can emit. */
export type YamlValue =
  string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

// Plain scalars we allow: identifiers, metric/rule names and durations; anything else is quoted.
const PLAIN = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;
const DURATION = /^(?:\d+(?:ms|[smhdwy]))+$/;
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;
// Control characters other than newline cannot appear in single-quoted or literal scalars.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if ((PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(':')) || DURATION.test(value)) {
    return value;
  }
  if (CONTROL.test(value) || value.includes('\n')) return JSON.stringify(value);
  // Prettier's choice (with singleQuote): single quotes unless the text has more ' than ".
  const singles = value.split("'").length - 1;
  const doubles = value.split('"').length - 1;
  if (singles > doubles) return JSON.stringify(value);
  return `'${value.replaceAll("'", "''")}'`;
}

function isBlock(value: string): boolean {
  // A literal block keeps text verbatim; it cannot start with a space (needs an indentation indicator),
  // end with a newline (we use the strip chomp `|-`) or hold other control characters.
  return value.includes('\n') && !value.startsWith(' ') && !value.endsWith('\n') && !CONTROL.test(value);
}

function isEmptyCollection(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function key(name: string): string {
  if (PLAIN.test(name) && !RESERVED.test(name) && !name.endsWith(':')) return name;
  return JSON.stringify(name);
}

/** The lines of `value` as the value of a mapping key or sequence item, at `indent` spaces. */
function lines(value: YamlValue, indent: number): { inline: string | null; block: string[] } {
  const pad = ' '.repeat(indent);
  if (typeof value === 'string' && isBlock(value)) {
    return { inline: '|-', block: value.split('\n').map((line) => (line === '' ? '' : pad + line)) };
  }
  if (value === null || typeof value !== 'object') return { inline: scalar(value), block: [] };
  if (isEmptyCollection(value)) return { inline: Array.isArray(value) ? '[]' : '{}', block: [] };
  return { inline: null, block: emit(value, indent) };
}

function emit(value: readonly YamlValue[] | { readonly [key: string]: YamlValue }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value as readonly YamlValue[]) {
      const isMap =
        item !== null && typeof item === 'object' && !Array.isArray(item) && !isEmptyCollection(item);
      if (isMap) {
        // `- first: …` then the other keys aligned under `first`.
        const body = emit(item, indent + 2);
        body[0] = `${pad}- ${body[0]!.slice(indent + 2)}`;
        out.push(...body);
      } else {
        const { inline, block } = lines(item, indent + 2);
        out.push(inline === null ? `${pad}-` : `${pad}- ${inline}`, ...block);
      }
    }
    return out;
  }
  for (const [name, item] of Object.entries(value as { readonly [key: string]: YamlValue })) {
    const { inline, block } = lines(item, indent + 2);
    out.push(inline === null ? `${pad}${key(name)}:` : `${pad}${key(name)}: ${inline}`, ...block);
  }
  return out;
}

/** Renders `value` (a mapping or sequence at the top) as a YAML document ending in a newline. */
export function toYaml(value: readonly YamlValue[] | { readonly [key: string]: YamlValue }): string {
  if (isEmptyCollection(value)) return Array.isArray(value) ? '[]\n' : '{}\n';
  return `${emit(value, 0).join('\n')}\n`;
}
