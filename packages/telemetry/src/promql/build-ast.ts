/**
 * Walks lezer-promql's syntax tree into our typed {@link Expr}, applying the rules Prometheus 2.42's
 * parser enforces while building: valid regexps, aggregation arities, known functions, and rejecting
 * grammar lezer accepts but 2.42 does not (quoted label names, `fill()`, `anchored`, newer functions).
 */
import { METRIC_NAME_LABEL, anchoredRegex, type LabelMatcher, type MatchType } from '../model/labels.js';
import type { AggregationOp, BinaryExpr, BinaryOp, Expr, VectorMatching, VectorSelector } from './ast.js';
import { at, matrixSelector, offset, postfix, subquery } from './build-modifiers.js';
import { FUNCTION_SIGNATURES } from './function-signatures.js';
import { children, type ParseContext, type SyntaxNode } from './parse-context.js';
import { tokenAt } from './syntax-errors.js';

const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const MATCH_OPS: Readonly<Record<string, MatchType>> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};

const PARAM_AGGREGATIONS = new Set(['topk', 'bottomk', 'quantile', 'count_values']);
const AGGREGATIONS = new Set([
  ...PARAM_AGGREGATIONS,
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
]);

/** The AST of the expression rooted at `node`. */
export function buildExpr(ctx: ParseContext, node: SyntaxNode): Expr {
  const pos = { start: node.from, end: node.to };
  const kids = children(node);
  switch (node.name) {
    case 'NumberDurationLiteral':
      return { type: 'number', value: ctx.number(node), pos };
    case 'StringLiteral':
      return { type: 'string', value: ctx.string(node), pos };
    case 'VectorSelector':
      return vectorSelector(ctx, node, kids);
    case 'MatrixSelector':
      return postfix(buildExpr(ctx, kids[0]!), (inner) => matrixSelector(ctx, node, kids, inner));
    case 'SubqueryExpr':
      return postfix(buildExpr(ctx, kids[0]!), (inner) => subquery(ctx, node, kids, inner));
    case 'OffsetExpr':
      return postfix(buildExpr(ctx, kids[0]!), (inner) => offset(ctx, kids, inner));
    case 'StepInvariantExpr':
      return postfix(buildExpr(ctx, kids[0]!), (inner) => at(ctx, kids, inner));
    case 'FunctionCall': {
      const name = ctx.text(kids[0]!);
      if (!FUNCTION_SIGNATURES.has(name)) ctx.fail(node, `unknown function with name "${name}"`);
      return { type: 'call', func: name, args: children(kids[1]!).map((k) => buildExpr(ctx, k)), pos };
    }
    case 'AggregateExpr':
      return aggregation(ctx, node, kids);
    case 'BinaryExpr':
      return binary(ctx, node, kids);
    case 'UnaryExpr': {
      const op = ctx.text(kids[0]!) === '-' ? '-' : '+';
      const inner = buildExpr(ctx, kids[1]!);
      if (inner.type === 'number')
        return { type: 'number', value: op === '-' ? -inner.value : inner.value, pos };
      return { type: 'unary', op, expr: inner, pos };
    }
    case 'ParenExpr':
      return { type: 'paren', expr: buildExpr(ctx, kids[0]!), pos };
    default: {
      // AnchoredExpr, SmoothedExpr and other post-2.42 syntax.
      const token = tokenAt(ctx.query, kids[kids.length - 1]?.from ?? node.from);
      return ctx.fail(node, `unexpected identifier ${JSON.stringify(token.text)}`);
    }
  }
}

function vectorSelector(ctx: ParseContext, node: SyntaxNode, kids: SyntaxNode[]): VectorSelector {
  const matchers: LabelMatcher[] = [];
  let name: string | undefined;
  for (const kid of kids) {
    if (kid.name === 'Identifier') name = ctx.text(kid);
    else if (kid.name === 'LabelMatchers') for (const m of children(kid)) matchers.push(matcher(ctx, m));
  }
  // Prometheus appends the name matcher last (its checks rely on that).
  if (name !== undefined) matchers.push({ name: METRIC_NAME_LABEL, type: '=', value: name });
  return {
    type: 'vectorSelector',
    name,
    matchers,
    offsetMs: 0,
    at: undefined,
    pos: { start: node.from, end: node.to },
  };
}

function matcher(ctx: ParseContext, node: SyntaxNode): LabelMatcher {
  if (node.name !== 'UnquotedLabelMatcher') {
    const token = tokenAt(ctx.query, node.from);
    ctx.fail(
      token,
      `unexpected string ${JSON.stringify(token.text)} in label matching, expected identifier or "}"`,
    );
  }
  const [labelNode, opNode, valueNode] = children(node);
  const type = MATCH_OPS[children(opNode!)[0]?.name ?? ''] ?? '=';
  const value = ctx.string(valueNode!);
  if (type === '=~' || type === '!~') {
    try {
      anchoredRegex(value);
    } catch (error) {
      ctx.fail(node, `error parsing regexp: ${(error as Error).message}`);
    }
  }
  return { name: ctx.text(labelNode!), type, value };
}

function aggregation(ctx: ParseContext, node: SyntaxNode, kids: SyntaxNode[]): Expr {
  const op = ctx.text(kids[0]!).toLowerCase();
  if (!AGGREGATIONS.has(op)) ctx.fail(node, `unknown function with name "${ctx.text(kids[0]!)}"`);
  let grouping: string[] = [];
  let without = false;
  let args: Expr[] = [];
  for (const kid of kids.slice(1)) {
    if (kid.name === 'FunctionCallBody') args = children(kid).map((k) => buildExpr(ctx, k));
    else if (kid.name === 'AggregateModifier') {
      const [keyword, labels] = children(kid);
      without = keyword?.name === 'Without';
      grouping = ctx.groupingLabels(labels!);
    }
  }
  if (args.length === 0) ctx.fail(node, 'no arguments for aggregate expression provided');
  const expected = PARAM_AGGREGATIONS.has(op) ? 2 : 1;
  if (args.length !== expected) {
    ctx.fail(
      node,
      `wrong number of arguments for aggregate expression provided, expected ${expected}, got ${args.length}`,
    );
  }
  return {
    type: 'aggregation',
    op: op as AggregationOp,
    expr: args[args.length - 1]!,
    param: expected === 2 ? args[0] : undefined,
    grouping,
    without,
    pos: { start: node.from, end: node.to },
  };
}

function binary(ctx: ParseContext, node: SyntaxNode, kids: SyntaxNode[]): Expr {
  const lhsNode = kids[0]!;
  const lhs = buildExpr(ctx, lhsNode);
  const rhs = buildExpr(ctx, kids[kids.length - 1]!);
  const opNode = kids[1]!;
  const op = BINARY_OPS[opNode.name];
  if (op === undefined) ctx.fail(opNode, `unexpected character: '${ctx.text(opNode)}'`);
  let returnBool = false;
  let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
  for (const kid of kids.slice(2, -1)) {
    if (kid.name === 'BoolModifier') returnBool = true;
    else if (kid.name === 'MatchingModifierClause') matching = vectorMatching(ctx, kid);
    else ctx.fail(kid, `unexpected identifier ${JSON.stringify(tokenAt(ctx.query, kid.from).text)}`);
  }
  const pos = { start: node.from, end: node.to };
  const lhsText = ctx.text(lhsNode);
  if (
    op === '^' &&
    lhsNode.name === 'NumberDurationLiteral' &&
    /^[-+]/.test(lhsText) &&
    lhs.type === 'number'
  ) {
    // lezer reads `-2 ^ 2` as (-2)^2; in PromQL the sign is a unary operator, looser than `^`: -(2^2).
    const base = { ...lhs, value: Math.abs(lhs.value), pos: { start: lhs.pos.start + 1, end: lhs.pos.end } };
    const power: Expr = {
      type: 'binary',
      op,
      lhs: base,
      rhs,
      returnBool,
      matching,
      pos: { ...pos, start: base.pos.start },
    };
    return { type: 'unary', op: lhsText.startsWith('-') ? '-' : '+', expr: power, pos };
  }
  return rebalance({ type: 'binary', op, lhs, rhs, returnBool, matching, pos });
}

const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

/**
 * Restores operator precedence after {@link postfix} re-association: lezer reads `a unless b offset 1m + c`
 * as `(a unless b) offset 1m + c`; once the offset moved onto `b`, the unparenthesised `a unless b'` sits
 * under the tighter `+` and must rotate to `a unless (b' + c)`. A correct tree never has such a left
 * operand (parentheses are explicit nodes), so the rotation only fires on re-associated postfixes.
 */
function rebalance(node: BinaryExpr): Expr {
  const l = node.lhs;
  const end = node.pos.end;
  if (l.type === 'binary') {
    const lower = PRECEDENCE[l.op] < PRECEDENCE[node.op];
    if (lower || (PRECEDENCE[l.op] === PRECEDENCE[node.op] && node.op === '^')) {
      const rhs = rebalance({ ...node, lhs: l.rhs, pos: { start: l.rhs.pos.start, end } });
      return { ...l, rhs, pos: { start: l.pos.start, end } };
    }
  }
  if (l.type === 'unary' && node.op === '^') {
    // `^` binds tighter than a sign: `-x offset 1m ^ 2` is -(x offset 1m ^ 2).
    const expr = rebalance({ ...node, lhs: l.expr, pos: { start: l.expr.pos.start, end } });
    return { ...l, expr, pos: { start: l.pos.start, end } };
  }
  return node;
}

function vectorMatching(ctx: ParseContext, node: SyntaxNode): VectorMatching {
  const kids = children(node);
  const on = kids[0]?.name === 'On';
  const labels = ctx.groupingLabels(kids[1]!);
  const group = kids[2]?.name;
  const include = kids[3] === undefined ? [] : ctx.groupingLabels(kids[3]);
  const card = group === 'GroupLeft' ? 'many-to-one' : group === 'GroupRight' ? 'one-to-many' : 'one-to-one';
  return { card, on, labels, include };
}
