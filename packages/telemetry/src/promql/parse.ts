/**
 * PromQL text → typed AST. lezer-promql (the grammar Prometheus's own UI uses) tokenises and parses; the
 * builder (build-ast.ts) walks its tree into our {@link Expr} shapes and {@link checkExpr} type-checks the
 * result, both with Prometheus 2.42's messages. lezer recovers from syntax errors by inserting `⚠` nodes:
 * the first one becomes a {@link PromqlParseError} at its position.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { LabelMatcher } from '../model/labels.js';
import type { Expr } from './ast.js';
import { buildExpr } from './build-ast.js';
import { checkExpr } from './check.js';
import { PromqlParseError } from './errors.js';
import { ParseContext, children, type SyntaxNode } from './parse-context.js';
import { describeSyntaxError, tokenAt } from './syntax-errors.js';

/** Parses and type-checks a PromQL expression; throws {@link PromqlParseError} with Prometheus's message. */
export function parsePromql(query: string): Expr {
  if (/^(?:\s|#[^\n]*)*$/.test(query)) {
    throw new PromqlParseError(query, { start: 0, end: 0 }, 'no expression found in input');
  }
  const tree = parser.parse(query);
  let errorNode: SyntaxNode | undefined;
  tree.iterate({
    enter: (ref) => {
      if (errorNode !== undefined) return false;
      if (ref.type.isError) {
        errorNode = ref.node;
        return false;
      }
      return undefined;
    },
  });
  if (errorNode !== undefined) throw syntaxError(query, errorNode);
  const root = children(tree.topNode)[0];
  if (root === undefined)
    throw new PromqlParseError(query, { start: 0, end: 0 }, 'no expression found in input');
  return checkExpr(query, buildExpr(new ParseContext(query), root));
}

/**
 * Parses a series selector such as `up{job="api"}` (the `match[]` of the series and labels APIs) into its
 * matchers.
 */
export function parseSeriesSelector(text: string): LabelMatcher[] {
  const expr = parsePromql(text);
  if (expr.type !== 'vectorSelector' || expr.offsetMs !== 0 || expr.at !== undefined) {
    throw new PromqlParseError(text, expr.pos, 'expected a series selector such as up{job="api"}');
  }
  return [...expr.matchers];
}

function syntaxError(query: string, node: SyntaxNode): PromqlParseError {
  // `foo(bar)` with an unknown `foo`: lezer parses a selector `foo`, then stumbles on the parenthesis.
  const previous = node.prevSibling;
  if (
    tokenAt(query, node.from).text === '(' &&
    previous?.name === 'Identifier' &&
    previous.parent?.name === 'VectorSelector'
  ) {
    const name = query.slice(previous.from, previous.to);
    const position = { start: previous.from, end: node.to };
    // Operator keywords are never function names to Prometheus's lexer.
    if (/^(?:atan2|and|or|unless)$/i.test(name))
      return new PromqlParseError(query, position, `unexpected <op:${name}>`);
    return new PromqlParseError(query, position, `unknown function with name "${name}"`);
  }
  const problem = describeSyntaxError(query, node.from);
  return new PromqlParseError(query, problem.position, problem.message);
}
