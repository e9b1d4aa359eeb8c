/**
 * Prometheus-style descriptions of syntax errors. lezer recovers from errors silently (it inserts `⚠`
 * nodes), so when the tree has one we re-scan the text with a small PromQL lexer to say what Prometheus's
 * lexer and parser would: `unclosed left parenthesis`, `unexpected character: '~'`, `unexpected identifier
 * "bar"`, `unexpected end of input`, …
 */
import type { PositionRange } from './errors.js';

/** A syntax error description and where it is. */
export interface SyntaxProblem {
  readonly position: PositionRange;
  readonly message: string;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);
const OPERATOR_WORDS = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATORS = new Set([
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
]);
const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '='];
const PUNCTUATION = '(){}[],:@';

interface Token {
  readonly kind: 'identifier' | 'number' | 'string' | 'operator' | 'punct' | 'eof' | 'error';
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** Scans one token at `pos` (after whitespace and comments). */
function scan(query: string, start: number): Token {
  let pos = start;
  for (;;) {
    while (pos < query.length && /\s/.test(query[pos]!)) pos++;
    if (query[pos] !== '#') break;
    while (pos < query.length && query[pos] !== '\n') pos++;
  }
  if (pos >= query.length) return { kind: 'eof', from: pos, to: pos, text: '' };
  const rest = query.slice(pos);
  const ch = rest[0]!;
  const word = /^[a-zA-Z_:][\w:]*/.exec(rest);
  if (word) return { kind: 'identifier', from: pos, to: pos + word[0].length, text: word[0] };
  const num = /^(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:[a-zA-Z]\w*)?)/.exec(rest);
  if (num) return { kind: 'number', from: pos, to: pos + num[0].length, text: num[0] };
  if (ch === '"' || ch === "'" || ch === '`') {
    let i = 1;
    while (i < rest.length && rest[i] !== ch && !(ch !== '`' && rest[i] === '\n'))
      i += rest[i] === '\\' && ch !== '`' ? 2 : 1;
    if (i >= rest.length || rest[i] !== ch)
      return { kind: 'error', from: pos, to: query.length, text: 'unterminated quoted string' };
    return { kind: 'string', from: pos, to: pos + i + 1, text: rest.slice(0, i + 1) };
  }
  for (const op of OPERATORS) {
    if (rest.startsWith(op)) return { kind: 'operator', from: pos, to: pos + op.length, text: op };
  }
  if (PUNCTUATION.includes(ch)) return { kind: 'punct', from: pos, to: pos + 1, text: ch };
  return { kind: 'error', from: pos, to: pos + 1, text: `unexpected character: '${ch}'` };
}

/** Prometheus's wording for "what was found" (`Item.desc()`). */
function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'identifier': {
      const lower = token.text.toLowerCase();
      if (KEYWORDS.has(lower)) return `<${token.text}>`;
      if (OPERATOR_WORDS.has(lower)) return `<op:${token.text}>`;
      if (AGGREGATORS.has(lower)) return `<aggr:${token.text}>`;
      return `identifier ${JSON.stringify(token.text)}`;
    }
    case 'number':
      return /^\d+[a-zA-Z]/.test(token.text) && !/^0[xX]/.test(token.text) && !/^\d+[eE]\d/.test(token.text)
        ? `duration ${JSON.stringify(token.text)}`
        : `number ${JSON.stringify(token.text)}`;
    case 'string':
      return `string ${JSON.stringify(token.text)}`;
    case 'operator':
      return `<op:${token.text}>`;
    default:
      return JSON.stringify(token.text);
  }
}

/** Lexical problems Prometheus's lexer reports before parsing: bad characters, quotes and bracket nesting. */
function lexicalProblem(query: string): SyntaxProblem | undefined {
  const open: Token[] = [];
  for (let pos = 0; ;) {
    const token = scan(query, pos);
    if (token.kind === 'error')
      return { position: { start: token.from, end: token.to }, message: token.text };
    if (token.kind === 'eof') break;
    if (token.kind === 'punct' && '([{'.includes(token.text)) open.push(token);
    if (token.kind === 'punct' && ')]}'.includes(token.text)) {
      const expected = { ')': '(', ']': '[', '}': '{' }[token.text];
      const top = open.pop();
      if (top?.text !== expected) {
        const name = { ')': 'right parenthesis', ']': 'right bracket', '}': 'right brace' }[token.text]!;
        return {
          position: { start: token.from, end: token.to },
          message: `unexpected ${name} '${token.text}'`,
        };
      }
    }
    pos = token.to;
  }
  const unclosed = open[open.length - 1];
  if (unclosed === undefined) return undefined;
  const end = { start: query.length, end: query.length };
  if (unclosed.text === '(') return { position: end, message: 'unclosed left parenthesis' };
  if (unclosed.text === '[') return { position: end, message: 'unclosed left bracket' };
  return { position: end, message: 'unexpected end of input inside braces' };
}

/**
 * What to report for a lezer error node starting at `errorFrom`: a lexical problem anywhere in the query
 * wins (Prometheus's lexer runs ahead of its parser), else "unexpected <token found there>".
 */
export function describeSyntaxError(query: string, errorFrom: number): SyntaxProblem {
  const lexical = lexicalProblem(query);
  if (lexical !== undefined) return lexical;
  const token = scan(query, errorFrom);
  let message = `unexpected ${describe(token)}`;
  if (isInsideBraces(query, token.from) && token.kind !== 'eof') {
    message += ' in label matching, expected "," or "}"';
  }
  return { position: { start: token.from, end: token.to }, message };
}

/** Whether `pos` lies inside an unclosed `{`. */
function isInsideBraces(query: string, pos: number): boolean {
  let depth = 0;
  for (let p = 0; p < pos;) {
    const token = scan(query, p);
    if (token.kind === 'eof' || token.kind === 'error' || token.from >= pos) break;
    if (token.text === '{' && token.kind === 'punct') depth++;
    if (token.text === '}' && token.kind === 'punct') depth--;
    p = token.to;
  }
  return depth > 0;
}

/** The token starting at or after `pos`, for callers that need to look at it. */
export function tokenAt(
  query: string,
  pos: number,
): { readonly from: number; readonly to: number; readonly text: string } {
  const token = scan(query, pos);
  return { from: token.from, to: token.to, text: token.text };
}
