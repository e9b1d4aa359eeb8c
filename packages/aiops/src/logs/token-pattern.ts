import { WILDCARD } from './masking.js';

// Punctuation that opens or separates a value inside a token (`key=`, `(`, `[`), and that closes one.
const OPENING = '=:([{"\'#<@';
const CLOSING = ')]}"\',;:.!?>#';

/**
 * The most specific token pattern covering two different tokens: the variable part becomes one wildcard and
 * the punctuation around it stays (`[Thunderbird_A8]` and `[Thunderbird_B1]` give `[<*>]`; `10.0.0.1,` and
 * `LOCAL(1),` give `<*>,`; `rhost=a` and `rhost=b` give `rhost=<*>`), so that templates keep the shape the
 * ground truth writes.
 */
export function generaliseToken(a: string, b: string): string {
  if (a === b) return a;
  if (a === WILDCARD || b === WILDCARD) return WILDCARD;
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a[p] === b[p]) p++;
  // Cut the common prefix after its last opening punctuation, outside any wildcard.
  let prefix = 0;
  for (let i = 0; i < p; i++) {
    if (a.startsWith(WILDCARD, i) || b.startsWith(WILDCARD, i)) {
      i += WILDCARD.length - 1;
      continue;
    }
    if (OPENING.includes(a[i] as string)) prefix = i + 1;
  }
  // The common suffix: only a run of closing punctuation.
  let suffix = 0;
  while (
    suffix < max - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix] &&
    CLOSING.includes(a[a.length - 1 - suffix] as string) &&
    !a.endsWith(WILDCARD, a.length - suffix) &&
    !b.endsWith(WILDCARD, b.length - suffix)
  ) {
    suffix++;
  }
  const head = a.slice(0, prefix);
  const tail = a.slice(a.length - suffix);
  if (head.length + tail.length >= a.length || head.length + tail.length >= b.length) return WILDCARD;
  return `${head}${WILDCARD}${tail}`;
}

/** True when the token fits a template token (equal, or matching it with wildcards standing for any text). */
export function fitsToken(pattern: string, token: string): boolean {
  if (pattern === token || pattern === WILDCARD) return true;
  const at = pattern.indexOf(WILDCARD);
  if (at < 0) return false;
  const parts = pattern.split(WILDCARD);
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!token.startsWith(first) || !token.endsWith(last) || first.length + last.length > token.length)
    return false;
  let from = first.length;
  const limit = token.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = token.indexOf(parts[i] as string, from);
    if (found < 0 || found + (parts[i] as string).length > limit) return false;
    from = found + (parts[i] as string).length;
  }
  return true;
}

/** The token pattern widened to cover a token (itself when it already does). */
export function widenToken(pattern: string, token: string): string {
  return pattern === token || fitsToken(pattern, token) ? pattern : generaliseToken(pattern, token);
}

/** The template widened to cover the tokens, position by position (the same array when it already does). */
export function widen(template: string[], tokens: readonly string[]): string[] {
  let out: string[] | undefined;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const w = widenToken(t, tokens[i] as string);
    if (w !== t) {
      out ??= template.slice();
      out[i] = w;
    }
  }
  return out ?? template;
}

/** True when every token of `other` fits the template's token at its position. */
export function covers(template: readonly string[], other: readonly string[]): boolean {
  for (let i = 0; i < template.length; i++) {
    if (!fitsToken(template[i] as string, other[i] as string)) return false;
  }
  return true;
}
