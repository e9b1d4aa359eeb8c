/**
 * LogQL text → our AST ({@link LogqlExpr}), with Grafana's LogQL grammar (@grafana/lezer-logql) as the
 * parser. Syntax errors and constructs outside the supported subset throw {@link LogqlParseError}.
 */
import { parser } from '@grafana/lezer-logql';
import type { LabelMatcher } from '../model/labels.js';
import type {
  Grouping,
  LogQueryExpr,
  LogqlExpr,
  MetricExpr,
  RangeAggregationExpr,
  RangeOp,
  Unwrap,
  VectorAggregationExpr,
  VectorOp,
} from './logql-ast.js';
import { children, collect, QuerySource, type SyntaxNode } from './logql-parse-error.js';
import { parseLabelFilter, parsePipeline, parseSelector } from './logql-parse-pipeline.js';

const RANGE_OPS: Readonly<Record<string, RangeOp>> = {
  CountOverTime: 'count_over_time',
  Rate: 'rate',
  BytesOverTime: 'bytes_over_time',
  BytesRate: 'bytes_rate',
  SumOverTime: 'sum_over_time',
  AvgOverTime: 'avg_over_time',
  MinOverTime: 'min_over_time',
  MaxOverTime: 'max_over_time',
  FirstOverTime: 'first_over_time',
  LastOverTime: 'last_over_time',
  StddevOverTime: 'stddev_over_time',
  StdvarOverTime: 'stdvar_over_time',
  QuantileOverTime: 'quantile_over_time',
};
const VECTOR_OPS: Readonly<Record<string, VectorOp>> = {
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Count: 'count',
  Stddev: 'stddev',
  Stdvar: 'stdvar',
  Topk: 'topk',
  Bottomk: 'bottomk',
};
/** Range operations over line counts or sizes, which take no `unwrap`. */
const LINE_RANGE_OPS = new Set<RangeOp>(['count_over_time', 'bytes_over_time', 'bytes_rate']);
const CONVERSIONS = {
  BytesConv: 'bytes',
  DurationConv: 'duration',
  DurationSecondsConv: 'duration_seconds',
} as const;

/** Parses a LogQL query; throws {@link LogqlParseError} (Loki-like message, position) when it is refused. */
export function parseLogql(query: string): LogqlExpr {
  const src = new QuerySource(query);
  const tree = parser.parse(query);
  let error: SyntaxNode | undefined;
  tree.iterate({
    enter: (ref) => {
      if (error !== undefined) return false;
      if (ref.type.isError) error = ref.node;
      return undefined;
    },
  });
  if (error !== undefined) {
    const rest = query.slice(error.from);
    if (/^"(?:[^"\\\n]|\\.)*$|^`[^`]*$/.test(rest)) {
      src.fail({ start: error.from, end: query.length }, 'syntax error: literal not terminated');
    }
    src.fail(error, `syntax error: unexpected ${describeToken(query, error.from, error.to)}`);
  }
  const expr = src.child(tree.topNode, 'Expr');
  return parseExpr(src, expr);
}

/** The matchers of a bare stream selector such as `{app="api", level=~"warn|error"}`. */
export function parseStreamSelector(text: string): LabelMatcher[] {
  const expr = parseLogql(text);
  if (expr.kind === 'log' && expr.pipeline.length === 0) return [...expr.matchers];
  return new QuerySource(text).fail({ start: 0, end: text.length }, 'a stream selector is required');
}

function describeToken(query: string, from: number, to: number): string {
  if (from >= query.length) return '$end';
  const token = to > from ? query.slice(from, to) : (/^\S+/.exec(query.slice(from))?.[0] ?? '');
  return JSON.stringify(token.length > 24 ? `${token.slice(0, 24)}…` : token);
}

function parseExpr(src: QuerySource, node: SyntaxNode): LogqlExpr {
  const log = node.getChild('LogExpr');
  if (log !== null) return parseLogExpr(src, log);
  return parseMetric(src, src.child(node, 'MetricExpr'));
}

function parseLogExpr(src: QuerySource, node: SyntaxNode): LogQueryExpr {
  const inner = node.getChild('LogExpr');
  if (inner !== null) return parseLogExpr(src, inner);
  return {
    kind: 'log',
    matchers: parseSelector(src, src.child(node, 'Selector')),
    pipeline: parsePipeline(src, node.getChild('PipelineExpr')),
  };
}

function parseMetric(src: QuerySource, node: SyntaxNode): MetricExpr {
  const body = children(node).find((c) => c.name !== '(' && c.name !== ')');
  if (body === undefined) src.fail(node, 'syntax error: empty expression');
  switch (body.name) {
    case 'MetricExpr':
      return parseMetric(src, body);
    case 'RangeAggregationExpr':
      return parseRangeAggregation(src, body);
    case 'VectorAggregationExpr':
      return parseVectorAggregation(src, body);
    case 'BinOpExpr':
      return src.fail(body, 'unsupported: binary operations');
    case 'LiteralExpr':
      return src.fail(body, 'unsupported: a number is not a query here');
    default:
      return src.fail(body, `unsupported: ${src.slice(body).split(/[\s(]/)[0] ?? body.name}`);
  }
}

function parseNumberParam(src: QuerySource, node: SyntaxNode): number | undefined {
  const literal = node.getChild('Number');
  if (literal === null) return undefined;
  const value = Number(src.slice(literal));
  if (!Number.isFinite(value)) src.fail(literal, `invalid number ${src.slice(literal)}`);
  return value;
}

function parseGrouping(src: QuerySource, node: SyntaxNode | null): Grouping | undefined {
  if (node === null) return undefined;
  const labels = node.getChild('Labels');
  return {
    without: node.getChild('Without') !== null,
    labels: labels === null ? [] : collect(labels, 'Identifier').map((l) => src.slice(l)),
  };
}

function parseRangeAggregation(src: QuerySource, node: SyntaxNode): RangeAggregationExpr {
  const opNode = src.child(node, 'RangeOp');
  const op = opNode.firstChild === null ? undefined : RANGE_OPS[opNode.firstChild.name];
  if (op === undefined) src.fail(opNode, `unsupported range aggregation ${src.slice(opNode)}`);
  const param = parseNumberParam(src, node);
  const range = src.child(node, 'LogRangeExpr');
  const selector = collect(range, 'Selector')[0] ?? src.fail(range, 'syntax error: missing stream selector');
  const rangeNode = collect(range, 'Range')[0] ?? src.fail(range, 'syntax error: missing range, e.g. [5m]');
  const offsetNode = collect(range, 'OffsetExpr')[0];
  const pipeline = collect(range, 'PipelineExpr')[0] ?? null;
  const unwrapNode = collect(range, 'UnwrapExpr')[0];
  const unwrap = unwrapNode === undefined ? undefined : parseUnwrap(src, unwrapNode);
  const grouping = parseGrouping(src, node.getChild('Grouping'));
  if (LINE_RANGE_OPS.has(op) && unwrap !== undefined) src.fail(node, `invalid aggregation ${op} with unwrap`);
  if (!LINE_RANGE_OPS.has(op) && op !== 'rate' && unwrap === undefined) {
    src.fail(node, `invalid aggregation ${op} without unwrap`);
  }
  if (op === 'quantile_over_time') {
    if (param === undefined) src.fail(node, 'parameter required for quantile_over_time');
  } else if (param !== undefined) {
    src.fail(node, `parameter not supported for ${op}`);
  }
  if (grouping !== undefined && unwrap === undefined)
    src.fail(node, `grouping not allowed for ${op} aggregation`);
  const offsetDuration = offsetNode?.getChild('Duration');
  return {
    kind: 'range',
    op,
    param,
    log: {
      kind: 'log',
      matchers: parseSelector(src, selector),
      pipeline: parsePipeline(src, pipeline),
    },
    rangeMs: src.durationMs(src.child(rangeNode, 'Duration')),
    offsetMs: offsetDuration === null || offsetDuration === undefined ? 0 : src.durationMs(offsetDuration),
    unwrap,
    grouping,
  };
}

function parseUnwrap(src: QuerySource, node: SyntaxNode): Unwrap {
  let innermost = node;
  const filterNodes: SyntaxNode[] = [];
  for (;;) {
    const filter = innermost.getChild('LabelFilter');
    if (filter !== null) filterNodes.unshift(filter);
    const inner = innermost.getChild('UnwrapExpr');
    if (inner === null) break;
    innermost = inner;
  }
  const conv = innermost.getChild('ConvOp')?.firstChild?.name;
  return {
    label: src.slice(src.child(innermost, 'Identifier')),
    conversion: conv === undefined ? 'none' : (CONVERSIONS[conv as keyof typeof CONVERSIONS] ?? 'none'),
    filters: filterNodes.map((f) => parseLabelFilter(src, f)),
  };
}

function parseVectorAggregation(src: QuerySource, node: SyntaxNode): VectorAggregationExpr {
  const opNode = src.child(node, 'VectorOp');
  const op = opNode.firstChild === null ? undefined : VECTOR_OPS[opNode.firstChild.name];
  if (op === undefined) src.fail(opNode, `unsupported vector aggregation ${src.slice(opNode)}`);
  const param = parseNumberParam(src, node);
  if (op === 'topk' || op === 'bottomk') {
    if (param === undefined) src.fail(node, `parameter required for ${op}`);
    if (!Number.isInteger(param) || param <= 0) {
      src.fail(node, `invalid parameter for ${op} (must be an integer greater than 0): ${param}`);
    }
  } else if (param !== undefined) {
    src.fail(node, `parameter not supported for ${op}`);
  }
  return {
    kind: 'vector',
    op,
    param,
    grouping: parseGrouping(src, node.getChild('Grouping')),
    inner: parseMetric(src, src.child(node, 'MetricExpr')),
  };
}
