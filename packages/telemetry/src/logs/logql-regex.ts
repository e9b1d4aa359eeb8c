/**
 * Go (RE2) regular expressions as LogQL writes them, run as JavaScript ones. The common differences are
 * translated: leading inline flags `(?i)`, `(?s)`, `(?m)` become RegExp flags and `(?P<name>` becomes
 * `(?<name>`. Label matchers without such syntax use the shared {@link matchesValue} unchanged.
 */
import { matchesValue, type LabelMatcher, type Labels } from '../model/labels.js';

const INLINE_FLAGS = /^\(\?([ism]+)\)/;
const cache = new Map<string, RegExp>();

/** The JavaScript RegExp of a Go expression; `anchored` wraps it as `^(?:…)$` (label matchers). */
export function compileGoRegex(source: string, anchored: boolean): RegExp {
  const key = `${anchored ? 'a' : 'u'}${source}`;
  let re = cache.get(key);
  if (re !== undefined) return re;
  let body = source;
  let flags = 'u';
  const inline = INLINE_FLAGS.exec(body);
  if (inline !== null) {
    body = body.slice(inline[0].length);
    for (const flag of new Set(inline[1])) flags += flag;
  }
  body = body.replaceAll('(?P<', '(?<');
  if (anchored) {
    if (!flags.includes('s')) flags += 's'; // Prometheus/Loki matchers: `.` matches newlines
    body = `^(?:${body})$`;
  }
  try {
    re = new RegExp(body, flags);
  } catch {
    re = new RegExp(body, flags.replace('u', '')); // Go accepts some escapes that unicode mode refuses
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

function needsTranslation(source: string): boolean {
  return INLINE_FLAGS.test(source) || source.includes('(?P<');
}

/** A predicate for one label matcher (absent labels are the empty string); throws on an invalid regex. */
export function compileMatcher(matcher: LabelMatcher): (value: string) => boolean {
  if ((matcher.type === '=~' || matcher.type === '!~') && needsTranslation(matcher.value)) {
    const re = compileGoRegex(matcher.value, true);
    return matcher.type === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
  }
  if (matcher.type === '=~' || matcher.type === '!~') matchesValue(matcher, ''); // validates the regex now
  return (v) => matchesValue(matcher, v);
}

/** A predicate over label sets satisfying every matcher (Go regex syntax accepted); throws on a bad regex. */
export function compileSelector(matchers: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const tests = matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  return (labels) => {
    for (const { name, test } of tests) if (!test(labels[name] ?? '')) return false;
    return true;
  };
}
