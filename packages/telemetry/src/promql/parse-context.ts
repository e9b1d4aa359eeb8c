/**
 * Shared helpers of the lezer-tree → AST builder: node text, Prometheus-style failures with positions,
 * and the literal forms (numbers, strings, durations, grouping label lists).
 */
import type { parser } from '@prometheus-io/lezer-promql';
import { PromqlParseError } from './errors.js';
import { isDurationToken, parseDurationMs, parseNumberLiteral, unquoteString } from './literals.js';

/** A lezer syntax node (typed through the parser so no extra dependency is needed). */
export type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Anything with a character range. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** The children of `node`, comments left out. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.name !== 'LineComment') out.push(child);
  }
  return out;
}

/** The query being built, with literal readers that fail like Prometheus's parser. */
export class ParseContext {
  readonly query: string;

  constructor(query: string) {
    this.query = query;
  }

  text(node: Span): string {
    return this.query.slice(node.from, node.to);
  }

  fail(node: Span, message: string): never {
    throw new PromqlParseError(this.query, { start: node.from, end: node.to }, message);
  }

  /** A number literal; a duration in its place (`5m`) is an error, as in PromQL. */
  number(node: SyntaxNode): number {
    const text = this.text(node).replace(/\s+/g, '');
    if (isDurationToken(text.replace(/^[+-]/, '')))
      this.fail(node, `unexpected duration ${JSON.stringify(text)}`);
    try {
      return parseNumberLiteral(text);
    } catch (error) {
      return this.fail(node, (error as Error).message);
    }
  }

  string(node: SyntaxNode): string {
    try {
      return unquoteString(this.text(node));
    } catch (error) {
      return this.fail(node, (error as Error).message);
    }
  }

  /** A `DurationExpr` node; only a plain duration literal is PromQL 2.42 (no arithmetic, no step()). */
  duration(node: SyntaxNode): number {
    const kids = children(node);
    const literal = kids[0];
    if (kids.length !== 1 || literal?.name !== 'NumberDurationLiteralInDurationContext') {
      const op = kids.find(
        (k) => k.name !== 'DurationExpr' && k.name !== 'NumberDurationLiteralInDurationContext',
      );
      if (op !== undefined && /^[-+*/%^]$/.test(this.text(op))) {
        this.fail(op, `unexpected <op:${this.text(op)}> in subquery or range, expected ":" or "]"`);
      }
      this.fail(node, `bad duration syntax: ${JSON.stringify(this.text(node))}`);
    }
    return this.durationLiteral(literal);
  }

  /** A duration literal such as `1h30m`; must be > 0. */
  durationLiteral(literal: SyntaxNode): number {
    const text = this.text(literal);
    if (/^[\d.]+$/.test(text)) this.fail(literal, 'missing unit character in duration');
    let ms: number;
    try {
      ms = parseDurationMs(text);
    } catch (error) {
      return this.fail(literal, (error as Error).message);
    }
    if (ms === 0) this.fail(literal, 'duration must be greater than 0');
    return ms;
  }

  /** `(a, b)` of by/without/on/ignoring/group_x; quoted (UTF-8) names are post-2.42 syntax. */
  groupingLabels(node: SyntaxNode): string[] {
    return children(node).map((label) => {
      if (label.name !== 'LabelName') {
        this.fail(
          label,
          `unexpected string ${JSON.stringify(this.text(label))} in grouping opts, expected label`,
        );
      }
      return this.text(label);
    });
  }
}
