import { WILDCARD } from './masking.js';

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 4096;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex for a template: literal text (any whitespace run matching any whitespace run), lazy wildcards. */
function patternOf(template: string): RegExp {
  let pattern = cache.get(template);
  if (pattern === undefined) {
    const source = template
      .split(WILDCARD)
      .map((part) => escape(part).replace(/\s+/g, '\\s+'))
      .join('(.*?)');
    pattern = new RegExp(`^\\s*${source}\\s*$`, 's');
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(template, pattern);
  }
  return pattern;
}

/**
 * The values of a message at the wildcards of its template, through a regex made from the template (cached):
 * wildcards inside tokens (`uid=<*>`) and values that span whitespace work alike. Empty when the message does
 * not fit (the template shown for a line always fits it, unless a caller regex changed its token count).
 */
export function extractParameters(templateTokens: readonly string[], content: string): string[] {
  if (!templateTokens.some((t) => t.includes(WILDCARD))) return [];
  const template = templateTokens.join(' ');
  const match = patternOf(template).exec(content);
  if (match === null) return [];
  return match.slice(1).map((value) => value ?? '');
}

/** The values of a message at the wildcards of a template written as text (`session <*> opened for user <*>`). */
export function templateParameters(template: string, content: string): string[] {
  return extractParameters([template], content);
}
