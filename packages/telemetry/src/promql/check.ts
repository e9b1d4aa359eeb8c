/**
 * Type checking of a built AST, as Prometheus 2.42's `parser.checkAST`: argument counts and types of
 * calls, aggregation operand/parameter types, binary operand types and modifiers, unary and subquery
 * operand types, and vector selectors that would select everything. Also normalises binary matching the
 * same way (set operators become many-to-many, scalar operands drop the matching).
 */
import { METRIC_NAME_LABEL, matchesValue } from '../model/labels.js';
import { documentedType, exprType, type BinaryExpr, type Expr, type ValueType } from './ast.js';
import { PromqlParseError, type PositionRange } from './errors.js';
import { FUNCTION_SIGNATURES } from './function-signatures.js';

const COMPARISON = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/** Checks `expr` (parsed from `query`) and returns it normalised; throws {@link PromqlParseError}. */
export function checkExpr(query: string, expr: Expr): Expr {
  const fail = (pos: PositionRange, message: string): never => {
    throw new PromqlParseError(query, pos, message);
  };

  const expect = (node: Expr, want: ValueType, context: string): Expr => {
    const checked = visit(node);
    const got = exprType(checked);
    if (got !== want)
      fail(node.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`);
    return checked;
  };

  const visit = (node: Expr): Expr => {
    switch (node.type) {
      case 'number':
      case 'string':
        return node;
      case 'vectorSelector': {
        const named = node.name !== undefined;
        const explicit = named ? node.matchers.slice(0, -1) : node.matchers;
        const dup = named ? explicit.find((m) => m.name === METRIC_NAME_LABEL) : undefined;
        if (dup !== undefined)
          fail(node.pos, `metric name must not be set twice: "${node.name}" or "${dup.value}"`);
        if (!node.matchers.some((m) => !matchesValue(m, ''))) {
          fail(node.pos, 'vector selector must contain at least one non-empty matcher');
        }
        return node;
      }
      case 'matrixSelector':
        visit(node.selector);
        return node;
      case 'subquery': {
        const inner = visit(node.expr);
        const type = exprType(inner);
        if (type !== 'vector')
          fail(node.pos, `subquery is only allowed on instant vector, got ${type} instead`);
        return { ...node, expr: inner };
      }
      case 'paren':
        return { ...node, expr: visit(node.expr) };
      case 'unary': {
        const inner = visit(node.expr);
        const type = exprType(inner);
        if (type !== 'scalar' && type !== 'vector') {
          fail(
            node.pos,
            `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(type)}"`,
          );
        }
        return { ...node, expr: inner };
      }
      case 'call': {
        const sig = FUNCTION_SIGNATURES.get(node.func)!;
        const n = sig.args.length;
        const got = node.args.length;
        if (sig.variadic === 0 && got !== n) {
          fail(node.pos, `expected ${n} argument(s) in call to "${node.func}", got ${got}`);
        }
        if (sig.variadic !== 0 && got < n - 1) {
          fail(node.pos, `expected at least ${n - 1} argument(s) in call to "${node.func}", got ${got}`);
        }
        if (sig.variadic > 0 && got > n - 1 + sig.variadic) {
          fail(
            node.pos,
            `expected at most ${n - 1 + sig.variadic} argument(s) in call to "${node.func}", got ${got}`,
          );
        }
        const args = node.args.map((arg, i) =>
          expect(arg, sig.args[Math.min(i, n - 1)]!, `call to function "${node.func}"`),
        );
        return { ...node, args };
      }
      case 'aggregation': {
        const inner = expect(node.expr, 'vector', 'aggregation expression');
        let param = node.param;
        if (param !== undefined) {
          const want = node.op === 'count_values' ? 'string' : 'scalar';
          param = expect(param, want, 'aggregation parameter');
        }
        return { ...node, expr: inner, param };
      }
      case 'binary':
        return checkBinary(query, node, visit, fail);
    }
  };

  return visit(expr);
}

function checkBinary(
  query: string,
  node: BinaryExpr,
  visit: (e: Expr) => Expr,
  fail: (pos: PositionRange, message: string) => never,
): Expr {
  const lhs = visit(node.lhs);
  const rhs = visit(node.rhs);
  const lt = exprType(lhs);
  const rt = exprType(rhs);
  let opStart = node.lhs.pos.end;
  while (/\s/.test(query[opStart] ?? '')) opStart++;
  const opPos = { start: opStart, end: node.rhs.pos.start };
  const isComparison = COMPARISON.has(node.op);
  const isSet = SET_OPS.has(node.op);
  if (node.returnBool && !isComparison) fail(opPos, 'bool modifier can only be used on comparison operators');
  if (isComparison && !node.returnBool && lt === 'scalar' && rt === 'scalar') {
    fail(opPos, 'comparisons between scalars must use BOOL modifier');
  }
  let matching = node.matching;
  if (matching !== undefined && isSet && matching.card === 'one-to-one')
    matching = { ...matching, card: 'many-to-many' };
  if (matching?.on) {
    const include = matching.include;
    const both = matching.labels.find((l) => include.includes(l));
    if (both !== undefined) fail(opPos, `label "${both}" must not occur in ON and GROUP clause at once`);
  }
  if (lt !== 'scalar' && lt !== 'vector')
    fail(node.lhs.pos, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector')
    fail(node.rhs.pos, 'binary expression must contain only scalar and instant vector types');
  if ((lt !== 'vector' || rt !== 'vector') && matching !== undefined) {
    if (matching.labels.length > 0) fail(node.pos, 'vector matching only allowed between instant vectors');
    matching = undefined;
  } else if (isSet && matching !== undefined) {
    if (matching.card === 'one-to-many' || matching.card === 'many-to-one') {
      fail(node.pos, `no grouping allowed for "${node.op}" operation`);
    }
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSet) {
    fail(node.pos, `set operator "${node.op}" not allowed in binary scalar expression`);
  }
  return { ...node, lhs, rhs, matching };
}
