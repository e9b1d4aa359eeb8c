/**
 * Test support: an interpreter for the small TraceQL subset a Tempo stand-in needs — one spanset filter of
 * comparisons joined by `&&` / `||` with parentheses, on `resource.*`, `span.*` and unscoped `.attr`
 * attributes and the intrinsics `name`, `status` and `traceDuration`, optionally followed by a
 * `with (...)` hint. Typed comparisons, as in Tempo: `.code = "502"` does not match the integer 502.
 */
import { serviceOf, type AttributeValue, type TraceSpan } from '../../span.js';

type Value =
  | { kind: 'string'; v: string }
  | { kind: 'number'; v: number }
  | { kind: 'bool'; v: boolean }
  | { kind: 'status'; v: string }
  | { kind: 'duration'; v: number };
type Expr =
  | { op: '&&' | '||'; left: Expr; right: Expr }
  | { op: '=' | '!=' | '>=' | '<=' | '>' | '<'; lhs: string; rhs: Value }
  | { op: 'true' };

const TOKEN = /\s*(\{|\}|\(|\)|&&|\|\||!=|>=|<=|=|>|<|\.?"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.\-/:]+)/y;
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = TOKEN.exec(query)) !== null) tokens.push(match[1]!);
  if (query.slice(TOKEN.lastIndex).trim() !== '' && tokens.length === 0)
    throw new Error(`bad TraceQL: ${query}`);
  return tokens;
}

const unquote = (s: string) => JSON.parse(s) as string;

function value(token: string): Value {
  if (token.startsWith('"')) return { kind: 'string', v: unquote(token) };
  if (token === 'true' || token === 'false') return { kind: 'bool', v: token === 'true' };
  if (token === 'error' || token === 'ok' || token === 'unset') return { kind: 'status', v: token };
  const duration = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(token);
  if (duration !== null) return { kind: 'duration', v: Number(duration[1]) * UNITS[duration[2]!]! };
  if (/^-?\d+(\.\d+)?$/.test(token)) return { kind: 'number', v: Number(token) };
  throw new Error(`bad TraceQL value ${token}`);
}

/** Parses `{ ... } [with (...)]`. */
export function parseTraceQL(query: string): Expr {
  const tokens = tokenize(query);
  let i = 0;
  const next = () => tokens[i++] ?? '';
  const peek = () => tokens[i] ?? '';
  const expect = (t: string) => {
    if (next() !== t) throw new Error(`bad TraceQL, expected ${t}: ${query}`);
  };
  const primary = (): Expr => {
    if (peek() === '(') {
      next();
      const inner = or();
      expect(')');
      return inner;
    }
    const lhs = next();
    const op = next() as '=';
    return { op, lhs, rhs: value(next()) };
  };
  const and = (): Expr => {
    let left = primary();
    while (peek() === '&&') {
      next();
      left = { op: '&&', left, right: primary() };
    }
    return left;
  };
  const or = (): Expr => {
    let left = and();
    while (peek() === '||') {
      next();
      left = { op: '||', left, right: and() };
    }
    return left;
  };
  expect('{');
  const expr: Expr = peek() === '}' ? { op: 'true' } : or();
  expect('}');
  return expr;
}

function attribute(span: TraceSpan, lhs: string): AttributeValue | undefined {
  const key = (prefix: string) => {
    const rest = lhs.slice(prefix.length);
    return rest.startsWith('"') ? unquote(rest) : rest;
  };
  if (lhs.startsWith('resource.'))
    return key('resource.') === 'service.name' ? serviceOf(span) : span.resource[key('resource.')];
  if (lhs.startsWith('span.')) return span.attributes[key('span.')];
  const k = key('.');
  return span.attributes[k] ?? span.resource[k];
}

function compare(actual: AttributeValue | undefined, op: string, rhs: Value): boolean {
  const typeOk =
    (rhs.kind === 'string' && typeof actual === 'string') ||
    ((rhs.kind === 'number' || rhs.kind === 'duration') && typeof actual === 'number') ||
    (rhs.kind === 'bool' && typeof actual === 'boolean') ||
    (rhs.kind === 'status' && typeof actual === 'string');
  if (!typeOk) return op === '!=';
  const a = actual;
  switch (op) {
    case '=':
      return a === rhs.v;
    case '!=':
      return a !== rhs.v;
    case '>=':
      return a >= rhs.v;
    case '<=':
      return a <= rhs.v;
    case '>':
      return a > rhs.v;
    case '<':
      return a < rhs.v;
    default:
      throw new Error(`bad operator ${op}`);
  }
}

function evaluate(expr: Expr, span: TraceSpan, traceDurationMs: number): boolean {
  if (expr.op === 'true') return true;
  if ('left' in expr) {
    const left = evaluate(expr.left, span, traceDurationMs);
    const right = evaluate(expr.right, span, traceDurationMs);
    return expr.op === '&&' ? left && right : left || right;
  }
  const actual =
    expr.lhs === 'name'
      ? span.name
      : expr.lhs === 'status'
        ? span.status.code
        : expr.lhs === 'traceDuration'
          ? traceDurationMs
          : attribute(span, expr.lhs);
  return compare(actual, expr.op, expr.rhs);
}

/** Whether some span of the trace satisfies the TraceQL filter. */
export function traceqlMatches(query: string, trace: readonly TraceSpan[]): boolean {
  const expr = parseTraceQL(query);
  const start = Math.min(...trace.map((s) => Number(s.startTimeUnixNano / 1000n)));
  const end = Math.max(...trace.map((s) => Number(s.endTimeUnixNano / 1000n)));
  return trace.some((span) => evaluate(expr, span, (end - start) / 1000));
}

/** The spans satisfying the filter (for filtered tag values). */
export function traceqlSpans(query: string, spans: readonly TraceSpan[]): TraceSpan[] {
  const expr = parseTraceQL(query);
  return spans.filter((span) => evaluate(expr, span, 0));
}
