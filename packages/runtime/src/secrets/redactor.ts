import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { AhoCorasick } from './aho-corasick.js';

/**
 * Values shorter than this are not redacted. Masking every "ab" or "1234"-short value would shred
 * ordinary log text (false positives everywhere) while protecting almost nothing: such a value can be
 * guessed anyway.
 */
export const MIN_REDACTED_LENGTH = 4;

/** A secret value and the name shown in its mask (`db/password` → `[REDACTED:db/password]`). */
export interface SecretValue {
  name: string;
  value: string;
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** `name` (default): `[REDACTED:<name>]`; `stars`: `***`, which does not even reveal which secret leaked. */
  mask?: 'name' | 'stars';
}

/** One occurrence to mask: `text.slice(start, end)` becomes `mask`. */
export interface RedactionMatch {
  start: number;
  end: number;
  mask: string;
}

/** Masks secret values in text. */
export interface Redactor {
  /** `text` with every occurrence of every secret (and its encoded forms) masked. */
  redact(text: string): string;
  /** The occurrences {@link Redactor.redact} masks: leftmost first, longest at each start, non-overlapping. */
  scan(text: string): RedactionMatch[];
  /** Length of the longest pattern searched for (0 if none): a stream must hold back this − 1 characters. */
  readonly maxLength: number;
  /** Number of distinct patterns (values and their encoded forms). */
  readonly size: number;
}

/**
 * The forms a value takes on its way into a log line: as is, JSON-escaped (once, and twice for JSON logged
 * inside JSON), URL-encoded (also with `+` for spaces), and base64 / base64url. Base64 is matched without
 * padding so that both padded and unpadded encodings are caught; a value base64-encoded together with
 * other text (e.g. `user:password` in Basic auth) shifts the alignment and is not recognised.
 */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json);
  forms.add(JSON.stringify(json).slice(1, -1));
  try {
    const url = encodeURIComponent(value);
    forms.add(url);
    forms.add(url.replaceAll('%20', '+'));
  } catch {
    // A lone surrogate has no URL encoding; it cannot appear URL-encoded either.
  }
  const bytes = Buffer.from(value, 'utf8');
  forms.add(bytes.toString('base64').replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  return [...forms];
}

/**
 * Builds a redactor for `values` (and their {@link encodedForms}), ignoring values shorter than
 * {@link MIN_REDACTED_LENGTH}. One Aho–Corasick automaton matches all patterns in a single pass.
 *
 * Masks are chosen so that masking cannot itself create an occurrence: a mask that contains a secret, or
 * that could form one together with the text around it (a secret beginning with the mask's end or ending
 * with its beginning), is replaced by the next candidate (`[REDACTED]`, `***`, …). A secret named
 * `db/password` whose value is `password` is therefore masked as `[REDACTED]`, not `[REDACTED:db/password]`.
 * With that, no value of length ≥ 4 survives in the output.
 */
export function createRedactor(values: Iterable<SecretValue>, options: RedactorOptions = {}): Redactor {
  const nameOf = new Map<string, string>();
  for (const { name, value } of values) {
    if (value.length < MIN_REDACTED_LENGTH) continue;
    for (const form of encodedForms(value)) {
      if (form.length >= MIN_REDACTED_LENGTH && !nameOf.has(form)) nameOf.set(form, name);
    }
  }
  const patterns = [...nameOf.keys()];
  const names = [...nameOf.values()];
  const matcher = new AhoCorasick(patterns);
  const maskOf = chooseMasks(matcher, names, options.mask ?? 'name');
  const maxLength = patterns.reduce((longest, pattern) => Math.max(longest, pattern.length), 0);

  const scan = (text: string): RedactionMatch[] => {
    if (patterns.length === 0) return [];
    // Longest pattern starting at each position where any starts.
    const longest = new Map<number, { end: number; pattern: number }>();
    matcher.search(text, (start, end, pattern) => {
      const best = longest.get(start);
      if (best === undefined || end > best.end) longest.set(start, { end, pattern });
    });
    if (longest.size === 0) return [];
    const starts = [...longest.keys()].sort((a, b) => a - b);
    const matches: RedactionMatch[] = [];
    let covered = 0;
    for (const start of starts) {
      if (start < covered) continue;
      const { end, pattern } = longest.get(start)!;
      matches.push({ start, end, mask: maskOf.get(names[pattern]!)! });
      covered = end;
    }
    return matches;
  };

  return {
    maxLength,
    size: patterns.length,
    scan,
    redact(text) {
      const matches = scan(text);
      if (matches.length === 0) return text;
      let out = '';
      let position = 0;
      for (const match of matches) {
        out += text.slice(position, match.start) + match.mask;
        position = match.end;
      }
      return out + text.slice(position);
    },
  };
}

const FALLBACK_MASKS = ['[REDACTED]', '***', '<redacted>', '###', '~~~~'];

/** The first candidate mask per name that cannot overlap any pattern (see {@link createRedactor}). */
function chooseMasks(
  forward: AhoCorasick,
  names: readonly string[],
  style: 'name' | 'stars',
): Map<string, string> {
  const patterns = forward.patterns;
  const distinctNames = [...new Set(names)];
  const candidatesOf = (name: string) =>
    style === 'name'
      ? [`[REDACTED:${name}]`, ...FALLBACK_MASKS]
      : ['***', ...FALLBACK_MASKS.filter((m) => m !== '***')];
  const candidates = [...new Set(distinctNames.flatMap(candidatesOf))];
  const backward = new AhoCorasick(patterns.map(reverse));
  // Masks that occur inside some pattern (a pattern spanning a whole mask plus text on both sides).
  const inside = new Set<number>();
  const maskMatcher = new AhoCorasick(candidates);
  for (const pattern of patterns) maskMatcher.search(pattern, (_start, _end, mask) => inside.add(mask));
  const safe = candidates.map(
    (mask, index) =>
      !inside.has(index) &&
      !forward.occursIn(mask) &&
      // No pattern starts with a suffix of the mask, nor ends with a prefix of it.
      forward.overlapAtEnd(mask) === 0 &&
      backward.overlapAtEnd(reverse(mask)) === 0,
  );
  const safeMasks = new Set(candidates.filter((_mask, index) => safe[index]));
  const masks = new Map<string, string>();
  for (const name of distinctNames) {
    const options = candidatesOf(name);
    // If every candidate collides (only with contrived secrets), fall back to the last: best effort.
    masks.set(name, options.find((mask) => safeMasks.has(mask)) ?? options[options.length - 1]!);
  }
  return masks;
}

function reverse(text: string): string {
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) out += text[i];
  return out;
}

/**
 * A Transform that redacts a byte or text stream (a replica's stdout). A value split across chunks is
 * still caught: the last `maxLength − 1` characters are held back until the next chunk (or the end) shows
 * whether they start a secret. Output equals `redactor.redact` of the whole input, whatever the chunking.
 */
export function redactStream(redactor: Redactor): Transform {
  const decoder = new StringDecoder('utf8');
  const hold = Math.max(0, redactor.maxLength - 1);
  let carry = '';

  const process = (text: string, final: boolean): string => {
    const buffer = carry + text;
    let safeEnd = final ? buffer.length : buffer.length - hold;
    // Never cut a surrogate pair in two: half a character would be encoded as U+FFFD.
    if (!final && safeEnd > 0 && isHighSurrogate(buffer.charCodeAt(safeEnd - 1))) safeEnd -= 1;
    if (safeEnd <= 0) {
      carry = buffer;
      return '';
    }
    // Every occurrence starting before safeEnd lies wholly inside the buffer, so the choices made there
    // are the ones a scan of the whole input would make.
    let out = '';
    let position = 0;
    let cut = safeEnd;
    for (const match of redactor.scan(buffer)) {
      if (match.start >= safeEnd) break;
      out += buffer.slice(position, match.start) + match.mask;
      position = match.end;
      cut = Math.max(cut, match.end);
    }
    out += buffer.slice(position, cut);
    carry = buffer.slice(cut);
    return out;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const out = process(decoder.write(chunk), false);
      if (out !== '') this.push(out);
      callback();
    },
    flush(callback) {
      const out = process(decoder.end(), true);
      if (out !== '') this.push(out);
      callback();
    },
  });
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
