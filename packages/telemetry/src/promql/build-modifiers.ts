/**
 * Postfix syntax of the AST builder: `[range]`, `[range:step]`, `offset` and `@`, with Prometheus 2.42's
 * placement rules and messages, and the re-association lezer's grammar needs (see {@link postfix}).
 */
import type { AtModifier, Expr, MatrixSelector, SubqueryExpr } from './ast.js';
import { isDurationToken } from './literals.js';
import { children, type ParseContext, type Span, type SyntaxNode } from './parse-context.js';
import { tokenAt } from './syntax-errors.js';

/**
 * lezer's grammar binds `[range]`, `[range:step]`, `offset` and `@` looser than operators (`-x[5m]` is
 * `(-x)[5m]` there); Prometheus binds them to the nearest operand. Re-associate: apply the postfix to the
 * rightmost operand of an unparenthesised binary or unary expression.
 */
export function postfix(inner: Expr, apply: (operand: Expr) => Expr): Expr {
  if (inner.type === 'binary') {
    const rhs = postfix(inner.rhs, apply);
    return { ...inner, rhs, pos: { start: inner.pos.start, end: rhs.pos.end } };
  }
  if (inner.type === 'unary') {
    const operand = postfix(inner.expr, apply);
    return { ...inner, expr: operand, pos: { start: inner.pos.start, end: operand.pos.end } };
  }
  return apply(inner);
}

/** `inner[range]` (node: the MatrixSelector, kids: its children). */
export function matrixSelector(
  ctx: ParseContext,
  node: SyntaxNode,
  kids: SyntaxNode[],
  inner: Expr,
): MatrixSelector {
  const bracket = tokenAt(ctx.query, kids[0]!.to);
  const at = { from: bracket.from, to: node.to };
  if (inner.type !== 'vectorSelector') ctx.fail(at, 'ranges only allowed for vector selectors');
  if (inner.offsetMs !== 0) ctx.fail(at, 'no offset modifiers allowed before range');
  if (inner.at !== undefined) ctx.fail(at, 'no @ modifiers allowed before range');
  const rangeMs = ctx.duration(kids[1]!);
  return { type: 'matrixSelector', selector: inner, rangeMs, pos: { start: inner.pos.start, end: node.to } };
}

/** `inner[range:step]`. */
export function subquery(ctx: ParseContext, node: SyntaxNode, kids: SyntaxNode[], inner: Expr): SubqueryExpr {
  const durations = kids.filter((k) => k.name === 'DurationExpr');
  const step = durations[1];
  return {
    type: 'subquery',
    expr: inner,
    rangeMs: ctx.duration(durations[0]!),
    stepMs: step === undefined ? undefined : ctx.duration(step),
    offsetMs: 0,
    at: undefined,
    pos: { start: inner.pos.start, end: node.to },
  };
}

function span(expr: Expr): Span {
  return { from: expr.pos.start, to: expr.pos.end };
}

/** `inner offset <duration>` (kids: the OffsetExpr's children). */
export function offset(ctx: ParseContext, kids: SyntaxNode[], inner: Expr): Expr {
  let offsetNode = kids[2]!;
  let sign = 1;
  for (;;) {
    const parts = children(offsetNode);
    if (parts[0]?.name !== 'UnaryOp') break;
    if (ctx.text(parts[0]) === '-') sign = -sign;
    offsetNode = parts[1]!;
  }
  const parts = children(offsetNode);
  const literal = parts[0];
  if (parts.length !== 1 || literal?.name !== 'NumberDurationLiteralInDurationContext') {
    ctx.fail(offsetNode, `bad duration syntax: ${JSON.stringify(ctx.text(offsetNode))}`);
  }
  const ms = sign * ctx.durationLiteral(literal);
  const target = inner.type === 'matrixSelector' ? inner.selector : inner;
  if (target.type !== 'vectorSelector' && target.type !== 'subquery') {
    ctx.fail(
      span(inner),
      'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
  }
  if (target.offsetMs !== 0) ctx.fail(span(inner), 'offset may not be set multiple times');
  return withModifier(inner, { offsetMs: ms });
}

/** `inner @ <timestamp | start() | end()>` (kids: the StepInvariantExpr's children). */
export function at(ctx: ParseContext, kids: SyntaxNode[], inner: Expr): Expr {
  const valueNode = kids[2]!;
  let modifier: AtModifier;
  if (valueNode.name === 'AtModifierPreprocessors') {
    modifier = { kind: children(valueNode)[0]?.name === 'AtEnd' ? 'end' : 'start' };
  } else {
    const text = ctx.text(valueNode);
    if (isDurationToken(text.replace(/^[+-]/, ''))) {
      ctx.fail(valueNode, `unexpected duration ${JSON.stringify(text)} in @, expected timestamp`);
    }
    const seconds = ctx.number(valueNode);
    // Go compares the seconds with float64(MaxInt64) = 2^63.
    if (!Number.isFinite(seconds) || Math.abs(seconds) >= 2 ** 63) {
      ctx.fail(span(inner), `timestamp out of bounds for @ modifier: ${goFixed6(seconds)}`);
    }
    modifier = { kind: 'timestamp', timestampMs: Math.sign(seconds) * Math.round(Math.abs(seconds) * 1000) };
  }
  const target = inner.type === 'matrixSelector' ? inner.selector : inner;
  if (target.type !== 'vectorSelector' && target.type !== 'subquery') {
    ctx.fail(
      span(inner),
      '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
  }
  if (target.at !== undefined) ctx.fail(span(inner), '@ <timestamp> may not be set multiple times');
  return withModifier(inner, { at: modifier });
}

/** A copy of a selector/subquery node (or of the selector inside a matrix selector) with a modifier set. */
function withModifier(expr: Expr, change: { offsetMs?: number; at?: AtModifier }): Expr {
  if (expr.type === 'matrixSelector') return { ...expr, selector: { ...expr.selector, ...change } };
  if (expr.type === 'vectorSelector') return { ...expr, ...change };
  return { ...(expr as SubqueryExpr), ...change };
}

/** Go's `%f`: fixed notation with 6 decimals, exact for large values, `+Inf`/`-Inf`/`NaN` otherwise. */
function goFixed6(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (Math.abs(value) < 1e21) return value.toFixed(6);
  return `${BigInt(value).toString()}.000000`;
}
