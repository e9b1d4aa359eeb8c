import type { LabelMatcher } from '../model/labels.js';
import type { Expr } from '../promql/ast.js';

/**
 * The matchers of every vector selector in `expr` (those inside range selectors and subqueries too), as
 * Prometheus's `parser.ExtractSelectors`: what `query_exemplars` looks exemplars up by.
 */
export function extractSelectors(expr: Expr): LabelMatcher[][] {
  const out: LabelMatcher[][] = [];
  const visit = (e: Expr): void => {
    switch (e.type) {
      case 'vectorSelector':
        out.push([...e.matchers]);
        return;
      case 'matrixSelector':
        visit(e.selector);
        return;
      case 'subquery':
      case 'unary':
      case 'paren':
        visit(e.expr);
        return;
      case 'aggregation':
        if (e.param !== undefined) visit(e.param);
        visit(e.expr);
        return;
      case 'call':
        e.args.forEach(visit);
        return;
      case 'binary':
        visit(e.lhs);
        visit(e.rhs);
        return;
      case 'number':
      case 'string':
        return;
    }
  };
  visit(expr);
  return out;
}
