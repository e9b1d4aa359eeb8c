/**
 * The typed PromQL syntax tree the parser produces and the evaluator walks. Shapes follow Prometheus's
 * `promql/parser/ast.go`; durations and timestamps are milliseconds.
 */
import type { LabelMatcher } from '../model/labels.js';
import type { PositionRange } from './errors.js';
import { FUNCTION_SIGNATURES } from './function-signatures.js';

/** The four PromQL value types. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** `@ <timestamp>`, `@ start()` or `@ end()`. */
export type AtModifier =
  | { readonly kind: 'timestamp'; readonly timestampMs: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' };

/** Aggregation operators. */
export type AggregationOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

/** Arithmetic binary operators. */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
/** Comparison binary operators. */
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
/** Set binary operators. */
export type SetOp = 'and' | 'or' | 'unless';
/** Every binary operator. */
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/** How two vectors are matched in a binary operation. */
export interface VectorMatching {
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `on(...)` when true, `ignoring(...)` (or no clause) when false. */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** Extra labels of `group_left(...)`/`group_right(...)`, copied from the "one" side. */
  readonly include: readonly string[];
}

interface Node {
  readonly pos: PositionRange;
}

/** A number literal (already folded with a leading unary minus). */
export interface NumberLiteral extends Node {
  readonly type: 'number';
  readonly value: number;
}

/** A string literal (unquoted). */
export interface StringLiteral extends Node {
  readonly type: 'string';
  readonly value: string;
}

/** An instant vector selector; also the inside of a matrix selector, which owns its offset and `@`. */
export interface VectorSelector extends Node {
  readonly type: 'vectorSelector';
  readonly name: string | undefined;
  /** Every matcher, the metric name's `__name__="…"` last when the name was written outside braces. */
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
}

/** `selector[range]`. */
export interface MatrixSelector extends Node {
  readonly type: 'matrixSelector';
  readonly selector: VectorSelector;
  readonly rangeMs: number;
}

/** `expr[range:step]`; `stepMs` undefined means the engine's default subquery step. */
export interface SubqueryExpr extends Node {
  readonly type: 'subquery';
  readonly expr: Expr;
  readonly rangeMs: number;
  readonly stepMs: number | undefined;
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
}

/** A function call. */
export interface Call extends Node {
  readonly type: 'call';
  readonly func: string;
  readonly args: readonly Expr[];
}

/** An aggregation such as `sum by (job) (x)` or `topk(3, x)`. */
export interface AggregateExpr extends Node {
  readonly type: 'aggregation';
  readonly op: AggregationOp;
  readonly expr: Expr;
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

/** A binary operation; `matching` is undefined unless both sides are vectors. */
export interface BinaryExpr extends Node {
  readonly type: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly returnBool: boolean;
  readonly matching: VectorMatching | undefined;
}

/** Unary `-expr` or `+expr`. */
export interface UnaryExpr extends Node {
  readonly type: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
}

/** `( expr )`. */
export interface ParenExpr extends Node {
  readonly type: 'paren';
  readonly expr: Expr;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

const typeCache = new WeakMap<Expr, ValueType>();

/** The value type an expression evaluates to (Prometheus's `Expr.Type()`), memoised per node. */
export function exprType(expr: Expr): ValueType {
  let type = typeCache.get(expr);
  if (type === undefined) {
    type = computeType(expr);
    typeCache.set(expr, type);
  }
  return type;
}

function computeType(expr: Expr): ValueType {
  switch (expr.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregation':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'call':
      return FUNCTION_SIGNATURES.get(expr.func)?.returns ?? 'vector';
    case 'binary':
      return exprType(expr.lhs) === 'scalar' && exprType(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return exprType(expr.expr);
  }
}

/** The type names Prometheus uses in messages (`instant vector`, `range vector`, …). */
export function documentedType(type: ValueType): string {
  switch (type) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return type;
  }
}

/** The expression inside any number of parentheses. */
export function unwrapParens(expr: Expr): Expr {
  let e = expr;
  while (e.type === 'paren') e = e.expr;
  return e;
}
