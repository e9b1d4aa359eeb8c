import type { Labels } from '../model/labels.js';
import {
  goFormatE,
  goFormatFloat,
  goFormatG,
  humanize,
  humanize1024,
  humanizeDuration,
  humanizePercentage,
} from './go-format.js';

/** What a rule's label and annotation templates can read (Prometheus's template data). */
export interface TemplateData {
  /** The alert's series labels (metric name removed). */
  readonly labels: Labels;
  readonly value: number;
  readonly externalLabels?: Labels;
  readonly externalURL?: string;
}

/** A template Prometheus would accept but this subset does not support, or a malformed one. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

type Val = string | number;
type Token = { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'word'; v: string } | { t: 'pipe' };

const TOKEN =
  /\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?![\w.])|(\|)|([$.]?[A-Za-z_][\w.]*|\$|\.))/y;

function tokenize(action: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < action.length) {
    if (/^\s*$/.test(action.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(action);
    if (m === null) throw new TemplateError(`unexpected "${action.slice(start).trim()}" in action`);
    if (m[1] !== undefined) tokens.push({ t: 'str', v: JSON.parse(`"${m[1]}"`) as string });
    else if (m[2] !== undefined) tokens.push({ t: 'str', v: m[2] });
    else if (m[3] !== undefined) tokens.push({ t: 'num', v: Number(m[3]) });
    else if (m[4] !== undefined) tokens.push({ t: 'pipe' });
    else tokens.push({ t: 'word', v: m[5]! });
  }
  return tokens;
}

function toNumber(v: Val): number {
  return typeof v === 'number' ? v : Number(v);
}

function printf(format: string, args: Val[]): string {
  let i = 0;
  return format.replace(
    /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (whole, _flags, _width, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[i++]!;
      const p = prec === undefined ? undefined : Number(prec);
      switch (verb) {
        case 's':
          return typeof arg === 'number' ? goFormatFloat(arg) : arg;
        case 'v':
          return typeof arg === 'number' ? goFormatFloat(arg) : arg;
        case 'q':
          return JSON.stringify(String(arg));
        case 'd':
          return String(Math.trunc(toNumber(arg)));
        case 'f':
          return toNumber(arg).toFixed(p ?? 6);
        case 'e':
          return goFormatE(toNumber(arg), p ?? 6);
        case 'g':
          return p === undefined ? goFormatFloat(toNumber(arg)) : goFormatG(toNumber(arg), p);
        default:
          throw new TemplateError(`printf verb ${whole} is not supported`);
      }
    },
  );
}

const FUNCTIONS: Record<string, (args: Val[]) => Val> = {
  humanize: ([v]) => humanize(toNumber(v!)),
  humanize1024: ([v]) => humanize1024(toNumber(v!)),
  humanizePercentage: ([v]) => humanizePercentage(toNumber(v!)),
  humanizeDuration: ([v]) => humanizeDuration(toNumber(v!)),
  toUpper: ([v]) => String(v).toUpperCase(),
  toLower: ([v]) => String(v).toLowerCase(),
  title: ([v]) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  printf: ([format, ...rest]) => printf(String(format), rest),
};

function lookup(path: string, data: TemplateData): Val {
  // `$labels.x` → ['$labels', 'x']; `.Labels.x` → ['.Labels', 'x'].
  const parts = path.split('.');
  const [root, ...rest] = parts[0] === '' ? [`.${parts[1] ?? ''}`, ...parts.slice(2)] : parts;
  const key = rest[0] ?? '';
  switch (root) {
    case '$value':
    case '.Value':
      if (rest.length === 0) return data.value;
      break;
    case '$labels':
    case '.Labels':
      if (rest.length === 1) return data.labels[key] ?? '';
      break;
    case '$externalLabels':
    case '.ExternalLabels':
      if (rest.length === 1) return data.externalLabels?.[key] ?? '';
      break;
    case '$externalURL':
    case '.ExternalURL':
      if (rest.length === 0) return data.externalURL ?? '';
      break;
  }
  throw new TemplateError(`undefined variable or field "${path}"`);
}

function evalCommand(tokens: Token[], data: TemplateData, piped: Val | undefined): Val {
  const [head, ...rest] = tokens;
  if (head === undefined) throw new TemplateError('missing value for command');
  const operand = (tok: Token): Val => {
    if (tok.t === 'str' || tok.t === 'num') return tok.v;
    if (tok.t === 'word' && (tok.v.startsWith('$') || tok.v.startsWith('.'))) return lookup(tok.v, data);
    throw new TemplateError(`unexpected "${tok.t === 'word' ? tok.v : '|'}" in operand`);
  };
  if (head.t === 'word' && !head.v.startsWith('$') && !head.v.startsWith('.')) {
    if (head.v === 'index' && rest.length === 2 && rest[0]?.t === 'word') {
      return lookup(`${rest[0].v}.${String(operand(rest[1]!))}`, data);
    }
    const fn = FUNCTIONS[head.v];
    if (fn === undefined) throw new TemplateError(`function "${head.v}" not defined`);
    const args = rest.map(operand);
    if (piped !== undefined) args.push(piped);
    if (args.length === 0) throw new TemplateError(`wrong number of args for ${head.v}`);
    return fn(args);
  }
  if (rest.length > 0 || piped !== undefined)
    throw new TemplateError(`can't give argument to non-function ${JSON.stringify(head)}`);
  return operand(head);
}

function evalAction(action: string, data: TemplateData): string {
  const tokens = tokenize(action);
  const commands: Token[][] = [[]];
  for (const tok of tokens) {
    if (tok.t === 'pipe') commands.push([]);
    else commands[commands.length - 1]!.push(tok);
  }
  let value: Val | undefined;
  for (const command of commands) value = evalCommand(command, data, value);
  return typeof value === 'number' ? goFormatFloat(value) : (value ?? '');
}

/**
 * Expands a Prometheus alert template (`{{ $labels.service }}`, `{{ $value | humanizePercentage }}`,
 * `{{ printf "%.2f" $value }}`, `{{- … -}}` trimming) the way Prometheus's Go templates do, for the subset
 * rule files use: variables `$labels`, `$value`, `$externalLabels`, `$externalURL` (and `.Labels`, `.Value`),
 * `index`, `printf`, the humanize family, `toUpper`, `toLower`, `title`. Throws a {@link TemplateError}.
 */
export function expandTemplate(text: string, data: TemplateData): string {
  let out = '';
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) return out + rest;
    let before = rest.slice(0, open);
    let body = rest.slice(open + 2);
    const close = body.indexOf('}}');
    if (close < 0) throw new TemplateError('unclosed action');
    let action = body.slice(0, close);
    body = body.slice(close + 2);
    if (action.startsWith('- ')) {
      before = before.trimEnd();
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      body = body.trimStart();
      action = action.slice(0, -1);
    }
    if (/^\s*\/\*/.test(action)) {
      out += before;
    } else {
      if (/^\s*(?:if|else|end|range|with|define|template|block)\b/.test(action)) {
        throw new TemplateError(`"${action.trim()}" actions are not supported`);
      }
      out += before + evalAction(action, data);
    }
    rest = body;
  }
}

/** {@link expandTemplate}, turning a failure into Prometheus's `<error expanding template: …>` text. */
export function expandTemplateOrError(text: string, data: TemplateData): string {
  try {
    return expandTemplate(text, data);
  } catch (error) {
    return `<error expanding template: ${error instanceof Error ? error.message : String(error)}>`;
  }
}
