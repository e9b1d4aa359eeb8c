import { parser } from '@prometheus-io/lezer-promql';

/**
 * The first syntax error of a PromQL expression (`"unexpected input at 14: …"`), or undefined when it
 * parses. A grammar check only (Prometheus's own Lezer grammar, as its UI uses): types and function arity
 * are the engine's business, and the engine reports them when the rule is evaluated.
 */
export function promqlSyntaxError(expr: string): string | undefined {
  if (expr.trim() === '') return 'empty expression';
  let at: number | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  if (at === undefined) return undefined;
  const near = expr.slice(at, at + 20);
  return near === '' ? `unexpected end of input at ${at}` : `unexpected input at ${at}: "${near}"`;
}
