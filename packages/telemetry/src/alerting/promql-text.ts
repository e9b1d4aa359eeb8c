/** A PromQL string literal holding `value` (double-quoted, with Go's escapes, which JSON's are a subset of). */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/** A label selector body (`a="x",b=~"y"`) from `[name, op, value]` triples, values quoted and escaped. */
export function selector(
  matchers: readonly (readonly [name: string, op: '=' | '!=' | '=~' | '!~', value: string])[],
): string {
  return matchers.map(([name, op, value]) => `${name}${op}${promqlString(value)}`).join(',');
}
