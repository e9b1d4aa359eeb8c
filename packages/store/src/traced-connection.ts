import {
  context,
  FAULT_POINTS,
  faultPoint,
  SEMCONV,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opsloop/kit';
import type { CompiledQuery, DatabaseConnection, OperationNode, QueryResult } from 'kysely';
import { sqlState } from './errors.js';

/** What a span says about one query. */
export interface QueryShape {
  /** SELECT, INSERT, UPDATE, DELETE, or the statement's first keyword (BEGIN, CREATE, WITH…). */
  operation: string;
  /** The table a Kysely query builder query names first; undefined for raw SQL and subqueries. */
  collection: string | undefined;
  /** The statement, placeholders kept, literals replaced by `?`, at most {@link MAX_QUERY_TEXT} characters. */
  text: string;
}

/** Longest `db.query.text` recorded. */
export const MAX_QUERY_TEXT = 2000;
/** Statements whose sanitized text is kept: the same few hundred statements run again and again. */
const TEXT_CACHE_SIZE = 500;

const OPERATIONS: Record<string, string> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
};

// Kysely parameterizes values ($1, $2…), but `sql.lit`, `sql.raw` and `CompiledQuery.raw` can put literals
// in the text: string literals (with '' escapes, E'' strings) and numbers are replaced.
const STRING_LITERAL = /[Ee]?'(?:[^']|'')*'/g;
const NUMBER_LITERAL = /(?<![\w$."])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b/g;

/** `sql` without the values a literal could carry; `$n` placeholders, identifiers and keywords are kept. */
export function sanitizeSql(sql: string): string {
  const text = sql.replace(STRING_LITERAL, '?').replace(NUMBER_LITERAL, '?');
  return text.length > MAX_QUERY_TEXT ? `${text.slice(0, MAX_QUERY_TEXT - 1)}…` : text;
}

function tableOf(node: OperationNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  const any = node as unknown as {
    kind: string;
    node?: OperationNode;
    table?: { identifier?: { name?: unknown } };
  };
  if (any.kind === 'AliasNode') return tableOf(any.node);
  if (any.kind !== 'TableNode') return undefined;
  const name = any.table?.identifier?.name;
  return typeof name === 'string' ? name : undefined;
}

function collectionOf(query: CompiledQuery['query']): string | undefined {
  const node = query as unknown as {
    kind: string;
    from?: { froms?: readonly OperationNode[] };
    into?: OperationNode;
    table?: OperationNode;
    into_?: OperationNode;
  };
  switch (node.kind) {
    case 'SelectQueryNode':
    case 'DeleteQueryNode':
      return tableOf(node.from?.froms?.[0]);
    case 'InsertQueryNode':
      return tableOf(node.into);
    case 'UpdateQueryNode':
      return tableOf(node.table);
    default:
      return undefined;
  }
}

const texts = new Map<string, string>();

/** The operation, table and sanitized text of a compiled query. */
export function queryShape(query: CompiledQuery): QueryShape {
  let text = texts.get(query.sql);
  if (text === undefined) {
    text = sanitizeSql(query.sql);
    if (texts.size >= TEXT_CACHE_SIZE) texts.clear();
    texts.set(query.sql, text);
  }
  const operation =
    OPERATIONS[query.query.kind] ?? /^\s*([A-Za-z]+)/.exec(query.sql)?.[1]?.toUpperCase() ?? 'SQL';
  return { operation, collection: collectionOf(query.query), text };
}

function startQuerySpan(query: CompiledQuery, parent: Context) {
  const { operation, collection, text } = queryShape(query);
  const attributes: Attributes = {
    [SEMCONV.dbSystemName]: 'postgresql',
    [SEMCONV.dbSystem]: 'postgresql',
    [SEMCONV.dbOperationName]: operation,
    [SEMCONV.dbQueryText]: text,
  };
  if (collection !== undefined) attributes[SEMCONV.dbCollectionName] = collection;
  return trace
    .getTracer('@opsloop/store')
    .startSpan(
      collection === undefined ? operation : `${operation} ${collection}`,
      { kind: SpanKind.CLIENT, attributes },
      parent,
    );
}

/**
 * `connection` with a CLIENT span per query (`SELECT orders`, `db.system.name` postgresql,
 * `db.operation.name`, `db.collection.name`, `db.query.text` without values), made only inside a recording
 * span: background polling (the outbox relay) makes no root spans, and untraced work pays one lookup.
 * Streamed queries are not traced. It is also the `db` fault point: every query passes here, so injected
 * latency and failures show in the query's span as a slow or failing database would.
 */
export function traceConnection(connection: DatabaseConnection): DatabaseConnection {
  /** Runs the query, after the `db` fault point's latency or failure, if any (see the kit's `faultPoint`). */
  const execute = <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
    const fault = faultPoint(FAULT_POINTS.db);
    return fault === undefined
      ? connection.executeQuery<R>(query)
      : fault.then(() => connection.executeQuery<R>(query));
  };
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const parent = context.active();
      if (trace.getSpan(parent)?.isRecording() !== true) return execute<R>(query);
      let span;
      try {
        span = startQuerySpan(query, parent);
      } catch {
        // A query node this code does not understand: run it untraced rather than fail it.
        return execute<R>(query);
      }
      try {
        return await execute<R>(query);
      } catch (error) {
        const code = sqlState(error);
        span.setAttribute(SEMCONV.errorType, code ?? (error instanceof Error ? error.name : 'error'));
        if (code !== undefined) span.setAttribute('db.response.status_code', code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : '' });
        throw error;
      } finally {
        span.end();
      }
    },
    streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
  };
}
