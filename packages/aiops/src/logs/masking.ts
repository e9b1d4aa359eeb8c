/**
 * Variable masking: what makes a token a variable in any log. Three layers: built-in regexes for values that
 * span whitespace (timestamps, sizes), caller regexes over the whole message (settings.json `regex`), then
 * token rules that need no configuration: words that start with a digit (numbers, ids, IPs, times, sizes with
 * units), long hex, generated ids, serial names (`an11`), value words (`true`, `null`), UUIDs, paths and URLs
 * are variables, and a variable absorbs the punctuation that only glues its parts together (`10.0.0.1:80`,
 * `2015-10-18`, `/tmp/x/1`) while keys, brackets and quotes around it stay (`uid=<*>`, `[<*>]`), so that
 * each variable is one `<*>`, as in the corrected Loghub ground truth.
 */
export const WILDCARD = '<*>';

export class MaskPatternError extends Error {
  constructor(source: string, reason: string) {
    super(`bad masking regex ${JSON.stringify(source)}: ${reason}`);
    this.name = 'MaskPatternError';
  }
}

/** Compiles settings.json-style regex strings (Python `re` syntax works for the usual patterns) as global. */
export function compileMaskPatterns(sources: readonly (string | RegExp)[]): RegExp[] {
  return sources.map((source) => {
    if (source instanceof RegExp) {
      return source.global ? source : new RegExp(source.source, `${source.flags}g`);
    }
    try {
      return new RegExp(source, 'g');
    } catch (error) {
      throw new MaskPatternError(source, (error as Error).message);
    }
  });
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';
const CLOCK = '\\d{1,2}:\\d{2}(?::\\d{2})?(?:[.,]\\d+)?';
/**
 * Values that span whitespace, masked over the whole message before the caller's regexes: timestamps
 * (`Fri Jun 17 07:07:00 2005`, `2015-10-18 18:01:47,978`) and sizes with a unit (`1.6 KB`, `1190 bytes (1.16 KB)`).
 */
export const BUILTIN_MASKS: readonly RegExp[] = [
  new RegExp(
    `\\b(?:${WEEKDAY},?\\s+)?${MONTH}\\s+\\d{1,2},?\\s+(?:\\d{4}\\s+)?${CLOCK}(?:\\s+\\d{4}\\b)?`,
    'g',
  ),
  new RegExp(`\\b\\d{4}-\\d{2}-\\d{2}[T ]${CLOCK}(?:Z|[+-]\\d{2}:?\\d{2})?`, 'g'),
  /\b\d+(?:\.\d+)?\s?(?:[KMGTP]i?B|B|bytes)\b(?:\s\(\d+(?:\.\d+)?\s?[KMGTP]i?B\))?/g,
];

/** The built-in masks, each skipped when a cheap test shows that it cannot match (they run on every line). */
export function applyBuiltinMasks(content: string): string {
  let out = content;
  const [dates, isoDates, sizes] = BUILTIN_MASKS as [RegExp, RegExp, RegExp];
  if (out.includes(':')) {
    out = out.replace(dates, keepSpaces);
    if (out.includes('-')) out = out.replace(isoDates, keepSpaces);
  }
  if (out.includes('B') || out.includes('bytes')) out = out.replace(sizes, keepSpaces);
  return out;
}

/**
 * The replacement of one regex match. Whitespace that the match took (`0x.*?\s`) must not glue the tokens
 * around it together; a key's `=` or `:` before the value (`=\d+` on `ambient=30`) stays the key's, and so
 * does closing punctuation that a lazy `/.+?\s` took along (`/a/b): ` keeps `): `).
 */
function keepSpaces(match: string): string {
  const lead = /^[\s=:]*/.exec(match)![0];
  const body = match.slice(lead.length);
  const trail = /\s$/.test(body) ? /[\s)\]}"',;:]*$/.exec(body)![0] : /\s*$/.exec(body)![0];
  if (lead.length + trail.length >= match.length) return match;
  return `${lead}${WILDCARD}${trail}`;
}

/** Replaces every match of each pattern, in order, with the wildcard. */
export function applyMaskPatterns(content: string, patterns: readonly RegExp[]): string {
  if (patterns === BUILTIN_MASKS) return applyBuiltinMasks(content);
  let out = content;
  for (const pattern of patterns) out = out.replace(pattern, keepSpaces);
  return out;
}

/** Splits a message on whitespace runs (so runs collapse, as in the ground truth). */
export function tokenize(content: string): string[] {
  const tokens = content.split(/\s+/);
  if (tokens.length > 0 && tokens[0] === '') tokens.shift();
  if (tokens.length > 0 && tokens[tokens.length - 1] === '') tokens.pop();
  return tokens;
}

// Literal values that are data, not wording, in any language's logs.
const VALUE_WORDS = new Set(['true', 'false', 'null', 'nil', 'undefined', 'True', 'False', 'None', 'NULL']);
// Punctuation that glues the parts of one value (dotted quads, dates, paths, host:port, ids).
const JOINERS = '.-_/:';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const URL_START = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const OPENERS = '([{<"\'';
const CLOSERS = ')]}>"\',;:.!?';

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isAlnum(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
/** Digits, optionally with a sign and one decimal point: the commonest variable, answered without scanning. */
function isPlainNumber(token: string): boolean {
  let i = token.charCodeAt(0) === 45 || token.charCodeAt(0) === 43 ? 1 : 0;
  if (i >= token.length) return false;
  let dot = false;
  for (; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 46 && !dot && i > 0 && i < token.length - 1) dot = true;
    else if (!isDigit(c)) return false;
  }
  return true;
}
function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isDigit(text.charCodeAt(i))) return true;
  return false;
}
/** Long all-hex words with a digit: hashes, addresses, session ids (short ones are too often real words). */
function isHexWord(word: string): boolean {
  if (word.length < 6) return false;
  let digit = false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (isDigit(c)) digit = true;
    else if (!((c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return digit;
}
/** An absolute path (`/a`, `/a/b`, `C:\x`, `\\host\share`): one variable, whatever its words. */
function isPath(core: string): boolean {
  if (/^(?:\/|[A-Za-z]:\\)[\w.-]/.test(core)) return true;
  return core.startsWith('\\') && core.indexOf('\\', 1) > 0;
}

/** The token with its variable parts replaced by the wildcard (the token itself when it has none). */
export function maskToken(token: string): string {
  if (token === WILDCARD || isPlainNumber(token)) return WILDCARD;
  if (!hasDigit(token) && !token.includes('/') && !token.includes('\\') && !token.includes(WILDCARD)) {
    if (!hasValueWord(token)) return token;
  }
  let start = 0;
  let end = token.length;
  while (start < end && OPENERS.includes(token[start] as string) && !token.startsWith(WILDCARD, start))
    start++;
  while (end > start && CLOSERS.includes(token[end - 1] as string) && !token.endsWith(WILDCARD, end)) end--;
  const core = token.slice(start, end);
  if (core.length > 0 && (UUID.test(core) || (URL_START.test(core) && hasDigit(core)) || isPath(core))) {
    // A full stop after a path or URL is as likely part of it (`part-00590.`) as the end of a sentence.
    const after = token.slice(end);
    return token.slice(0, start) + WILDCARD + (after === '.' ? '' : after);
  }
  return maskParts(token.includes('/') ? token.replace(EMBEDDED_PATH, WILDCARD) : token);
}

// A path right after an opening bracket, `=` or `:` inside a token (`chdir(/p/x)`, `path:/var/run/x`).
const EMBEDDED_PATH = /(?<=[([{=:'"])\/[^\s()[\]{}'"<>,;]*[^\s()[\]{}'"<>,;:.]/g;

const VALUE_WORD_INSIDE = /true|false|null|nil|undefined|True|False|None|NULL/;
function hasValueWord(token: string): boolean {
  return VALUE_WORD_INSIDE.test(token);
}

interface Piece {
  readonly text: string;
  readonly variable: boolean;
  readonly word: boolean;
}

/**
 * Scans a token as words (runs of letters, digits, `_` and wildcards) and punctuation. A word is a variable
 * when it holds a wildcard, starts with a digit, has an `_`-part that starts with one (`attempt_1445_m_0`), is
 * long hex, a serial name or a generated id. A compound (words glued by JOINERS: `10.0.0.1:80`,
 * `msra-sa-41:9000`, `a/b/1`) that holds a variable is one variable, except a leading `key:` (`Floor:240`) or
 * a name before a plain number (`node-129`); it also swallows a sign or a token-leading `/` (`-42`).
 */
function maskParts(token: string): string {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < token.length) {
    let j = i;
    while (j < token.length) {
      if (token.startsWith(WILDCARD, j)) j += WILDCARD.length;
      else if (isWordChar(token.charCodeAt(j))) j++;
      else break;
    }
    if (j > i) {
      const word = token.slice(i, j);
      pieces.push({ text: word, variable: isVariableWord(word) || VALUE_WORDS.has(word), word: true });
    } else {
      j = i + 1;
      while (j < token.length && !isWordChar(token.charCodeAt(j)) && !token.startsWith(WILDCARD, j)) j++;
      pieces.push({ text: token.slice(i, j), variable: false, word: false });
    }
    i = j;
  }
  let out = '';
  let k = 0;
  while (k < pieces.length) {
    const piece = pieces[k]!;
    if (!piece.word) {
      out += piece.text;
      k++;
      continue;
    }
    // The compound: word (joiner word)*.
    let end = k;
    while (end + 2 < pieces.length && isJoiner(pieces[end + 1]!.text) && pieces[end + 2]!.word) end += 2;
    let variableAt = -1;
    for (let w = k; w <= end; w += 2) if (pieces[w]!.variable) variableAt = variableAt < 0 ? w : variableAt;
    if (variableAt < 0) {
      for (let w = k; w <= end; w++) out += pieces[w]!.text;
      k = end + 1;
      continue;
    }
    // Hex groups (`00:11:43:e3:ba:c3`, `FF:F2:9C:00`) are one address.
    if (end - k >= 4 && isHexCompound(pieces, k, end)) {
      out += WILDCARD;
      k = end + 1;
      continue;
    }
    // `key:value`: constant words before a colon stay; so does a name before a plain number or id
    // (`node-129`, `core.2275`, `BP-1347-10.1.1.1`), but not one before a host's port or domain.
    let from = k;
    for (let w = k + 1; w < variableAt; w += 2) if (pieces[w]!.text === ':') from = w + 1;
    // ... unless they are a dotted host name and the value its port (`proxy.example.com:5070`).
    if (from > k && pieces.slice(k, from).filter((p) => p.text === '.').length >= 2) from = k;
    let plainTail = from === k && variableAt > k && pieces[variableAt - 1]!.text !== ':';
    // `blk_-42`: a name ending in `_` is the id's own prefix.
    if (plainTail && pieces[variableAt - 2]!.text.endsWith('_')) plainTail = false;
    for (let w = variableAt; w <= end && plainTail; w += 2) {
      if (!pieces[w]!.variable || (w > variableAt && pieces[w - 1]!.text === ':')) plainTail = false;
    }
    if (plainTail) from = variableAt;
    for (let w = k; w < from; w++) out += pieces[w]!.text;
    if (from > k && /[:=/]-$/.test(pieces[from - 1]!.text)) out = out.slice(0, out.length - 1);
    // A sign or a token-leading slash right before the value belongs to it.
    if (from === k && k > 0) {
      const before = pieces[k - 1]!.text;
      const last = before[before.length - 1];
      if (last === '-' || last === '+' || (last === '/' && k === 1 && before.length === 1)) {
        out = out.slice(0, out.length - 1);
      }
    }
    // Constant words after the value and a colon are the next field (`10.0.0.1:50010:Got`).
    let last = end;
    for (let w = end - 1; w > variableAt; w -= 2) {
      const rest = pieces.slice(w + 1, end + 1);
      if (pieces[w]!.text === ':' && !rest.some((p) => p.variable || /^[0-9a-fA-F]+$/.test(p.text)))
        last = w - 1;
    }
    out += WILDCARD;
    for (let w = last + 1; w <= end; w++) out += pieces[w]!.text;
    k = end + 1;
  }
  return out;
}

function isHexCompound(pieces: readonly Piece[], from: number, to: number): boolean {
  for (let w = from; w <= to; w += 2) if (!/^[0-9a-fA-F]{1,4}$/.test(pieces[w]!.text)) return false;
  for (let w = from + 1; w < to; w += 2) if (pieces[w]!.text !== ':' && pieces[w]!.text !== '-') return false;
  return true;
}

/** One or two joiner characters (`.`, `/.` as in `com.x/.Activity`), but not `::` (scope, not a value). */
function isJoiner(text: string): boolean {
  if (text.length > 2 || text === '::') return false;
  for (const ch of text) if (!JOINERS.includes(ch)) return false;
  return true;
}

function isWordChar(code: number): boolean {
  return isAlnum(code) || code === 95;
}
// A short name with a serial number (`an11`, `bglio716`, `node129`): an instance, not a kind (`tty2`, `eth1`).
const SERIAL = /^[A-Za-z]{1,8}[0-9]{2,}$/;
function isVariableWord(word: string): boolean {
  if (isDigit(word.charCodeAt(0)) || word.includes(WILDCARD) || SERIAL.test(word)) return true;
  if (isHexWord(word) || isMixedId(word)) return true;
  if (!word.includes('_')) return false;
  for (const part of word.split('_'))
    if (part.length > 0 && (isDigit(part.charCodeAt(0)) || isHexWord(part))) return true;
  return false;
}

/** Generated ids mix letters and digits in several runs (`jA9J1UvC004306`); names have one (`Brcm43xx`). */
function isMixedId(word: string): boolean {
  let runs = 0;
  for (let i = 0; i < word.length; i++) {
    if (isDigit(word.charCodeAt(i)) && (i === 0 || !isDigit(word.charCodeAt(i - 1)))) runs++;
  }
  return runs >= 3 || (runs >= 2 && word.length >= 8);
}
