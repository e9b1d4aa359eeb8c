import {
  applyBuiltinMasks,
  applyMaskPatterns,
  compileMaskPatterns,
  maskToken,
  tokenize,
  WILDCARD,
} from './masking.js';

/** A message as the miner sees it. */
export interface MessageView {
  /** What lines are grouped by: built-in and caller masks, then the token rules. */
  readonly tokens: string[];
  /** What the template shows: the same positions, masked by the general rules only (see `views`). */
  readonly display: string[];
  /** Cache key: the grouping tokens, and the display tokens when they differ. */
  readonly key: string;
}

export interface MessageViewOptions {
  readonly masks?: readonly (string | RegExp)[];
  readonly builtinMasks?: boolean;
  /** Line shapes remembered (0: none). */
  readonly cacheSize: number;
}

// A run of this many wildcards or more is one variable-length list (block ids, stack frames).
const LIST = 5;
// Numbers: digit runs not glued to letters. Digits inside words (`tty2`, `IO80211`) are part of names, so
// shapes keep them, and a view is shared only when no number survived its masking.
const SURVIVING_NUMBER = /(?<![A-Za-z0-9])[0-9]+(?![A-Za-z0-9])/;

/** Masks messages, through a cache of line shapes. */
export class MessageViews {
  readonly #builtin: boolean;
  readonly #caller: readonly RegExp[];
  readonly #cacheSize: number;
  readonly #shapeDigit: string | undefined;
  readonly #keptDigits: ReadonlySet<string>;
  readonly #shapes = new Map<string, MessageView>();

  constructor(options: MessageViewOptions) {
    this.#builtin = options.builtinMasks !== false;
    this.#caller = compileMaskPatterns(options.masks ?? []);
    this.#cacheSize = options.cacheSize;
    // Digits that a caller regex names literally (`0x.*?\s`) keep their identity in shapes; the others all
    // become one digit that no regex names.
    this.#keptDigits = new Set(this.#caller.flatMap((re) => literalDigits(re.source)));
    this.#shapeDigit = [...'0123456789'].find((d) => !this.#keptDigits.has(d));
  }

  /**
   * The views of a message through the shape cache. Lines that differ only in the digits of their numbers
   * mask alike (every rule looks at digits as a class, never at their values), so when no number survives the
   * masking the views of one line serve all lines of its shape: most lines cost one scan and a map lookup.
   */
  of(content: string): MessageView {
    if (this.#cacheSize === 0 || this.#shapeDigit === undefined) return this.views(content);
    const shape = shapeOf(content, this.#shapeDigit, this.#keptDigits);
    const known = this.#shapes.get(shape);
    if (known !== undefined) return known;
    const view = this.views(content);
    if (!SURVIVING_NUMBER.test(view.key)) {
      if (this.#shapes.size >= this.#cacheSize) this.#shapes.clear();
      this.#shapes.set(shape, view);
    }
    return view;
  }

  /**
   * The views of a message, computed. Caller regexes are written for grouping and often swallow a value's
   * surroundings (`core\.\d+` on `core.2275`, `=\d+` on `ambient=30`), so the template text comes from the
   * general masking alone whenever that gives the same token positions.
   */
  views(content: string): MessageView {
    const builtin = this.#builtin ? applyBuiltinMasks(content) : content;
    const grouped = applyMaskPatterns(builtin, this.#caller);
    const tokens = maskTokens(grouped);
    let display = tokens;
    if (grouped !== builtin) {
      const shown = maskTokens(builtin);
      if (shown.length === tokens.length) display = shown;
    }
    const key = display === tokens ? tokens.join(' ') : `${tokens.join(' ')}\u0002${display.join(' ')}`;
    return { tokens, display, key };
  }
}

/** General masking of a (pre-masked) message: tokens, each token's rule, long runs of values as one list. */
function maskTokens(content: string): string[] {
  const tokens = tokenize(content);
  const out: string[] = [];
  let run = 0;
  for (const token of tokens) {
    const masked = maskToken(token);
    if (masked === WILDCARD) {
      run++;
      continue;
    }
    flushRun(out, run);
    run = 0;
    out.push(masked);
  }
  flushRun(out, run);
  return out;
}

function flushRun(out: string[], run: number): void {
  if (run >= LIST) out.push(WILDCARD);
  else for (let i = 0; i < run; i++) out.push(WILDCARD);
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** The message with the digits of every number replaced by `digit` (except digits a caller regex names). */
function shapeOf(content: string, digit: string, kept: ReadonlySet<string>): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < content.length) {
    const c = content.charCodeAt(i);
    if (c < 48 || c > 57) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < content.length && content.charCodeAt(j) >= 48 && content.charCodeAt(j) <= 57) j++;
    if (
      !(i > 0 && isLetter(content.charCodeAt(i - 1))) &&
      !(j < content.length && isLetter(content.charCodeAt(j)))
    ) {
      out += content.slice(from, i);
      for (let k = i; k < j; k++) out += kept.has(content[k] as string) ? content[k] : digit;
      from = j;
    }
    i = j;
  }
  return from === 0 ? content : out + content.slice(from);
}

/** The digits a regex source names outside quantifiers (`{2,3}`) and escapes (`\d`); ranges name all theirs. */
function literalDigits(source: string): string[] {
  const bare = source.replace(/\{\d+(?:,\d*)?\}/g, '').replace(/\\[^0-9]/g, '');
  const digits: string[] = [...(bare.match(/[0-9]/g) ?? [])];
  for (const [, from, to] of bare.matchAll(/([0-9])-([0-9])/g)) {
    for (let d = Number(from); d <= Number(to); d++) digits.push(String(d));
  }
  return digits;
}
