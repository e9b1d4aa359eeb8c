/**
 * Label sets and matchers: the data model every telemetry store shares (Prometheus's, which Loki reuses
 * for log streams). A series is identified by its label set, the metric name included as `__name__`.
 */

/** The label that holds a series' metric name. */
export const METRIC_NAME_LABEL = '__name__';

/** A label set: name → value. Empty values mean "absent" and are never stored. */
export type Labels = Readonly<Record<string, string>>;

/** The four PromQL/LogQL matcher operators. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** One label matcher, e.g. `job=~"api|web"`. */
export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/**
 * A canonical string key for a label set (sorted names, values JSON-escaped), equal for equal sets: the key
 * of series maps.
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '{';
  for (const name of names) {
    const value = labels[name]!;
    if (value === '') continue;
    if (key.length > 1) key += ',';
    key += `${name}=${JSON.stringify(value)}`;
  }
  return `${key}}`;
}

/** The label set without empty values, its names sorted: the stored form. */
export function normalizeLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name]!;
    if (value !== '') out[name] = value;
  }
  return out;
}

const regexCache = new Map<string, RegExp>();

/**
 * The anchored regular expression of a `=~`/`!~` matcher value, as Prometheus anchors them (`^(?:re)$`);
 * throws a SyntaxError when the value is not a valid expression.
 */
export function anchoredRegex(source: string): RegExp {
  let re = regexCache.get(source);
  if (re === undefined) {
    // RE2 (Prometheus) and JavaScript agree on the common syntax; RE2's leading flag group `(?i)` /
    // `(?s)` becomes a JavaScript flag, and `.` does not match a newline unless `(?s)` says so.
    const flags = /^\(\?([imsU]+)\)/.exec(source);
    const body = flags ? source.slice(flags[0].length) : source;
    const jsFlags = [...new Set((flags?.[1] ?? '').replace(/[mU]/g, ''))].join('');
    re = new RegExp(`^(?:${body})$`, jsFlags);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** Whether a label value (`''` when the label is absent) satisfies the matcher. */
export function matchesValue(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.type) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return anchoredRegex(matcher.value).test(value);
    case '!~':
      return !anchoredRegex(matcher.value).test(value);
  }
}

/** Whether a label set satisfies every matcher (absent labels match as the empty string). */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const matcher of matchers) {
    if (!matchesValue(matcher, labels[matcher.name] ?? '')) return false;
  }
  return true;
}
