/**
 * The error of an invalid or unsupported LogQL query, with Loki's message shape
 * (`parse error at line 1, col 12: syntax error: unexpected …`) and the offending span.
 */
import type { LRParser } from '@lezer/lr';
import { LiteralError, parseQueryDurationMs, unquoteString } from './logql-units.js';

/** A node of the lezer syntax tree (the type of @lezer/common, reached through the parser we depend on). */
export type SyntaxNode = ReturnType<LRParser['parse']>['topNode'];

/** A span of the query text: `start` inclusive, `end` exclusive, 0-based UTF-16 offsets. */
export interface SourceSpan {
  readonly start: number;
  readonly end: number;
}

/** A query that does not parse, or uses LogQL the embedded engine does not evaluate. */
export class LogqlParseError extends Error {
  override readonly name = 'LogqlParseError';
  /** Where in the query. */
  readonly position: SourceSpan;
  /** 1-based line and column of `position.start`. */
  readonly line: number;
  readonly column: number;
  /** The message without the `parse error at …:` prefix. */
  readonly reason: string;

  constructor(query: string, position: SourceSpan, reason: string) {
    const before = query.slice(0, position.start);
    const line = before.split('\n').length;
    const column = position.start - (before.lastIndexOf('\n') + 1) + 1;
    super(`parse error at line ${line}, col ${column}: ${reason}`);
    this.position = position;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/** The query text and helpers to read the syntax tree and fail at a node. */
export class QuerySource {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** The source text of a node. */
  slice(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  /** Throws a {@link LogqlParseError} spanning `node`. */
  fail(node: SyntaxNode | SourceSpan, reason: string): never {
    const span = 'from' in node ? { start: node.from, end: node.to } : node;
    throw new LogqlParseError(this.text, span, reason);
  }

  /** The value of a String node (unquoted); failures point at the literal. */
  string(node: SyntaxNode): string {
    try {
      return unquoteString(this.slice(node));
    } catch (error) {
      if (error instanceof LiteralError) this.fail(node, error.message);
      throw error;
    }
  }

  /** The milliseconds of a Duration node (`5m`, `1h30m`). */
  durationMs(node: SyntaxNode): number {
    try {
      return parseQueryDurationMs(this.slice(node));
    } catch (error) {
      if (error instanceof LiteralError) this.fail(node, error.message);
      throw error;
    }
  }

  /** The first child named `name`, or a parse error at `node`. */
  child(node: SyntaxNode, name: string): SyntaxNode {
    return node.getChild(name) ?? this.fail(node, `syntax error: missing ${name}`);
  }
}

/** Nodes named `name` under `node` in source order, not descending into matches (flattens left recursion). */
export function collect(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode): void => {
    for (let c = n.firstChild; c !== null; c = c.nextSibling) {
      if (c.name === name) out.push(c);
      else visit(c);
    }
  };
  visit(node);
  return out;
}

/** The direct children of a node. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}
