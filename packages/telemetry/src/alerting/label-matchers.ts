import { anchoredRegex, type LabelMatcher, type MatchType } from '../model/labels.js';

/** A matcher string Alertmanager would refuse. */
export class MatcherSyntaxError extends Error {
  override readonly name = 'MatcherSyntaxError';
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s",{}]*))\s*$/;

/**
 * Parses one Alertmanager matcher: `severity="page"`, `alertname=~"SLO.*"`, `env!=prod` (unquoted values
 * allowed, as in Alertmanager's config). Regular expressions are anchored and checked here.
 */
export function parseMatcher(text: string): LabelMatcher {
  const m = MATCHER.exec(text);
  if (m === null)
    throw new MatcherSyntaxError(`bad matcher "${text}": expected name="value" (or !=, =~, !~)`);
  const value = m[3] !== undefined ? (JSON.parse(`"${m[3]}"`) as string) : (m[4] ?? '');
  const type = m[2] as MatchType;
  if (type === '=~' || type === '!~') {
    try {
      anchoredRegex(value);
    } catch (error) {
      throw new MatcherSyntaxError(`bad regular expression in "${text}": ${(error as Error).message}`);
    }
  }
  return { name: m[1]!, type, value };
}

/** Splits on commas outside quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\') {
      current += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

/** Parses a matcher list: `{a="b", c=~"d"}`, `a="b",c="d"`, or an array of single matchers. */
export function parseMatchers(input: string | readonly string[]): LabelMatcher[] {
  if (typeof input !== 'string') return input.map(parseMatcher);
  const body = input.trim().replace(/^\{([\s\S]*)\}$/, '$1');
  return splitTopLevel(body).map(parseMatcher);
}

/** A matcher as Alertmanager prints it (`name="value"`). */
export function formatMatcher(m: LabelMatcher): string {
  return `${m.name}${m.type}${JSON.stringify(m.value)}`;
}
